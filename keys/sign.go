package keys

import (
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
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
// next one. crypto/ed25519 rejects a non-canonical S or R, so nobody but the signer can turn a
// valid signature into another valid one; order identity should still be (signer, nonce),
// never the signature bytes.
func Verify(chainID, signer string, nonce uint64, call, sig []byte) error {
	pub, err := ParseAddress(signer)
	if err != nil {
		return fmt.Errorf("signer: %w", err)
	}
	if smallOrder(pub) {
		return fmt.Errorf("signer: %w %s: its key is a small-order point, for which anyone can forge signatures, so it cannot sign",
			ErrBadAddress, signer)
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadSignature, len(sig), ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, SigningBytes(chainID, signer, nonce, call), sig) {
		return fmt.Errorf("%w: not a signature by %s of this call with nonce %d for chain %q",
			ErrBadSignature, signer, nonce, chainID)
	}
	return nil
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
