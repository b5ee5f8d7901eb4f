package keys

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// ErrBadSignature is the sentinel Verify wraps when a signature does not prove that the signer
// authorised this call with this nonce on this chain, so the API can answer with one code; the
// wrapped message says what was checked.
var ErrBadSignature = errors.New("bad signature")

// SigningDomain starts every payload SigningBytes writes. It separates order signatures from any
// other message a key might sign (a future message type gets its own tag, so no signature can be
// replayed as another kind), and its version lets the layout change without old signatures
// meaning something new. The NUL ends the tag, so no tag is a prefix of another.
const SigningDomain = "dtaod-order-v1\x00"

// SigningBytes is the message a signed order's signature covers, in one canonical,
// unambiguous layout that clients in any language can rebuild:
//
//	"dtaod-order-v1" 0x00                     the domain tag (SigningDomain)
//	uint32 big-endian len(chainID), chainID   the chain id, UTF-8 as given
//	uint32 big-endian len(signer), signer     the signer's SS58 address string
//	uint64 big-endian nonce
//	uint32 big-endian len(call), call         the call bytes: scenario.FormatOrder's canonical JSON
//
// Every variable field carries its length, so no two different (chainID, signer, nonce, call)
// give the same bytes. Why each field is signed:
//
//   - chain id: a signature made for one chain (a testnet, a dev chain, a fork) is worthless on
//     another: no cross-chain replay.
//   - signer: binds the signature to the account that claims it. Ed25519 already hashes the
//     public key into its challenge; signing the address string as well also binds the exact
//     address spelling (network prefix) and keeps the payload self-contained if other key
//     types are added later.
//   - nonce: the signer's per-account sequence number: the node accepts each nonce once, in
//     order, so a captured order can be neither replayed nor reordered, and because the nonce
//     is signed nobody can re-submit the same call under a fresh one.
//   - call: what the signer authorises, byte for byte; the canonical encoding means equal orders
//     have equal bytes, so the node can re-encode the parsed call and compare.
//
// It panics if a field is longer than 4 GiB - 1, which no real order approaches.
func SigningBytes(chainID, signer string, nonce uint64, call []byte) []byte {
	for _, n := range []int{len(chainID), len(signer), len(call)} {
		if uint64(n) > math.MaxUint32 {
			panic(fmt.Sprintf("keys: SigningBytes field of %d bytes is over the 4 GiB limit", n))
		}
	}
	b := make([]byte, 0, len(SigningDomain)+4+len(chainID)+4+len(signer)+8+4+len(call))
	b = append(b, SigningDomain...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(chainID)))
	b = append(b, chainID...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(signer)))
	b = append(b, signer...)
	b = binary.BigEndian.AppendUint64(b, nonce)
	b = binary.BigEndian.AppendUint32(b, uint32(len(call)))
	return append(b, call...)
}

// Verify checks that sig is the signer's signature of SigningBytes(chainID, signer, nonce,
// call): the only proof the API accepts that the signer's key holder authorised this call, with
// this nonce, on this chain. A signer that is not a valid prefix-42 address gives an error
// wrapping ErrBadAddress; any signature that does not verify, of whatever length, one wrapping
// ErrBadSignature.
//
// A signer whose key is one of Ed25519's small-order points is refused (ErrBadAddress):
// crypto/ed25519 accepts forged signatures for such keys, and the all-zero key among them is
// a popular burn address. Refusing them as signers keeps a burn address burnt; they remain
// valid addresses to send to.
//
// Verify proves authorship only. The caller must still check that the signer is the account
// the call acts for (its coldkey, or its hotkey for weights) and that the nonce is the signer's
// next one. Verification rejects a non-canonical S or R, so nobody but the signer can turn a
// valid signature into another valid one; order identity should still be (signer, nonce),
// never the signature bytes.
//
// Verification is the API's main CPU cost per order, so it runs on curve25519-voi with the
// exact semantics of crypto/ed25519 (see verifyExpanded) and keeps the precomputed tables of
// recent signers' keys (see signerCache): measured on the 2-core dev machine, 26 µs a
// verification for a cached signer and 36 µs for a new one, against 45 µs with crypto/ed25519
// (keys/verify_test.go's benchmarks).
// It is safe for concurrent use.
func Verify(chainID, signer string, nonce uint64, call, sig []byte) error {
	xk, cached, err := signers.key(signer)
	if err != nil {
		return err
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), ed25519.SignatureSize)
	}
	if !voi.VerifyExpandedWithOptions(xk, SigningBytes(chainID, signer, nonce, call), sig, stdlibSemantics) {
		return fmt.Errorf("%w: not a signature by %s of this call with nonce %d for chain %q",
			ErrBadSignature, signer, nonce, chainID)
	}
	if !cached {
		signers.keep(signer, xk)
	}
	return nil
}

