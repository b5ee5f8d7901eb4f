package keys

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fastScrypt makes new encrypted entries cheap for the test; the stored parameters say so, and
// Get honours them, which is what lets the defaults change later.
func fastScrypt(t *testing.T) {
	t.Helper()
	old := scryptDefault
	scryptDefault = scryptParams{N: 1 << 10, R: 8, P: 1}
	t.Cleanup(func() { scryptDefault = old })
}

func mustOpen(t *testing.T, path string) *Keystore {
	t.Helper()
	ks, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// sampleStore saves a keystore with dev alice in clear and dev bob under passphrase "pw".
func sampleStore(t *testing.T) string {
	t.Helper()
	fastScrypt(t)
	path := filepath.Join(t.TempDir(), "keystore.json")
	ks := mustOpen(t, path)
	if err := ks.Add("alice", DevKey("alice"), nil); err != nil {
		t.Fatal(err)
	}
	if err := ks.Add("bob", DevKey("bob"), []byte("pw")); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKeystoreRoundTrip(t *testing.T) {
	path := sampleStore(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("saved with mode %04o, want 0600", st.Mode().Perm())
	}
	ks := mustOpen(t, path)
	want := []Entry{{"alice", devAlice, false}, {"bob", devBob, true}}
	if got := ks.List(); !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		name, pass, addr string
	}{{"alice", "", devAlice}, {"alice", "ignored", devAlice}, {"bob", "pw", devBob}} {
		k, err := ks.Get(c.name, []byte(c.pass))
		if err != nil || k.Address() != c.addr {
			t.Errorf("Get(%s, %q) = %v, %v; want %s", c.name, c.pass, k, err, c.addr)
		}
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), hex.EncodeToString(DevKey("alice").Seed())) {
		t.Error("alice's clear seed is not stored as hex")
	}
	if strings.Contains(string(raw), hex.EncodeToString(DevKey("bob").Seed())) {
		t.Error("bob's sealed seed is in the file in clear")
	}
}

func TestKeystoreMissingFileIsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "keystore.json")
	ks := mustOpen(t, path)
	if len(ks.List()) != 0 || ks.Path() != path {
		t.Fatalf("List = %v, Path = %s", ks.List(), ks.Path())
	}
	if err := ks.Save(); err != nil { // creates the directories
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("directory: %v, %v", st, err)
	}
	if got := mustOpen(t, path).List(); len(got) != 0 {
		t.Fatalf("saved empty store lists %v", got)
	}
}

func TestKeystorePassphrases(t *testing.T) {
	ks := mustOpen(t, sampleStore(t))
	for _, pass := range []string{"", "PW", "pw ", "wrong"} {
		_, err := ks.Get("bob", []byte(pass))
		if !errors.Is(err, ErrBadPassphrase) || !strings.Contains(err.Error(), `"bob"`) {
			t.Errorf("Get(bob, %q) error = %v, want ErrBadPassphrase naming bob", pass, err)
		}
	}
	if _, err := ks.Get("bob", nil); err == nil || !strings.Contains(err.Error(), "no passphrase was given") {
		t.Errorf("Get without passphrase: %v", err)
	}
	if _, err := ks.Get("carol", nil); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get(carol) error = %v, want ErrKeyNotFound", err)
	}
}

func TestKeystoreDefaultKDF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ks.json")
	ks := mustOpen(t, path)
	k, _ := Generate()
	pass := []byte("correct horse battery staple")
	if err := ks.Add("main", k, pass); err != nil {
		t.Fatal(err)
	}
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	var f keystoreFile
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	c := f.Keys[0].Crypto
	p, err := c.scrypt()
	if err != nil {
		t.Fatal(err)
	}
	if p.N != 1<<15 || p.R != 8 || p.P != 1 || len(p.Salt) != 2*saltSize || len(c.Nonce) != 48 || c.Cipher != "xchacha20-poly1305" {
		t.Fatalf("stored crypto = %+v, params %+v", c, p)
	}
	got, err := mustOpen(t, path).Get("main", pass)
	if err != nil || got.Address() != k.Address() {
		t.Fatalf("Get = %v, %v", got, err)
	}
}

