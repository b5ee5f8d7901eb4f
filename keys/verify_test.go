package keys

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/oasisprotocol/curve25519-voi/curve"
	"github.com/oasisprotocol/curve25519-voi/curve/scalar"
	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// The differential tests below hold Verify's signature check (verifyExpanded: curve25519-voi
// with VerifyOptionsStdLib and a precomputed key) to crypto/ed25519's answers, input by input:
// valid signatures, every single-bit mutation, non-canonical S and R, small-order and
// non-canonical keys and R, keys and R with a torsion component, and random bytes.

// stdVerify is crypto/ed25519's answer, false where it would panic (a key of the wrong length).
func stdVerify(pub, msg, sig []byte) bool {
	return len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, msg, sig)
}

// agreement counts the inputs checked and how many both implementations accepted, so a test
// can show it exercised both outcomes.
type agreement struct {
	t              testing.TB
	checked, valid int
}

func (a *agreement) check(what string, pub, msg, sig []byte) bool {
	a.t.Helper()
	want, got := stdVerify(pub, msg, sig), verifyExpanded(pub, msg, sig)
	a.checked++
	if want != got {
		a.t.Fatalf("%s: crypto/ed25519 says %v, curve25519-voi says %v\npub %x\nmsg %x\nsig %x", what, want, got, pub, msg, sig)
	}
	if got {
		a.valid++
	}
	return got
}

// l is the order of the prime-order subgroup.
var l = func() *big.Int {
	n, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	return n
}()

// leBytes is n as 32 little-endian bytes.
func leBytes(n *big.Int) []byte {
	b := n.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return b
}

// leInt reads 32 little-endian bytes.
func leInt(b []byte) *big.Int {
	r := bytes.Clone(b)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return new(big.Int).SetBytes(r)
}

// encodings of points of small order: the torsion subgroup in both sign-bit forms, and the
// non-canonical encodings y = p+k (k < 19) that decoders may accept, in both sign-bit forms.
func smallAndOddEncodings(t testing.TB) [][]byte {
	var out [][]byte
	for _, h := range []string{
		"0100000000000000000000000000000000000000000000000000000000000000",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		b := mustHex(t, h)
		out = append(out, b, flipSign(b))
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	for k := range int64(19) {
		b := leBytes(new(big.Int).Add(p, big.NewInt(k)))
		out = append(out, b, flipSign(b))
	}
	return out
}

func flipSign(b []byte) []byte {
	c := bytes.Clone(b)
	c[31] ^= 0x80
	return c
}

// rawKey is a signing key made from its parts, so tests can sign for keys a seed never gives
// (mixed-order points) and with any R.
type rawKey struct {
	a   scalar.Scalar
	pub []byte
}

func newRawKey(t testing.TB, rng *rand.Rand, torsion *curve.EdwardsPoint) rawKey {
	var k rawKey
	var wide [64]byte
	fill(rng, wide[:])
	if _, err := k.a.SetBytesModOrderWide(wide[:]); err != nil {
		t.Fatal(err)
	}
	var A curve.EdwardsPoint
	A.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, &k.a)
	if torsion != nil {
		A.Add(&A, torsion)
	}
	var c curve.CompressedEdwardsY
	c.SetEdwardsPoint(&A)
	k.pub = bytes.Clone(c[:])
	return k
}