// stdlibSemantics makes curve25519-voi accept exactly what crypto/ed25519 accepts: the
// cofactorless equation [S]B - [k]A == R compared as encodings (so a non-canonical R never
// verifies), S below the group order, any A that decodes (non-canonical encodings and
// small-order points included: Verify refuses small-order signers itself). The cofactored
// equation of the library's default and of batch verification accepts more signatures (R or A
// with a torsion component that the cofactor cancels), so it is never used: a signature one
// node accepts must be accepted by every node and by any client library that checks it.
// keys/verify_test.go compares the two implementations on valid, mutated, non-canonical,
// small-order and mixed-order inputs.
var stdlibSemantics = &voi.Options{Verify: voi.VerifyOptionsStdLib}

// verifyExpanded is the bare signature check Verify makes, with no address parsing and no
// cache: crypto/ed25519.Verify(pub, msg, sig) computed by curve25519-voi. It exists so the
// differential tests check the very call Verify makes.
func verifyExpanded(pub, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	xk, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	if err != nil {
		return false
	}
	return voi.VerifyExpandedWithOptions(xk, msg, sig, stdlibSemantics)
}

// signerCacheSize bounds the signer cache: an expanded key is about 1.5 KiB, so 4096 of them
// are about 6 MiB, and 4096 signers active at once is more than the API sees in a block time.
const signerCacheSize = 4096

// signers is the process's cache of recent signers' expanded keys.
var signers = signerCache{m: make(map[string]*voi.ExpandedPublicKey)}

// signerCache maps a signer address to its expanded public key (the key's point decoded and
// its multiples precomputed), which saves the address parse (base58 and blake2b, ~1.5 µs) and
// makes each verification cheaper (~15%): an account that sends many orders pays the
// expansion (~8 µs) once. Only signers whose signature verified are kept (keep), so invalid
// addresses, small-order keys and forged orders never enter it and cannot churn it. An address
// string is canonical (DecodeSS58 accepts one spelling per key and prefix), so the same string
// always stands for the same key. When it is full a pseudo-random entry (Go's map iteration
// order) makes room: no ordering to maintain, and an attacker cannot pin entries.
type signerCache struct {
	mu sync.Mutex
	m  map[string]*voi.ExpandedPublicKey
}

// key is the signer's expanded key, from the cache (cached is true) or freshly parsed and
// checked: errors wrap ErrBadAddress as ParseAddress's do, and a small-order key is refused.
func (c *signerCache) key(signer string) (xk *voi.ExpandedPublicKey, cached bool, err error) {
	c.mu.Lock()
	xk = c.m[signer]
	c.mu.Unlock()
	if xk != nil {
		return xk, true, nil
	}
	pub, err := ParseAddress(signer)
	if err != nil {
		return nil, false, fmt.Errorf("signer: %w", err)
	}
	if smallOrder(pub) {
		return nil, false, fmt.Errorf("signer: %w %s: its key is a small-order point, for which anyone can forge signatures, so it cannot sign",
			ErrBadAddress, signer)
	}
	if xk, err = voi.NewExpandedPublicKey(voi.PublicKey(pub)); err != nil {
		// ParseAddress checked the length and checksum only; a key that is no curve point can
		// sign nothing (crypto/ed25519 rejects every signature for it too).
		return nil, false, fmt.Errorf("%w: signer %s: its key is not a curve point", ErrBadSignature, signer)
	}
	return xk, false, nil
}

// keep remembers a signer's expanded key after one of its signatures verified.
func (c *signerCache) keep(signer string, xk *voi.ExpandedPublicKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[signer]; ok {
		return
	}
	if len(c.m) >= signerCacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[signer] = xk
}

// smallOrderY holds the y-coordinates (little-endian, sign bit cleared) of the eight points of
// order dividing 8 (y = 1, -1, 0 and the order-8 pair ±y8), plus p and p+1, the non-canonical
// encodings of 0 and 1 that decoders accept. The torsion encodings match @noble/curves'
// ED25519_TORSION_SUBGROUP and libsodium's blocklist; the sign bit does not matter because
// the torsion subgroup is closed under negation.
var smallOrderY = func() (ys [7][32]byte) {
	for i, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
		"0100000000000000000000000000000000000000000000000000000000000000", // y = 1, the identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = -1, order 2
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p: y = 0 non-canonically
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p+1: y = 1 non-canonically
	} {
		if _, err := hex.Decode(ys[i][:], []byte(h)); err != nil {
			panic(err)
		}
	}
	return ys
}()

// smallOrder reports whether a 32-byte public key encodes a point of small order.
func smallOrder(pub []byte) bool {
	var y [32]byte
	copy(y[:], pub)
	y[31] &= 0x7F
	for _, s := range smallOrderY {
		if y == s {
			return true
		}
	}
	return false
}