func TestKeystoreFreshSaltAndNonce(t *testing.T) {
	fastScrypt(t)
	ks := mustOpen(t, filepath.Join(t.TempDir(), "ks.json"))
	k := DevKey("carol")
	for _, name := range []string{"a", "b"} {
		if err := ks.Add(name, k, []byte("same")); err != nil {
			t.Fatal(err)
		}
	}
	a, b := ks.entries["a"].Crypto, ks.entries["b"].Crypto
	if string(a.KDFParams) == string(b.KDFParams) || a.Nonce == b.Nonce || a.Ciphertext == b.Ciphertext {
		t.Fatal("two seals of one key reuse salt, nonce or ciphertext")
	}
}

func TestKeystoreNames(t *testing.T) {
	ks := mustOpen(t, filepath.Join(t.TempDir(), "ks.json"))
	k := DevKey("alice")
	for _, name := range []string{"a", "alice", "val1-hk", "my_key_2", strings.Repeat("z", 32), "0", "-", "_"} {
		if err := ks.Add(name, k, nil); err != nil {
			t.Errorf("Add(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "Alice", "a b", "a.b", "a/b", "ä", strings.Repeat("z", 33), "../x", "a\n"} {
		if err := ks.Add(name, k, nil); err == nil || !strings.Contains(err.Error(), "key name") {
			t.Errorf("Add(%q) error = %v, want a key name error", name, err)
		}
	}
	if err := ks.Add("alice", DevKey("bob"), nil); !errors.Is(err, ErrKeyExists) {
		t.Errorf("duplicate Add error = %v, want ErrKeyExists", err)
	}
	if got, _ := ks.Get("alice", nil); got.Address() != devAlice {
		t.Error("a refused duplicate Add replaced the key")
	}
	if err := ks.Add("nil", nil, nil); err == nil {
		t.Error("Add of a nil key succeeded")
	}
	if err := ks.Remove("alice"); err != nil {
		t.Fatal(err)
	}
	if err := ks.Remove("alice"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("second Remove error = %v, want ErrKeyNotFound", err)
	}
}

func TestKeystorePermissions(t *testing.T) {
	path := sampleStore(t)
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o602, 0o620, 0o666, 0o700} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path)
		if mode&0o077 == 0 {
			if err != nil {
				t.Errorf("mode %04o: %v", mode, err)
			}
			continue
		}
		want := fmt.Sprintf("has mode %04o", mode)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Errorf("mode %04o: error = %v, want %q and the chmod hint", mode, err, want)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		_ = os.Chmod(path, mode)
		if _, err := Open(path); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Open(directory) error = %v", err)
	}
}

func TestKeystoreSaveReplacesLooseFile(t *testing.T) {
	path := sampleStore(t)
	ks := mustOpen(t, path)
	_ = os.Chmod(path, 0o644) // loosened after Open
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode after Save %04o, want 0600", st.Mode().Perm())
	}
}

func TestKeystoreSaveIsAtomic(t *testing.T) {
	path := sampleStore(t)
	before, _ := os.ReadFile(path)
	ks := mustOpen(t, path)
	if err := ks.Add("carol", DevKey("carol"), nil); err != nil {
		t.Fatal(err)
	}
	saveHook = func(tmp string) error {
		if st, err := os.Stat(tmp); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("temporary file: %v, %v", st, err)
		}
		return errors.New("disk full (injected)")
	}
	err := ks.Save()
	saveHook = nil
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Save error = %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Fatal("a failed Save changed the keystore")
	}
	names, _ := os.ReadDir(filepath.Dir(path))
	if len(names) != 1 {
		t.Fatalf("a failed Save left files behind: %v", names)
	}
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	if n := len(mustOpen(t, path).List()); n != 3 {
		t.Fatalf("after a good Save the store lists %d keys, want 3", n)
	}
}

