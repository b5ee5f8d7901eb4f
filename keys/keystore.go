package keys

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/scrypt"
)

// Keystore errors the CLI tells apart (errors.Is); the wrapped messages name the key.
var (
	// ErrBadPassphrase: the passphrase does not open an encrypted key, or none was given for
	// one, so the CLI can ask again rather than report a broken file.
	ErrBadPassphrase = errors.New("wrong passphrase")
	// ErrKeyExists: Add never overwrites, so a typo cannot destroy a key.
	ErrKeyExists = errors.New("key name already in use")
	// ErrKeyNotFound: no key of that name, so the CLI can list the names there are.
	ErrKeyNotFound = errors.New("no such key")
)

// KeystoreVersion is the file format version Save writes and Open reads; a file of another
// version is refused by name rather than misread.
const KeystoreVersion = 1

// The KDF and cipher of new encrypted entries. Each entry records its own, so these can
// change later without breaking files already written.
const (
	kdfScrypt        = "scrypt"
	cipherXChaCha    = "xchacha20-poly1305"
	saltSize         = 16
	scryptMaxMemory  = 256 << 20 // bytes (128*N*r) a file may ask scrypt for, so a file cannot exhaust memory
	keystoreMaxBytes = 16 << 20
)

// scryptDefault is the cost of new encrypted entries: N=2^15, r=8, p=1 (32 MiB, about 0.1 s),
// the scrypt package's recommended interactive setting. A variable so tests can go faster.
var scryptDefault = scryptParams{N: 1 << 15, R: 8, P: 1}

// saveHook, if set, is called by Save between writing and renaming the temporary file; tests
// use it to fail a save halfway and check the old file survives.
var saveHook func(tmp string) error

// Keystore is the CLI's file of named keys (JSON, mode 0600). A key added without a passphrase
// is stored as its hex seed in clear: anyone who can read the file, a backup of it, or the disk
// can spend from that account; that is acceptable only for dev and test keys. With a passphrase
// the seed is sealed with XChaCha20-Poly1305 under a scrypt-derived key, with a random salt and
// nonce per entry and the KDF parameters stored beside it; the entry's address is
// authenticated with the seed, so a sealed seed cannot be passed off under another address.
//
// Changes live in memory until Save. A Keystore is not safe for concurrent use, and two
// processes saving the same file at once keep only the last save.
type Keystore struct {
	path    string
	entries map[string]fileKey
}

// Entry is what List shows of a key without opening it.
type Entry struct {
	Name      string // the name the CLI refers to the key by
	Address   string // the key's dtaod address, readable without the passphrase
	Encrypted bool   // whether Get needs a passphrase; false means the seed is in clear in the file
}

type keystoreFile struct {
	Version int       `json:"version"`
	Keys    []fileKey `json:"keys"`
}

type fileKey struct {
	Name    string      `json:"name"`
	Address string      `json:"address"`
	Seed    string      `json:"seed,omitempty"`   // hex, in clear
	Crypto  *fileCrypto `json:"crypto,omitempty"` // the sealed seed
}

type fileCrypto struct {
	KDF        string          `json:"kdf"`
	KDFParams  json.RawMessage `json:"kdfparams"`
	Cipher     string          `json:"cipher"`
	Nonce      string          `json:"nonce"`      // hex
	Ciphertext string          `json:"ciphertext"` // hex: the sealed seed and its tag
}

type scryptParams struct {
	N    int    `json:"n"`
	R    int    `json:"r"`
	P    int    `json:"p"`
	Salt string `json:"salt"` // hex
}

// Open reads the keystore at path. A missing file is an empty keystore, so the first Add and
// Save create it. A file that group or others may read or write is refused (on Unix), since it
// holds private keys; so is any file that is not a valid keystore, with an error naming the
// entry and field at fault. Every entry is checked now, so a damaged file is found before it is
// needed.
func Open(path string) (*Keystore, error) {
	ks := &Keystore{path: path, entries: map[string]fileKey{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ks, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keystore: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("keystore %s: not a regular file (%s)", path, st.Mode().Type())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("keystore %s has mode %04o: it holds private keys and must not be readable or writable by group or others; run: chmod 600 %s",
			path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, keystoreMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("keystore %s: %w", path, err)
	}
	if len(data) > keystoreMaxBytes {
		return nil, fmt.Errorf("keystore %s: larger than %d MiB, not a keystore", path, keystoreMaxBytes>>20)
	}
	if err := ks.decode(data); err != nil {
		return nil, fmt.Errorf("keystore %s: %w", path, err)
	}
	return ks, nil
}

func (ks *Keystore) decode(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("file is empty; delete it or restore it from a backup")
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("not a keystore: %s", jsonError(data, err))
	}
	if head.Version == nil {
		return errors.New(`not a keystore: no "version" field`)
	}
	if *head.Version != KeystoreVersion {
		return fmt.Errorf("version %d is not supported (this dtaod reads version %d)", *head.Version, KeystoreVersion)
	}
	var file keystoreFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return fmt.Errorf("not a keystore: %s", jsonError(data, err))
	}
	for i, e := range file.Keys {
		if err := checkEntry(e); err != nil {
			if e.Name != "" {
				return fmt.Errorf("keys[%d] %q: %w", i, e.Name, err)
			}
			return fmt.Errorf("keys[%d]: %w", i, err)
		}
		if _, dup := ks.entries[e.Name]; dup {
			return fmt.Errorf("keys[%d]: the name %q is used twice", i, e.Name)
		}
		ks.entries[e.Name] = e
	}
	return nil
}

