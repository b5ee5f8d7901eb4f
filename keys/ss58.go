package keys

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/blake2b"
)

// Prefix is the SS58 network prefix of dtaod addresses: 42, substrate's "generic substrate"
// format, which is also what Bittensor wallets show, so a dtaod address of a key reads the same
// as the key's Bittensor address and users can recognise it.
const Prefix = 42

// MaxPrefix is the largest SS58 network prefix: the two-byte form carries 14 bits.
const MaxPrefix = 16383

// ErrBadAddress is the sentinel every address error wraps (errors.Is), so the API can answer
// "bad signer" with one code whatever was wrong; the wrapped message says what was wrong.
var ErrBadAddress = errors.New("bad address")

const (
	base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	ss58Checksum   = 2   // checksum bytes for a 32-byte key, as substrate uses
	maxAddressLen  = 128 // characters; real SS58 addresses of 32-byte keys have 47 to 50
)

var base58Index = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = byte(i)
	}
	return t
}()

// EncodeSS58 writes a 32-byte public key as a substrate SS58 address for the network prefix:
// base58 (Bitcoin alphabet) of prefix || key || the first two bytes of
// blake2b-512("SS58PRE" || prefix || key). Prefixes 0-63 take one byte and 64-16383 substrate's
// two-byte form. The encoding does not depend on the key type, so the same bytes give the same
// address as polkadot.js or subkey would show.
//
// It panics if pub is not 32 bytes or prefix exceeds MaxPrefix: both are programming errors
// (keys come from this package and the prefix is a constant), not input errors.
func EncodeSS58(pub ed25519.PublicKey, prefix uint16) string {
	if len(pub) != ed25519.PublicKeySize {
		panic(fmt.Sprintf("keys: EncodeSS58 of a %d-byte key, want %d", len(pub), ed25519.PublicKeySize))
	}
	if prefix > MaxPrefix {
		panic(fmt.Sprintf("keys: SS58 prefix %d is above %d", prefix, MaxPrefix))
	}
	var buf [2 + ed25519.PublicKeySize + ss58Checksum]byte
	pre := prefixBytes(buf[:0], prefix)
	payload := append(pre, pub...)
	sum := ss58Sum(payload)
	payload = append(payload, sum[:ss58Checksum]...)
	return base58Encode(payload)
}

// DecodeSS58 reads an SS58 address of a 32-byte key, whatever its network prefix, checking the
// base58 characters, the length, the prefix form and the checksum. It accepts only the
// canonical spelling (a prefix below 64 in the two-byte form is rejected), so each key and
// prefix have exactly one address string and EncodeSS58(DecodeSS58(s)) == s: accounts keyed by
// address can never be split between two spellings of one key.
//
// Errors wrap ErrBadAddress and say what is wrong; a character position counts characters from
// 1.
func DecodeSS58(s string) (pub ed25519.PublicKey, prefix uint16, err error) {
	bad := func(format string, args ...any) (ed25519.PublicKey, uint16, error) {
		return nil, 0, fmt.Errorf("%w %s: %s", ErrBadAddress, quoteAddress(s), fmt.Sprintf(format, args...))
	}
	if s == "" {
		return nil, 0, fmt.Errorf("%w: empty address", ErrBadAddress)
	}
	if len(s) > maxAddressLen {
		return bad("%d characters long; an SS58 address of a 32-byte key has 47 to 50", len(s))
	}
	data, err := base58Decode(s)
	if err != nil {
		return bad("%v", err)
	}
	const one, two = 1 + ed25519.PublicKeySize + ss58Checksum, 2 + ed25519.PublicKeySize + ss58Checksum
	if len(data) != one && len(data) != two {
		return bad("%d characters that decode to %d bytes, want %d or %d bytes (a 1- or 2-byte network prefix, a 32-byte key and a %d-byte checksum)",
			utf8.RuneCountInString(s), len(data), one, two, ss58Checksum)
	}
	var preLen int
	switch b := data[0]; {
	case b < 64:
		prefix, preLen = uint16(b), 1
	case b < 128:
		lower := uint16(b<<2) | uint16(data[1]>>6)
		upper := uint16(data[1] & 0x3F)
		prefix, preLen = lower|upper<<8, 2
		if prefix < 64 {
			return bad("network prefix %d written in the two-byte form; SS58 writes prefixes below 64 in one byte", prefix)
		}
	default:
		return bad("first byte 0x%02x is not an SS58 network prefix (values from 128 are reserved)", b)
	}
	if want := preLen + ed25519.PublicKeySize + ss58Checksum; len(data) != want {
		return bad("decodes to %d bytes, want %d for network prefix %d (a %d-byte prefix, a 32-byte key and a %d-byte checksum)",
			len(data), want, prefix, preLen, ss58Checksum)
	}
	body, check := data[:len(data)-ss58Checksum], data[len(data)-ss58Checksum:]
	if sum := ss58Sum(body); !bytes.Equal(sum[:ss58Checksum], check) {
		return bad("bad checksum (a character is mistyped or missing)")
	}
	return ed25519.PublicKey(bytes.Clone(body[preLen:])), prefix, nil
}