// sign makes (R, S) with R = [r]B + torsion and S = r + H(R || A || msg) a.
func (k rawKey) sign(t testing.TB, rng *rand.Rand, msg []byte, torsion *curve.EdwardsPoint) []byte {
	var wide [64]byte
	fill(rng, wide[:])
	var r scalar.Scalar
	if _, err := r.SetBytesModOrderWide(wide[:]); err != nil {
		t.Fatal(err)
	}
	var R curve.EdwardsPoint
	R.MulBasepoint(curve.ED25519_BASEPOINT_TABLE, &r)
	if torsion != nil {
		R.Add(&R, torsion)
	}
	var rc curve.CompressedEdwardsY
	rc.SetEdwardsPoint(&R)
	h := sha512.New()
	h.Write(rc[:])
	h.Write(k.pub)
	h.Write(msg)
	var kh scalar.Scalar
	if _, err := kh.SetBytesModOrderWide(h.Sum(nil)); err != nil {
		t.Fatal(err)
	}
	var s scalar.Scalar
	s.Mul(&kh, &k.a)
	s.Add(&s, &r)
	sig := append(bytes.Clone(rc[:]), make([]byte, 32)...)
	if err := s.ToBytes(sig[32:]); err != nil {
		t.Fatal(err)
	}
	return sig
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// torsionPoints are the eight points of order dividing 8, decoded.
func torsionPoints(t testing.TB) []*curve.EdwardsPoint {
	var out []*curve.EdwardsPoint
	for _, enc := range smallAndOddEncodings(t)[:10] {
		var c curve.CompressedEdwardsY
		if _, err := c.SetBytes(enc); err != nil {
			t.Fatal(err)
		}
		var p curve.EdwardsPoint
		if _, err := p.SetCompressedY(&c); err != nil {
			continue // the sign-flipped forms of x = 0 points may not decode
		}
		if !p.IsSmallOrder() {
			t.Fatalf("%x is not of small order", enc)
		}
		out = append(out, &p)
	}
	return out
}

func TestVerifyMatchesStdlibValidAndMutated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := &agreement{t: t}
	for i := range 12 {
		seed := make([]byte, 32)
		fill(rng, seed)
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		msg := make([]byte, rng.IntN(300))
		fill(rng, msg)
		sig := ed25519.Sign(priv, msg)
		if !a.check("valid", pub, msg, sig) {
			t.Fatalf("key %d: a valid signature was refused", i)
		}
		for bit := range 512 {
			m := bytes.Clone(sig)
			m[bit/8] ^= 1 << (bit % 8)
			a.check(fmt.Sprintf("signature bit %d", bit), pub, msg, m)
		}
		for bit := range 256 {
			m := bytes.Clone(pub)
			m[bit/8] ^= 1 << (bit % 8)
			a.check(fmt.Sprintf("key bit %d", bit), m, msg, sig)
		}
		if len(msg) > 0 {
			m := bytes.Clone(msg)
			m[rng.IntN(len(m))] ^= byte(1 + rng.IntN(255))
			a.check("message byte", pub, m, sig)
		}
		a.check("empty signature", pub, msg, nil)
		a.check("short signature", pub, msg, sig[:63])
		a.check("long signature", pub, msg, append(bytes.Clone(sig), 0))
		a.check("short key", pub[:31], msg, sig)
	}
	if a.valid != 12 {
		t.Fatalf("%d of %d inputs verified, want exactly the 12 unmutated ones", a.valid, a.checked)
	}
	t.Logf("%d inputs, %d valid, all answers equal", a.checked, a.valid)
}

// TestVerifyMatchesStdlibNonCanonicalS: S + kL is the same scalar mod L but a second
// encoding; accepting it would let anyone change a signature's bytes. Both refuse it, and any
// S with the top three bits set.
func TestVerifyMatchesStdlibNonCanonicalS(t *testing.T) {
	a := &agreement{t: t}
	limit := new(big.Int).Lsh(big.NewInt(1), 256)
	for range 32 {
		_, priv, _ := ed25519.GenerateKey(nil)
		pub := priv.Public().(ed25519.PublicKey)
		msg := []byte("non-canonical S")
		sig := ed25519.Sign(priv, msg)
		a.check("valid", pub, msg, sig)
		s := leInt(sig[32:])
		for k := int64(1); ; k++ {
			n := new(big.Int).Add(s, new(big.Int).Mul(l, big.NewInt(k)))
			if n.Cmp(limit) >= 0 {
				break
			}
			m := append(bytes.Clone(sig[:32]), leBytes(n)...)
			if a.check(fmt.Sprintf("S + %dL", k), pub, msg, m) {
				t.Fatalf("S + %dL accepted", k)
			}
		}
		for _, top := range []byte{0x20, 0x40, 0x80, 0xe0} {
			m := bytes.Clone(sig)
			m[63] |= top
			a.check(fmt.Sprintf("S top bits %#x", top), pub, msg, m)
		}
	}
	for _, s := range []*big.Int{l, new(big.Int).Sub(l, big.NewInt(1)), new(big.Int).Lsh(big.NewInt(1), 252), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 253), big.NewInt(1))} {
		a.check("S = "+s.String(), DevKey("alice").Public(), nil, append(make([]byte, 32), leBytes(s)...))
	}
	t.Logf("%d inputs, %d valid, all answers equal", a.checked, a.valid)
}

// TestVerifyMatchesStdlibSmallOrder: every pairing of a small-order or non-canonically
// encoded key with a small-order or non-canonically encoded R, with S of 0, 1 and random,
// over several messages. crypto/ed25519 accepts some of these (the identity key with R = the
// identity and S = 0 verifies every message); the bare check must accept exactly the same
// ones, and Verify then refuses small-order signers on top (TestVerifyRefusesSmallOrderSigners).
func TestVerifyMatchesStdlibSmallOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := &agreement{t: t}
	encs := smallAndOddEncodings(t)
	randS := make([]byte, 32)
	fill(rng, randS)
	randS[31] &= 0x0f
	for _, pub := range encs {
		for _, r := range encs {
			for _, s := range [][]byte{make([]byte, 32), leBytes(big.NewInt(1)), randS} {
				for _, msg := range []string{"", "dtaod"} {
					a.check("small-order key and R", pub, []byte(msg), append(bytes.Clone(r), s...))
				}
			}
		}
	}
	if a.valid == 0 {
		t.Fatal("no small-order input verified: the test no longer covers crypto/ed25519's accepted forgeries")
	}
	t.Logf("%d inputs, %d valid, all answers equal", a.checked, a.valid)
}

