package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// Dev account addresses, pinned: the dev genesis and clients rely on them. Cross-checked with
// @polkadot/util-crypto: ed25519PairFromSeed(sha256("dtaod-dev:alice")) and encodeAddress(pk, 42).
const (
	devAlice = "5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg"
	devBob   = "5Gqi1x7ZBxvQfenoH8hWH1beu2T6WMpMfhrWftSGyTUinhDu"
)

// goldenCall is an order in scenario.FormatOrder's canonical form.
const goldenCall = `{"type":"add_stake","coldkey":"` + devAlice + `","hotkey":"` + devBob + `","netuid":1,"amount":"1000000000"}`

// The signing payload and signature of goldenCall by dev alice with nonce 7 on chain
// "dtaod-dev". Both were reproduced independently in JavaScript (@polkadot/util-crypto
// ed25519Sign over the layout documented on SigningBytes), so a client in another language can
// test against them.
const (
	goldenPayload = "6474616f642d6f726465722d76310000000009" + "6474616f642d646576" +
		"00000030" + "3548656a38756b554b644474456f5643714e6f506e314a6b674b767953757150637676625661376e5151554c74344b67" +
		"0000000000000007" +
		"000000ae" + "7b2274797065223a226164645f7374616b65222c22636f6c646b6579223a223548656a38756b554b644474456f5643714e6f506e314a6b674b767953757150637676625661376e5151554c74344b67222c22686f746b6579223a22354771693178375a4278765166656e6f483868574831626575325436574d704d6668725766745347795455696e684475222c226e6574756964223a312c22616d6f756e74223a2231303030303030303030227d"
	goldenSig = "b2261476d77967cabf4451ed041b9f466985022af711177008b9ab91b73f5ba94fd8b5c2809a157e62eae60e42ae76b101b4f2a4c9729768eb4b56e08d1ca10a"
)

func TestDevKeys(t *testing.T) {
	for name, want := range map[string]string{"alice": devAlice, "bob": devBob} {
		if got := DevKey(name).Address(); got != want {
			t.Errorf("DevKey(%q).Address() = %s, want %s", name, got, want)
		}
	}
	if DevKey("alice").Address() == DevKey("Alice").Address() {
		t.Error("dev key names are case-sensitive")
	}
}