// TestKeystoreReadersNeverSeeTornFile: a reader racing repeated saves always finds a complete
// keystore, the old or the new.
func TestKeystoreReadersNeverSeeTornFile(t *testing.T) {
	path := sampleStore(t)
	ks := mustOpen(t, path)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, failures atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if _, err := Open(path); err != nil {
				failures.Add(1)
				t.Errorf("reader: %v", err)
				return
			}
			reads.Add(1)
		}
	}()
	for i := range 200 {
		name := fmt.Sprintf("k%d", i)
		if err := ks.Add(name, DevKey(name), nil); err != nil {
			t.Fatal(err)
		}
		if err := ks.Save(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() == 0 && reads.Load() == 0 {
		t.Fatal("the reader never ran")
	}
}

func TestKeystoreSaveThroughSymlink(t *testing.T) {
	path := sampleStore(t)
	link := filepath.Join(t.TempDir(), "link.json")
	if err := os.Symlink(path, link); err != nil {
		t.Skip(err)
	}
	ks := mustOpen(t, link)
	_ = ks.Add("carol", DevKey("carol"), nil)
	if err := ks.Save(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("Save replaced the symlink")
	}
	if n := len(mustOpen(t, path).List()); n != 3 {
		t.Fatalf("target lists %d keys, want 3", n)
	}
}

// TestKeystoreCorrupt: every kind of damage is refused at Open with an error naming the entry
// and what is wrong.
func TestKeystoreCorrupt(t *testing.T) {
	good, err := os.ReadFile(sampleStore(t))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(doc map[string]any, alice, bob map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		ks := doc["keys"].([]any)
		f(doc, ks[0].(map[string]any), ks[1].(map[string]any))
		b, _ := json.Marshal(doc)
		return b
	}
	crypto := func(bob map[string]any) map[string]any { return bob["crypto"].(map[string]any) }
	params := func(bob map[string]any) map[string]any { return crypto(bob)["kdfparams"].(map[string]any) }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "file is empty"},
		{"blank file", []byte("\n\n"), "file is empty"},
		{"not JSON", []byte("version: 1\n"), "not a keystore: line 1, column 1"},
		{"syntax error on line 3", []byte("{\n  \"version\": 1,\n  \"keys\": [}\n"), "line 3, column"},
		{"truncated", good[:len(good)/2], "the JSON ends early"},
		{"array", []byte("[]"), "not a keystore"},
		{"no version", []byte(`{"keys":[]}`), `no "version" field`},
		{"version 2", []byte(`{"version":2,"keys":[]}`), "version 2 is not supported (this dtaod reads version 1)"},
		{"unknown field", []byte(`{"version":1,"keys":[],"extra":1}`), `unknown field "extra"`},
		{"trailing data", append(append([]byte(nil), good...), "{}"...), "line 27, column 1: invalid character '{' after top-level value"},
		{"bad name", edit(func(_, a, _ map[string]any) { a["name"] = "Alice" }), `keys[0] "Alice": key name "Alice": only a-z`},
		{"no name", edit(func(_, a, _ map[string]any) { delete(a, "name") }), `keys[0]: key name "" must be 1 to 32`},
		{"duplicate name", edit(func(_, _, b map[string]any) { b["name"] = "alice" }), `keys[1]: the name "alice" is used twice`},
		{"bad address", edit(func(_, a, _ map[string]any) { a["address"] = devAlice[:40] }), `keys[0] "alice": address: bad address`},
		{"address of another network", edit(func(_, a, _ map[string]any) {
			a["address"] = EncodeSS58(DevKey("alice").Public(), 0)
		}), "wrong network prefix 0"},
		{"seed not hex", edit(func(_, a, _ map[string]any) { a["seed"] = "zz" }), `keys[0] "alice": seed: not hex`},
		{"seed short", edit(func(_, a, _ map[string]any) { a["seed"] = "abcd" }), "seed: 2 bytes, want 32"},
		{"seed of another key", edit(func(_, a, _ map[string]any) {
			a["seed"] = hex.EncodeToString(DevKey("bob").Seed())
		}), "seed is not the key of address " + devAlice},
		{"seed and crypto", edit(func(_, a, b map[string]any) { a["crypto"] = b["crypto"] }), `has both "seed" and "crypto"`},
		{"neither", edit(func(_, a, _ map[string]any) { delete(a, "seed") }), `has neither "seed" nor "crypto"`},
		{"unknown kdf", edit(func(_, _, b map[string]any) { crypto(b)["kdf"] = "pbkdf2" }), `keys[1] "bob": crypto.kdfparams: kdf "pbkdf2" is not supported`},
		{"kdfparams not an object", edit(func(_, _, b map[string]any) { crypto(b)["kdfparams"] = 5 }), "not scrypt parameters"},
		{"unknown kdf parameter", edit(func(_, _, b map[string]any) { params(b)["dklen"] = 32 }), `unknown field "dklen"`},
		{"n not a power of two", edit(func(_, _, b map[string]any) { params(b)["n"] = 1000 }), "n = 1000, want a power of two"},
		{"n zero", edit(func(_, _, b map[string]any) { params(b)["n"] = 0 }), "n = 0, want a power of two"},
		{"r zero", edit(func(_, _, b map[string]any) { params(b)["r"] = 0 }), "r = 0 and p = 1, want both at least 1"},
		{"memory too big", edit(func(_, _, b map[string]any) { params(b)["n"] = 1 << 20 }), "exceed the limits"},
		{"n huge", edit(func(_, _, b map[string]any) { params(b)["n"] = 1 << 62 }), "exceed the limits"},
		{"p too big", edit(func(_, _, b map[string]any) { params(b)["p"] = 1000 }), "exceed the limits"},
		{"salt short", edit(func(_, _, b map[string]any) { params(b)["salt"] = "00" }), "salt must be at least 16 bytes in hex"},
		{"unknown cipher", edit(func(_, _, b map[string]any) { crypto(b)["cipher"] = "aes-128-ctr" }), `crypto.cipher: "aes-128-ctr" is not supported`},
		{"nonce short", edit(func(_, _, b map[string]any) { crypto(b)["nonce"] = "00" }), "crypto.nonce: 1 bytes, want 24"},
		{"ciphertext short", edit(func(_, _, b map[string]any) { crypto(b)["ciphertext"] = "00" }), "crypto.ciphertext: 1 bytes, want 48"},
		{"ciphertext not hex", edit(func(_, _, b map[string]any) { crypto(b)["ciphertext"] = "xyz" }), "crypto.ciphertext: not hex"},
		{"keys not a list", []byte(`{"version":1,"keys":{}}`), "not a keystore: line 1, column"},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("ks%d.json", i))
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open error = %v\nwant one naming %s and containing %q", err, path, tt.want)
			}
		})
	}
}

// TestKeystoreTamperedSealedEntry: changes that pass Open's checks are caught by Get.
func TestKeystoreTamperedSealedEntry(t *testing.T) {
	path := sampleStore(t)
	ks := mustOpen(t, path)
	e := ks.entries["bob"]
	c := *e.Crypto
	sealed, _ := hex.DecodeString(c.Ciphertext)
	sealed[0] ^= 1
	c.Ciphertext = hex.EncodeToString(sealed)
	ks.entries["bob"] = fileKey{Name: "bob", Address: devBob, Crypto: &c}
	if _, err := ks.Get("bob", []byte("pw")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("flipped ciphertext: %v", err)
	}
	// bob's sealed seed moved under carol's address: the address is authenticated data.
	ks.entries["bob"] = fileKey{Name: "bob", Address: DevKey("carol").Address(), Crypto: e.Crypto}
	if _, err := ks.Get("bob", []byte("pw")); !errors.Is(err, ErrBadPassphrase) {
		t.Errorf("sealed seed under another address: %v", err)
	}
}