// TestVerifyMatchesStdlibTorsion: keys and R with a torsion component. The cofactorless
// equation crypto/ed25519 checks accepts a signature by a mixed-order key A = aB + T only when
// H(R, A, m) T happens to vanish, and never one whose R carries torsion; the cofactored
// equation (the library's default options and every batch verifier) accepts all of them. That
// difference is why Verify pins VerifyOptionsStdLib and does no batch verification: the
// cofactored-accept case is asserted here.
func TestVerifyMatchesStdlibTorsion(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := &agreement{t: t}
	cofactored := &voi.Options{Verify: voi.VerifyOptionsFIPS_186_5}
	torsion := torsionPoints(t)
	if len(torsion) < 8 {
		t.Fatalf("%d torsion points decoded, want 8", len(torsion))
	}
	cofactoredOnly := 0
	for ti, tp := range torsion {
		for i := range 16 {
			msg := fmt.Appendf(nil, "torsion %d/%d", ti, i)
			mixed := newRawKey(t, rng, tp)
			sig := mixed.sign(t, rng, msg, nil)
			ok := a.check("mixed-order key", mixed.pub, msg, sig)
			if !ok && voi.VerifyWithOptions(mixed.pub, msg, sig, cofactored) {
				cofactoredOnly++
			}
			plain := newRawKey(t, rng, nil)
			sig = plain.sign(t, rng, msg, tp)
			ok = a.check("torsion in R", plain.pub, msg, sig)
			if !ok && voi.VerifyWithOptions(plain.pub, msg, sig, cofactored) {
				cofactoredOnly++
			}
			if !a.check("plain", plain.pub, msg, plain.sign(t, rng, msg, nil)) {
				t.Fatal("a signature of the test signer was refused")
			}
		}
	}
	if cofactoredOnly == 0 {
		t.Fatal("no signature was accepted by the cofactored equation alone: the test lost its point")
	}
	t.Logf("%d inputs, %d valid, all answers equal; %d accepted only by the cofactored equation (so never used)",
		a.checked, a.valid, cofactoredOnly)
}

// TestVerifyMatchesStdlibRandomBytes: random keys (about half are no curve point), random
// signatures and random signatures with a valid-looking S.
func TestVerifyMatchesStdlibRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	a := &agreement{t: t}
	for range 2000 {
		pub, sig, msg := make([]byte, 32), make([]byte, 64), make([]byte, rng.IntN(64))
		fill(rng, pub)
		fill(rng, sig)
		fill(rng, msg)
		a.check("random", pub, msg, sig)
		sig[63] &= 0x0f
		a.check("random, small S", pub, msg, sig)
	}
	t.Logf("%d inputs, %d valid, all answers equal", a.checked, a.valid)
}

// FuzzVerifyMatchesStdlib: any (key, message, signature) gets crypto/ed25519's answer.
//
//	go test ./keys -run '^$' -fuzz FuzzVerifyMatchesStdlib -fuzztime 60s
func FuzzVerifyMatchesStdlib(f *testing.F) {
	k := DevKey("alice")
	msg := []byte(goldenCall)
	sig := k.Sign(msg)
	f.Add([]byte(k.Public()), msg, sig)
	identity := mustHex(f, "0100000000000000000000000000000000000000000000000000000000000000")
	f.Add(identity, []byte("x"), append(bytes.Clone(identity), make([]byte, 32)...))
	for _, enc := range smallAndOddEncodings(f)[:12] {
		f.Add(enc, msg, append(bytes.Clone(enc), make([]byte, 32)...))
	}
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		if want, got := stdVerify(pub, msg, sig), verifyExpanded(pub, msg, sig); want != got {
			t.Fatalf("crypto/ed25519 says %v, curve25519-voi says %v", want, got)
		}
	})
}