func TestFromSeedRFC8032(t *testing.T) {
	// RFC 8032 section 7.1, test 1.
	k, err := FromSeed(mustHex(t, "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(k.Public()); got != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" {
		t.Errorf("public key %s", got)
	}
	want := "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
	if got := hex.EncodeToString(k.Sign(nil)); got != want {
		t.Errorf("signature %s", got)
	}
	if k.Address() != EncodeSS58(k.Public(), Prefix) {
		t.Error("Address is not the prefix-42 SS58 of Public")
	}
}

func TestFromSeedErrors(t *testing.T) {
	for _, n := range []int{0, 31, 33, 64} {
		if _, err := FromSeed(make([]byte, n)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("seed is %d bytes, want 32", n)) {
			t.Errorf("FromSeed(%d bytes) error = %v", n, err)
		}
	}
}

func TestGenerate(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate()
	if a.Address() == b.Address() {
		t.Fatal("two generated keys are equal")
	}
	again, _ := FromSeed(a.Seed())
	if again.Address() != a.Address() {
		t.Fatal("a generated key's seed does not remake it")
	}
}

func TestKeyPublicIsACopy(t *testing.T) {
	k := DevKey("alice")
	k.Public()[0] ^= 0xFF
	if EncodeSS58(k.Public(), Prefix) != devAlice {
		t.Fatal("changing Public's result changed the key")
	}
}

func TestKeyFormatHidesSecret(t *testing.T) {
	k := DevKey("alice")
	seed := k.Seed()
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		for _, v := range []any{k, *k, []*Key{k}, struct{ K *Key }{k}} {
			out := fmt.Sprintf(verb, v)
			decimal := strings.TrimSuffix(fmt.Sprint(seed[:4]), "]")[1:] // "a b c d"
			if strings.Contains(strings.ToLower(out), hex.EncodeToString(seed[:8])) ||
				strings.Contains(out, decimal) || bytes.Contains([]byte(out), seed[:8]) {
				t.Errorf("fmt %s of %T leaks the seed: %s", verb, v, out)
			}
		}
	}
	if got := fmt.Sprint(k); got != "keys.Key("+devAlice+")" {
		t.Errorf("fmt.Sprint(key) = %s", got)
	}
}

func TestSigningBytesGolden(t *testing.T) {
	a := DevKey("alice")
	got := SigningBytes("dtaod-dev", a.Address(), 7, []byte(goldenCall))
	if hex.EncodeToString(got) != goldenPayload {
		t.Fatalf("SigningBytes = %x\nwant          %s", got, goldenPayload)
	}
	sig := a.SignOrder("dtaod-dev", 7, []byte(goldenCall))
	if hex.EncodeToString(sig) != goldenSig {
		t.Fatalf("SignOrder = %x, want %s", sig, goldenSig)
	}
	if err := Verify("dtaod-dev", devAlice, 7, []byte(goldenCall), mustHex(t, goldenSig)); err != nil {
		t.Fatal(err)
	}
}

// TestSigningBytesUnambiguous: moving bytes between neighbouring fields changes the payload,
// which a plain concatenation would not.
func TestSigningBytesUnambiguous(t *testing.T) {
	pairs := [][2][]byte{
		{SigningBytes("ab", "c", 0, nil), SigningBytes("a", "bc", 0, nil)},
		{SigningBytes("", "x", 0, nil), SigningBytes("x", "", 0, nil)},
		{SigningBytes("c", "", 0, []byte("x")), SigningBytes("c", "x", 0, nil)},
		{SigningBytes("c", "s", 1, nil), SigningBytes("c", "s", 1<<56, nil)},
		{SigningBytes("c", "s", 0, nil), SigningBytes("c", "s", 0, []byte{})}, // nil and empty call are the same call
	}
	for i, p := range pairs[:4] {
		if bytes.Equal(p[0], p[1]) {
			t.Errorf("pair %d: equal payloads %x", i, p[0])
		}
	}
	if !bytes.Equal(pairs[4][0], pairs[4][1]) {
		t.Error("nil and empty calls differ")
	}
	if !bytes.HasPrefix(pairs[0][0], []byte("dtaod-order-v1\x00")) {
		t.Error("payload does not start with the domain tag")
	}
}

func TestVerifyRejects(t *testing.T) {
	alice, bob := DevKey("alice"), DevKey("bob")
	const chain = "dtaod-test"
	call := []byte(goldenCall)
	sig := alice.SignOrder(chain, 7, call)
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 1
		return c
	}
	tests := []struct {
		name   string
		chain  string
		signer string
		nonce  uint64
		call   []byte
		sig    []byte
		want   error
		detail string
	}{
		{"valid", chain, alice.Address(), 7, call, sig, nil, ""},
		{"other chain", "dtaod-main", alice.Address(), 7, call, sig, ErrBadSignature, `for chain "dtaod-main"`},
		{"empty chain", "", alice.Address(), 7, call, sig, ErrBadSignature, ""},
		{"next nonce", chain, alice.Address(), 8, call, sig, ErrBadSignature, "nonce 8"},
		{"nonce zero", chain, alice.Address(), 0, call, sig, ErrBadSignature, ""},
		{"other signer", chain, bob.Address(), 7, call, sig, ErrBadSignature, "by " + bob.Address()},
		{"signer at prefix 0", chain, EncodeSS58(alice.Public(), 0), 7, call, sig, ErrBadAddress, "wrong network prefix 0"},
		{"signer not an address", chain, "alice", 7, call, sig, ErrBadAddress, "signer: bad address"},
		{"call byte changed", chain, alice.Address(), 7, flip(call, 40), sig, ErrBadSignature, ""},
		{"call amount changed", chain, alice.Address(), 7, bytes.Replace(call, []byte("1000000000"), []byte("9000000000"), 1), sig, ErrBadSignature, ""},
		{"call extended", chain, alice.Address(), 7, append(bytes.Clone(call), ' '), sig, ErrBadSignature, ""},
		{"signature R bit", chain, alice.Address(), 7, call, flip(sig, 0), ErrBadSignature, ""},
		{"signature S bit", chain, alice.Address(), 7, call, flip(sig, 40), ErrBadSignature, ""},
		{"signature truncated", chain, alice.Address(), 7, call, sig[:63], ErrBadSignature, "63 bytes, want 64"},
		{"no signature", chain, alice.Address(), 7, call, nil, ErrBadSignature, "0 bytes, want 64"},
		{"bob's signature", chain, alice.Address(), 7, call, bob.SignOrder(chain, 7, call), ErrBadSignature, ""},
		{"raw signature of the call", chain, alice.Address(), 7, call, alice.Sign(call), ErrBadSignature, ""},
		{"signature of the call for bob as signer", chain, bob.Address(), 7, call, alice.Sign(SigningBytes(chain, bob.Address(), 7, call)), ErrBadSignature, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.chain, tt.signer, tt.nonce, tt.call, tt.sig)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(fmt.Sprint(err), tt.detail) {
				t.Fatalf("Verify error = %v, want %v with %q", err, tt.want, tt.detail)
			}
		})
	}
}