// jsonError says what a JSON error is and where, as line:column.
func jsonError(data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end of JSON input"):
		return "the JSON ends early (file truncated?)"
	case errors.As(err, &syn):
		off = syn.Offset - 1 // Offset counts the bad byte
	case errors.As(err, &typ):
		off = typ.Offset - 1
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

// checkEntry validates one stored entry completely, apart from what only the passphrase can
// check.
func checkEntry(e fileKey) error {
	if err := checkName(e.Name); err != nil {
		return err
	}
	pub, err := ParseAddress(e.Address)
	if err != nil {
		return fmt.Errorf("address: %w", err)
	}
	switch {
	case e.Seed != "" && e.Crypto != nil:
		return errors.New(`has both "seed" and "crypto"; an entry holds one`)
	case e.Seed == "" && e.Crypto == nil:
		return errors.New(`has neither "seed" nor "crypto"`)
	case e.Seed != "":
		seed, err := decodeHex(e.Seed, SeedSize)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		k, _ := FromSeed(seed)
		if !bytes.Equal(k.Public(), pub) {
			return fmt.Errorf("seed is not the key of address %s (the file was altered)", e.Address)
		}
		return nil
	}
	c := e.Crypto
	if _, err := c.scrypt(); err != nil {
		return fmt.Errorf("crypto.kdfparams: %w", err)
	}
	if c.Cipher != cipherXChaCha {
		return fmt.Errorf("crypto.cipher: %q is not supported (this dtaod knows %q)", c.Cipher, cipherXChaCha)
	}
	if _, err := decodeHex(c.Nonce, chacha20poly1305.NonceSizeX); err != nil {
		return fmt.Errorf("crypto.nonce: %w", err)
	}
	if _, err := decodeHex(c.Ciphertext, SeedSize+chacha20poly1305.Overhead); err != nil {
		return fmt.Errorf("crypto.ciphertext: %w", err)
	}
	return nil
}

// scrypt reads and bounds-checks the entry's KDF parameters; the bounds keep a damaged or
// hostile file from making Get run for hours or take all memory.
func (c *fileCrypto) scrypt() (scryptParams, error) {
	var p scryptParams
	if c.KDF != kdfScrypt {
		return p, fmt.Errorf("kdf %q is not supported (this dtaod knows %q)", c.KDF, kdfScrypt)
	}
	dec := json.NewDecoder(bytes.NewReader(c.KDFParams))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, fmt.Errorf("not scrypt parameters {n, r, p, salt}: %v", err)
	}
	switch {
	case p.N < 2 || bits.OnesCount(uint(p.N)) != 1:
		return p, fmt.Errorf("n = %d, want a power of two from 2", p.N)
	case p.R < 1 || p.P < 1:
		return p, fmt.Errorf("r = %d and p = %d, want both at least 1", p.R, p.P)
	case p.P > 16 || uint64(p.N) > scryptMaxMemory/128 || uint64(p.N)*uint64(p.R)*128 > scryptMaxMemory:
		return p, fmt.Errorf("n = %d, r = %d, p = %d exceed the limits (128*n*r at most %d MiB, p at most 16)",
			p.N, p.R, p.P, scryptMaxMemory>>20)
	}
	salt, err := hex.DecodeString(p.Salt)
	if err != nil || len(salt) < saltSize {
		return p, fmt.Errorf("salt must be at least %d bytes in hex", saltSize)
	}
	return p, nil
}

func decodeHex(s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex: %v", err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("%d bytes, want %d", len(b), size)
	}
	return b, nil
}

// checkName enforces key names of 1 to 32 characters from a-z, 0-9, '_' and '-': safe in
// shells, file names and URLs, and never mistaken for an address (those have capitals).
func checkName(name string) error {
	if name == "" || len(name) > 32 {
		return fmt.Errorf("key name %q must be 1 to 32 characters", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("key name %q: only a-z, 0-9, '_' and '-' are allowed", name)
		}
	}
	return nil
}

// Path is the file the keystore was opened from and Save writes, for messages.
func (ks *Keystore) Path() string { return ks.path }

// Add stores k under name, sealed with the passphrase, or in clear if the passphrase is empty
// (see Keystore for the risk). It refuses a bad name and a name in use (ErrKeyExists): a key is
// never replaced. Call Save to write it.
func (ks *Keystore) Add(name string, k *Key, passphrase []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if k == nil || k.priv == nil {
		return errors.New("keystore: Add of a nil key")
	}
	if _, ok := ks.entries[name]; ok {
		return fmt.Errorf("%w: %q", ErrKeyExists, name)
	}
	e := fileKey{Name: name, Address: k.Address()}
	seed := k.Seed()
	defer clear(seed)
	if len(passphrase) == 0 {
		e.Seed = hex.EncodeToString(seed)
	} else {
		c, err := seal(seed, passphrase, k.Address(), scryptDefault)
		if err != nil {
			return err
		}
		e.Crypto = c
	}
	ks.entries[name] = e
	return nil
}

