package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const (
	aliceSr25519 = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" // substrate dev Alice
	aliceAddr42  = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ss58Vectors: Alice's is substrate's well-known dev account; the rest, including every
// two-byte prefix, were produced by @polkadot/util-crypto 14.0.3 encodeAddress, an independent
// implementation.
var ss58Vectors = []struct {
	key    string
	prefix uint16
	addr   string
}{
	{aliceSr25519, 42, aliceAddr42},
	{aliceSr25519, 0, "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"},
	{aliceSr25519, 1, "BauKu2iL4fncgfy22YSLGc1aDLpyuUUe5z8yNF2pDtLNr4E"},
	{aliceSr25519, 2, "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},
	{aliceSr25519, 63, "7NPoMQbiA6trJKkjB35uk96MeJD4PGWkLQLH7k7hXEkZpiba"},
	{aliceSr25519, 64, "cEaNSpz4PxFcZ7nT1VEKrKewH67rfx6MfcM6yKojyyPz7qaqp"},
	{aliceSr25519, 65, "cLxkfNUiCYsb57YLhTJdNVKxUTB1VTpeygYZNhYuFc83KrFy7"},
	{aliceSr25519, 127, "jAtW53781ZL18rTbRPuMcq3EcxYSHF3AJAnnMwgoxs5UAaELH"},
	{aliceSr25519, 128, "jHGtHabmp9wyerDV7Myf8ziFpKbb6kmTcEzEmKRyEVoXNb1pm"},
	{aliceSr25519, 255, "yGHXkYLYqxijLKKfd9Q2CB9shRVu8rPNBS53wvwGTutYg4zTg"},
	{aliceSr25519, 1000, "vji5kpxBaPKwct6PAdHiJUPCU1hqBEAPaLMF59sXAjn4NeEaJ"},
	{aliceSr25519, 16383, "yNa8JpqfFB3q8A29rCwSgxvdU94ufJw2yKKxDgznS5m1PoFvn"},
	{strings.Repeat("00", 32), 0, "111111111111111111111111111111111HC1"},
	{strings.Repeat("00", 32), 42, "5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM"},
	{strings.Repeat("00", 32), 64, "cEVaCm5a61UpVfABWNjfSNHbhAPf92NWiACfxy89Fd2hGkJAc"},
	{strings.Repeat("00", 32), 16383, "yNVL4kwAwEH34hPtM6SnH1ZHtDLi8PDC1sBXDLKBhjPiYiEY9"},
	{strings.Repeat("ff", 32), 0, "16nfFzYQPHsjA4QTuXt2NuGReV9J4BdXBwZ8cgeJTrbVH61f"},
	{strings.Repeat("ff", 32), 42, "5HrN7fHLXWcFiXPwwtq2EkSGns9eMt5P7SpeTPewumZy6ftb"},
	{strings.Repeat("ff", 32), 1000, "vjj5B23Efpr2HaXX8RKvutv8JjTmwMdB959NCQsZjrGN1q2x6"},
	{strings.Repeat("ff", 32), 16383, "yNb7j1viLcZunrTHozyfJPTZJrprRSPpY485Lwzq1CFK2z3Nk"},
	{"8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48", 42, "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}, // substrate dev Bob
	{"8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48", 255, "yGFxbGGNhpzjSAKB7iU4FRoxjKetFPqxqwEucsa8nqudSJANV"},
}

func TestSS58Vectors(t *testing.T) {
	for _, v := range ss58Vectors {
		key := mustHex(t, v.key)
		if got := EncodeSS58(key, v.prefix); got != v.addr {
			t.Errorf("EncodeSS58(%s, %d) = %s, want %s", v.key[:8], v.prefix, got, v.addr)
		}
		pub, prefix, err := DecodeSS58(v.addr)
		if err != nil || prefix != v.prefix || !bytes.Equal(pub, key) {
			t.Errorf("DecodeSS58(%s) = %x, %d, %v; want %s, %d", v.addr, pub, prefix, err, v.key, v.prefix)
		}
		_, err = ParseAddress(v.addr)
		if (err == nil) != (v.prefix == Prefix) {
			t.Errorf("ParseAddress(%s) (prefix %d) error = %v", v.addr, v.prefix, err)
		}
	}
}

// encodeRaw base58-encodes prefix bytes || key || checksum as given, to build addresses that
// EncodeSS58 would never write.
func encodeRaw(pre, key []byte) string {
	body := append(append([]byte(nil), pre...), key...)
	sum := ss58Sum(body)
	return base58Encode(append(body, sum[:2]...))
}

func TestDecodeSS58Errors(t *testing.T) {
	key := mustHex(t, aliceSr25519)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty address"},
		{"brief's typo: lower-case x", "5GrwvaEF5zxb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "bad checksum"},
		{"last character changed", aliceAddr42[:len(aliceAddr42)-1] + "Z", "bad checksum"},
		{"two characters swapped", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKuQtY", "bad checksum"},
		{"zero digit", aliceAddr42[:47] + "0", `bad base58 character '0' at position 48 of 48`},
		{"capital O", "O" + aliceAddr42[1:], `bad base58 character 'O' at position 1 of 48`},
		{"lower-case l", aliceAddr42[:10] + "l" + aliceAddr42[11:], `'l' at position 11 of 48`},
		{"space", " " + aliceAddr42, `' ' at position 1 of 49`},
		{"non-ASCII", "5Grwvä" + aliceAddr42[6:], `'ä' at position 6 of 48`},
		{"truncated", aliceAddr42[:20], "20 characters that decode to 15 bytes, want 35 or 36 bytes"},
		{"one character dropped", aliceAddr42[:47], "47 characters that decode to 34 bytes, want 35 or 36 bytes"},
		{"character added", aliceAddr42 + "2", "decodes to 36 bytes, want 35 for network prefix 9"},
		{"too long", strings.Repeat("1", 500), "500 characters long"},
		{"reserved first byte", encodeRaw([]byte{0x80, 0}, key), "first byte 0x80 is not an SS58 network prefix"},
		{"two-byte form of prefix 42", encodeRaw(prefixTwoByteForm(42), key), "network prefix 42 written in the two-byte form"},
		{"33-byte key", encodeRaw([]byte{42}, append(key, 1)), "decodes to 36 bytes, want 35 for network prefix 42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, _, err := DecodeSS58(tt.in)
			if err == nil {
				t.Fatalf("DecodeSS58(%q) = %x, want an error containing %q", tt.in, pub, tt.want)
			}
			if !errors.Is(err, ErrBadAddress) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DecodeSS58(%q) error = %q, want ErrBadAddress and %q", tt.in, err, tt.want)
			}
			if _, err := ParseAddress(tt.in); !errors.Is(err, ErrBadAddress) {
				t.Fatalf("ParseAddress(%q) error = %v, want ErrBadAddress", tt.in, err)
			}
		})
	}
}

// prefixTwoByteForm writes any prefix in the two-byte form, canonical or not.
func prefixTwoByteForm(p uint16) []byte {
	return []byte{byte((p&0xFC)>>2) | 0x40, byte(p>>8) | byte(p&3)<<6}
}

func TestParseAddressWrongNetwork(t *testing.T) {
	_, err := ParseAddress("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5")
	want := "wrong network prefix 0, want 42 (the same key at prefix 42 is " + aliceAddr42 + ")"
	if !errors.Is(err, ErrBadAddress) || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want ErrBadAddress and %q", err, want)
	}
	pub, err := ParseAddress(aliceAddr42)
	if err != nil || hex.EncodeToString(pub) != aliceSr25519 {
		t.Fatalf("ParseAddress(alice) = %x, %v", pub, err)
	}
}

func TestErrorQuotesLongInputShort(t *testing.T) {
	_, _, err := DecodeSS58(strings.Repeat("é", 300))
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error for a long input is %d bytes: %v", len(err.Error()), err)
	}
}