// TestSignVerifyProperty: any key's order signature verifies, and changing any one of chain id,
// signer, nonce, call or signature makes it fail.
func TestSignVerifyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k, err := FromSeed(rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "seed"))
		if err != nil {
			t.Fatal(err)
		}
		chain := rapid.String().Draw(t, "chain")
		nonce := rapid.Uint64().Draw(t, "nonce")
		call := rapid.SliceOf(rapid.Byte()).Draw(t, "call")
		sig := k.SignOrder(chain, nonce, call)
		if err := Verify(chain, k.Address(), nonce, call, sig); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		signer := k.Address()
		switch rapid.IntRange(0, 4).Draw(t, "tamper") {
		case 0:
			chain += rapid.StringN(1, 4, -1).Draw(t, "suffix")
		case 1:
			other, _ := FromSeed(rapid.SliceOfN(rapid.Byte(), 32, 32).Filter(func(b []byte) bool {
				return !bytes.Equal(b, k.Seed())
			}).Draw(t, "other"))
			signer = other.Address()
		case 2:
			nonce += rapid.Uint64Range(1, 1<<63).Draw(t, "delta")
		case 3:
			if len(call) == 0 {
				call = []byte{0}
			} else {
				i := rapid.IntRange(0, len(call)-1).Draw(t, "i")
				call = bytes.Clone(call)
				call[i] ^= byte(rapid.IntRange(1, 255).Draw(t, "x"))
			}
		case 4:
			i := rapid.IntRange(0, len(sig)-1).Draw(t, "i")
			sig[i] ^= byte(rapid.IntRange(1, 255).Draw(t, "x"))
		}
		if err := Verify(chain, signer, nonce, call, sig); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("tampered order: Verify error = %v, want ErrBadSignature", err)
		}
	})
}

// TestSigningBytesInjective: different field tuples never give the same payload.
func TestSigningBytesInjective(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		short := rapid.StringOfN(rapid.RuneFrom([]rune("ab\x00\x01")), 0, 4, -1)
		c1, c2 := short.Draw(t, "c1"), short.Draw(t, "c2")
		s1, s2 := short.Draw(t, "s1"), short.Draw(t, "s2")
		n1, n2 := rapid.Uint64Range(0, 2).Draw(t, "n1"), rapid.Uint64Range(0, 2).Draw(t, "n2")
		k1, k2 := short.Draw(t, "k1"), short.Draw(t, "k2")
		same := c1 == c2 && s1 == s2 && n1 == n2 && k1 == k2
		eq := bytes.Equal(SigningBytes(c1, s1, n1, []byte(k1)), SigningBytes(c2, s2, n2, []byte(k2)))
		if same != eq {
			t.Fatalf("(%q %q %d %q) vs (%q %q %d %q): same fields %v, equal payloads %v", c1, s1, n1, k1, c2, s2, n2, k2, same, eq)
		}
	})
}

// BenchmarkVerify is the API's per-order cost: address parse, payload build and ed25519
// verification, for a typical order. The target is 20k verifications/s on 2 cores.
func BenchmarkVerify(b *testing.B) {
	k := DevKey("alice")
	call := []byte(goldenCall)
	sig := k.SignOrder("dtaod-dev", 7, call)
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify("dtaod-dev", k.Address(), 7, call, sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify on every core (-cpu 2 for the 2-core target).
func BenchmarkVerifyParallel(b *testing.B) {
	k := DevKey("alice")
	call := []byte(goldenCall)
	sig := k.SignOrder("dtaod-dev", 7, call)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := Verify("dtaod-dev", k.Address(), 7, call, sig); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkSignOrder(b *testing.B) {
	k := DevKey("alice")
	call := []byte(goldenCall)
	for b.Loop() {
		k.SignOrder("dtaod-dev", 7, call)
	}
}

// TestVerifyRefusesSmallOrderSigners: crypto/ed25519 accepts a forged signature (R = identity,
// S = 0) for a small-order key, for every message if the key is the identity; Verify must not.
func TestVerifyRefusesSmallOrderSigners(t *testing.T) {
	forged := make([]byte, 64)
	forged[0] = 1 // R = the identity point, S = 0
	// The eight torsion points as @noble/curves 1.9.7 lists them (ED25519_TORSION_SUBGROUP),
	// then the non-canonical encodings of y = 0 and y = 1, with and without the sign bit.
	torsion := []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"0000000000000000000000000000000000000000000000000000000000000080",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"0100000000000000000000000000000000000000000000000000000000000080",
	}
	for _, h := range torsion {
		pub := mustHex(t, h)
		if !smallOrder(pub) {
			t.Errorf("%s not detected as small order", h)
		}
		addr := EncodeSS58(pub, Prefix)
		if _, err := ParseAddress(addr); err != nil {
			t.Errorf("small-order key %s is no longer a valid address to send to: %v", addr, err)
		}
		for nonce := range uint64(16) {
			err := Verify("c", addr, nonce, []byte(goldenCall), forged)
			if !errors.Is(err, ErrBadAddress) || !strings.Contains(err.Error(), "small-order") {
				t.Fatalf("Verify for small-order signer %s: %v", addr, err)
			}
		}
	}
	// The need for the check: the raw library accepts the forgery for the identity key.
	if !ed25519.Verify(mustHex(t, torsion[0]), SigningBytes("c", "x", 1, nil), forged) {
		t.Log("crypto/ed25519 now rejects the identity-key forgery; the check is belt and braces")
	}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		if smallOrder(DevKey(name).Public()) {
			t.Errorf("dev key %s flagged as small order", name)
		}
	}
	if smallOrder(mustHex(t, aliceSr25519)) {
		t.Error("a real key flagged as small order")
	}
}