// TestVerifySignerCache: only signers with a verified signature are kept, a kept signer's
// forgeries are still refused, a key that is no curve point is refused with ErrBadSignature,
// and the cache stays within its bound.
func TestVerifySignerCache(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	call := []byte(goldenCall)
	cached := func() bool {
		signers.mu.Lock()
		defer signers.mu.Unlock()
		return signers.m[k.Address()] != nil
	}
	forged := DevKey("bob").SignOrder("c", 1, call)
	for range 2 {
		if err := Verify("c", k.Address(), 1, call, forged); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("forgery: %v", err)
		}
		if err := Verify("c", k.Address(), 1, call, forged[:10]); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("short signature: %v", err)
		}
	}
	if cached() {
		t.Fatal("a signer was cached without a verified signature")
	}
	good := k.SignOrder("c", 1, call)
	for i := range 3 {
		if err := Verify("c", k.Address(), 1, call, good); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if !cached() {
			t.Fatal("a verified signer was not cached")
		}
		if err := Verify("c", k.Address(), 2, call, good); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("cached signer, wrong nonce: %v", err)
		}
		if err := Verify("c", k.Address(), 1, call, forged); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("cached signer, forgery: %v", err)
		}
	}

	notPoint := bytes.Repeat([]byte{0x02}, 32) // y = 2 has no x on the curve
	if _, err := voi.NewExpandedPublicKey(notPoint); err == nil {
		t.Fatal("test key decodes; pick another")
	}
	err = Verify("c", EncodeSS58(notPoint, Prefix), 1, call, good)
	if !errors.Is(err, ErrBadSignature) || !bytes.Contains([]byte(err.Error()), []byte("not a curve point")) {
		t.Fatalf("key off the curve: %v", err)
	}

	for i := range signerCacheSize + 50 {
		seed := sha512.Sum512([]byte{byte(i), byte(i >> 8), 'c'})
		k, _ := FromSeed(seed[:32])
		if err := Verify("c", k.Address(), 0, nil, k.SignOrder("c", 0, nil)); err != nil {
			t.Fatal(err)
		}
	}
	signers.mu.Lock()
	n := len(signers.m)
	signers.mu.Unlock()
	if n > signerCacheSize {
		t.Fatalf("cache holds %d signers, bound %d", n, signerCacheSize)
	}
}

// TestVerifyConcurrent: Verify from many goroutines over shared signers (run with -race).
func TestVerifyConcurrent(t *testing.T) {
	ks := make([]*Key, 8)
	for i := range ks {
		ks[i] = DevKey(fmt.Sprint("concurrent-", i))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				k := ks[(g+i)%len(ks)]
				call := fmt.Appendf(nil, "%d-%d", g, i)
				sig := k.SignOrder("c", uint64(i), call)
				if err := Verify("c", k.Address(), uint64(i), call, sig); err != nil {
					t.Error(err)
					return
				}
				if err := Verify("c", k.Address(), uint64(i+1), call, sig); !errors.Is(err, ErrBadSignature) {
					t.Errorf("wrong nonce accepted: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkVerifyStdlib is the signature check Verify made before (crypto/ed25519, with the
// address parsed each time), to compare with BenchmarkVerify (a signer in the cache) and
// BenchmarkVerifyNewSigner (a signer seen for the first time).
func BenchmarkVerifyStdlib(b *testing.B) {
	k := DevKey("alice")
	call := []byte(goldenCall)
	sig := k.SignOrder("dtaod-dev", 7, call)
	b.ReportAllocs()
	for b.Loop() {
		pub, err := ParseAddress(k.Address())
		if err != nil || smallOrder(pub) || !ed25519.Verify(pub, SigningBytes("dtaod-dev", k.Address(), 7, call), sig) {
			b.Fatal("refused")
		}
	}
}

// BenchmarkVerifyNewSigner is Verify for a signer not in the cache: address parse, key
// expansion and verification.
func BenchmarkVerifyNewSigner(b *testing.B) {
	const n = 2 * signerCacheSize // cycle through more signers than the cache holds
	ks := make([]string, n)
	sigs := make([][]byte, n)
	call := []byte(goldenCall)
	for i := range n {
		seed := sha512.Sum512(fmt.Appendf(nil, "bench-%d", i))
		k, _ := FromSeed(seed[:32])
		ks[i], sigs[i] = k.Address(), k.SignOrder("dtaod-dev", 7, call)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		signers.mu.Lock()
		delete(signers.m, ks[i%n])
		signers.mu.Unlock()
		if err := Verify("dtaod-dev", ks[i%n], 7, call, sigs[i%n]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkVerifyBare compares the bare signature checks: crypto/ed25519 and curve25519-voi
// with a precomputed key.
func BenchmarkVerifyBare(b *testing.B) {
	k := DevKey("alice")
	msg := SigningBytes("dtaod-dev", k.Address(), 7, []byte(goldenCall))
	sig := k.Sign(msg)
	pub := k.Public()
	xk, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("voi", func(b *testing.B) {
		for b.Loop() {
			if !voi.VerifyWithOptions(voi.PublicKey(pub), msg, sig, stdlibSemantics) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("voi-expanded", func(b *testing.B) {
		for b.Loop() {
			if !voi.VerifyExpandedWithOptions(xk, msg, sig, stdlibSemantics) {
				b.Fatal("refused")
			}
		}
	})
}