func TestEncodeSS58Panics(t *testing.T) {
	for name, f := range map[string]func(){
		"short key":  func() { EncodeSS58(make([]byte, 31), 42) },
		"big prefix": func() { EncodeSS58(make([]byte, 32), MaxPrefix+1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestBase58(t *testing.T) {
	// Bitcoin's base58 vectors (bitcoin/src/test/data/base58_encode_decode.json).
	for _, v := range []struct{ hex, b58 string }{
		{"", ""},
		{"61", "2g"},
		{"626262", "a3gV"},
		{"636363", "aPEr"},
		{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
		{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
		{"516b6fcd0f", "ABnLTmg"},
		{"bf4f89001e670274dd", "3SEo3LWLoPntC"},
		{"572e4794", "3EFU7m"},
		{"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
		{"10c8511e", "Rt5zm"},
		{"00000000000000000000", "1111111111"},
	} {
		b := mustHex(t, v.hex)
		if got := base58Encode(b); got != v.b58 {
			t.Errorf("base58Encode(%s) = %q, want %q", v.hex, got, v.b58)
		}
		if got, err := base58Decode(v.b58); err != nil || !bytes.Equal(got, b) {
			t.Errorf("base58Decode(%q) = %x, %v; want %s", v.b58, got, err, v.hex)
		}
	}
}

func TestSS58RoundTripAllPrefixForms(t *testing.T) {
	key := DevKey("alice").Public()
	for _, p := range []uint16{0, 1, 41, 42, 43, 63, 64, 65, 127, 128, 255, 256, 4095, 8191, 16382, 16383} {
		s := EncodeSS58(key, p)
		pub, prefix, err := DecodeSS58(s)
		if err != nil || prefix != p || !bytes.Equal(pub, key) {
			t.Errorf("prefix %d: %s decodes to %x, %d, %v", p, s, pub, prefix, err)
		}
	}
}

func BenchmarkParseAddress(b *testing.B) {
	for b.Loop() {
		if _, err := ParseAddress(aliceAddr42); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeSS58 checks that decoding never panics, that every accepted string is the
// canonical encoding of what it decodes to (one spelling per key and prefix), and that any key
// and prefix round-trip.
func FuzzDecodeSS58(f *testing.F) {
	for _, v := range ss58Vectors {
		f.Add(v.addr, mustHex(f, v.key), v.prefix)
	}
	f.Add("", []byte{}, uint16(0))
	f.Add("5GrwvaEF5zxb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", []byte("short"), uint16(65535))
	f.Fuzz(func(t *testing.T, s string, key []byte, prefix uint16) {
		if pub, p, err := DecodeSS58(s); err == nil {
			if len(pub) != ed25519.PublicKeySize {
				t.Fatalf("DecodeSS58(%q) gave a %d-byte key", s, len(pub))
			}
			if again := EncodeSS58(pub, p); again != s {
				t.Fatalf("DecodeSS58(%q) = %x, %d, which encodes to %q", s, pub, p, again)
			}
		} else if !errors.Is(err, ErrBadAddress) {
			t.Fatalf("DecodeSS58(%q) error %v does not wrap ErrBadAddress", s, err)
		}
		if len(key) < ed25519.PublicKeySize {
			return
		}
		key = key[:ed25519.PublicKeySize]
		prefix %= MaxPrefix + 1
		enc := EncodeSS58(key, prefix)
		pub, p, err := DecodeSS58(enc)
		if err != nil || p != prefix || !bytes.Equal(pub, key) {
			t.Fatalf("EncodeSS58(%x, %d) = %q decodes to %x, %d, %v", key, prefix, enc, pub, p, err)
		}
	})
}