func seal(seed, passphrase []byte, address string, params scryptParams) (*fileCrypto, error) {
	salt := make([]byte, saltSize)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails
	_, _ = rand.Read(nonce)
	params.Salt = hex.EncodeToString(salt)
	aead, err := deriveAEAD(passphrase, params)
	if err != nil {
		return nil, err
	}
	kdfParams, _ := json.Marshal(params)
	return &fileCrypto{
		KDF:        kdfScrypt,
		KDFParams:  kdfParams,
		Cipher:     cipherXChaCha,
		Nonce:      hex.EncodeToString(nonce),
		Ciphertext: hex.EncodeToString(aead.Seal(nil, nonce, seed, []byte(address))),
	}, nil
}

func deriveAEAD(passphrase []byte, p scryptParams) (cipher.AEAD, error) {
	salt, err := hex.DecodeString(p.Salt)
	if err != nil {
		return nil, fmt.Errorf("keystore: salt: %w", err)
	}
	key, err := scrypt.Key(passphrase, salt, p.N, p.R, p.P, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("keystore: scrypt: %w", err)
	}
	defer clear(key)
	return chacha20poly1305.NewX(key)
}

// Get opens the named key. An encrypted key needs its passphrase: a wrong or missing one gives
// an error wrapping ErrBadPassphrase (a file altered in the sealed bytes looks the same). A key
// stored in clear ignores the passphrase; List's Encrypted tells the CLI which keys need one.
func (ks *Keystore) Get(name string, passphrase []byte) (*Key, error) {
	e, ok := ks.entries[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrKeyNotFound, name)
	}
	var seed []byte
	if e.Crypto == nil {
		s, err := decodeHex(e.Seed, SeedSize)
		if err != nil {
			return nil, fmt.Errorf("keystore: key %q: seed: %w", name, err)
		}
		seed = s
	} else {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("%w: key %q is encrypted and no passphrase was given", ErrBadPassphrase, name)
		}
		params, err := e.Crypto.scrypt()
		if err != nil {
			return nil, fmt.Errorf("keystore: key %q: crypto.kdfparams: %w", name, err)
		}
		aead, err := deriveAEAD(passphrase, params)
		if err != nil {
			return nil, err
		}
		nonce, err1 := decodeHex(e.Crypto.Nonce, chacha20poly1305.NonceSizeX)
		sealed, err2 := decodeHex(e.Crypto.Ciphertext, SeedSize+chacha20poly1305.Overhead)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("keystore: key %q: %w", name, err)
		}
		seed, err = aead.Open(nil, nonce, sealed, []byte(e.Address))
		if err != nil {
			return nil, fmt.Errorf("%w for key %q", ErrBadPassphrase, name)
		}
	}
	defer clear(seed)
	k, err := FromSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("keystore: key %q: %w", name, err)
	}
	if k.Address() != e.Address {
		return nil, fmt.Errorf("keystore: key %q: the seed is not the key of address %s (the file was altered)", name, e.Address)
	}
	return k, nil
}

// Remove deletes the named key from memory (ErrKeyNotFound if there is none); Save makes it
// final. The CLI should confirm first: a removed key without a backup is gone for good.
func (ks *Keystore) Remove(name string) error {
	if _, ok := ks.entries[name]; !ok {
		return fmt.Errorf("%w: %q", ErrKeyNotFound, name)
	}
	delete(ks.entries, name)
	return nil
}

// List shows every key, sorted by name, without opening any: what `keys list` prints.
func (ks *Keystore) List() []Entry {
	out := make([]Entry, 0, len(ks.entries))
	for _, e := range ks.entries {
		out = append(out, Entry{Name: e.Name, Address: e.Address, Encrypted: e.Crypto != nil})
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Save writes the keystore to its path atomically: to a temporary file (mode 0600) in the same
// directory, synced, then renamed over the old file, so a crash or a full disk leaves the old
// keystore or the new one, never a torn file that loses keys. The directory is created (0700)
// if missing; a symlinked path keeps its link and replaces the file it points to.
func (ks *Keystore) Save() error {
	file := keystoreFile{Version: KeystoreVersion, Keys: make([]fileKey, 0, len(ks.entries))}
	for _, e := range ks.List() {
		file.Keys = append(file.Keys, ks.entries[e.Name])
	}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return fmt.Errorf("keystore: %w", err)
	}
	if err := writeFileAtomic(ks.path, append(data, '\n')); err != nil {
		return fmt.Errorf("keystore %s: save: %w", ks.path, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) (err error) {
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if saveHook != nil {
		if err = saveHook(tmp); err != nil {
			return err
		}
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, target); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename durable; best effort
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