// ParseAddress reads a dtaod address: an SS58 address with network prefix 42. An address of the
// same key for another network (Polkadot's 0, Kusama's 2, ...) is refused rather than accepted,
// so a user never signs for, or sends to, a string they did not mean; the error shows the
// key's prefix-42 address so they can tell whether it is the key they meant.
func ParseAddress(s string) (ed25519.PublicKey, error) {
	pub, prefix, err := DecodeSS58(s)
	if err != nil {
		return nil, err
	}
	if prefix != Prefix {
		return nil, fmt.Errorf("%w %s: wrong network prefix %d, want %d (the same key at prefix %d is %s)",
			ErrBadAddress, quoteAddress(s), prefix, Prefix, Prefix, EncodeSS58(pub, Prefix))
	}
	return pub, nil
}

// prefixBytes appends the SS58 encoding of a network prefix: one byte below 64, else the
// two-byte form 01xxxxxx xxxxxxxx that substrate's Ss58Codec writes.
func prefixBytes(dst []byte, prefix uint16) []byte {
	if prefix < 64 {
		return append(dst, byte(prefix))
	}
	first := byte((prefix&0x00FC)>>2) | 0x40
	second := byte(prefix>>8) | byte(prefix&0x0003)<<6
	return append(dst, first, second)
}

func ss58Sum(body []byte) [blake2b.Size]byte {
	var in [7 + 2 + ed25519.PublicKeySize]byte
	n := copy(in[:], "SS58PRE")
	n += copy(in[n:], body)
	return blake2b.Sum512(in[:n])
}

// quoteAddress quotes an address for an error message, cut short when it is long so a hostile
// input cannot flood logs.
func quoteAddress(s string) string {
	const max = 64
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// base58Encode is Bitcoin's base58: each leading zero byte becomes '1', the rest is the
// big-endian number in base 58.
func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	digits := make([]byte, (len(b)-zeros)*138/100+1) // log(256)/log(58) < 1.38
	for _, c := range b[zeros:] {
		carry := uint32(c)
		for j := len(digits) - 1; j >= 0; j-- {
			carry += uint32(digits[j]) << 8
			digits[j] = byte(carry % 58)
			carry /= 58
		}
	}
	i := 0
	for i < len(digits) && digits[i] == 0 {
		i++
	}
	out := make([]byte, zeros, zeros+len(digits)-i)
	for k := range out {
		out[k] = '1'
	}
	for _, d := range digits[i:] {
		out = append(out, base58Alphabet[d])
	}
	return string(out)
}

// base58Decode is the inverse of base58Encode; it names the first character outside the
// alphabet and where it is.
func base58Decode(s string) ([]byte, error) {
	pos := 0
	for i, r := range s {
		pos++
		if r >= utf8.RuneSelf || base58Index[s[i]] == 0xFF {
			return nil, fmt.Errorf("bad base58 character %q at position %d of %d (base58 has no 0, O, I or l)",
				r, pos, utf8.RuneCountInString(s))
		}
	}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	num := make([]byte, (len(s)-zeros)*733/1000+1) // log(58)/log(256) < 0.733
	for i := zeros; i < len(s); i++ {
		carry := uint32(base58Index[s[i]])
		for j := len(num) - 1; j >= 0; j-- {
			carry += uint32(num[j]) * 58
			num[j] = byte(carry)
			carry >>= 8
		}
	}
	i := 0
	for i < len(num) && num[i] == 0 {
		i++
	}
	out := make([]byte, zeros, zeros+len(num)-i)
	return append(out, num[i:]...), nil
}
