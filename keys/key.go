// Package keys is dtaod's account cryptography: ed25519 keys shown as SS58 addresses (network
// prefix 42, as Bittensor wallets show them), the canonical bytes a signed order's signature
// covers, signature verification for the API, and the CLI's local keystore file.
//
// It is pure apart from the keystore's file I/O: no clock, no network, no goroutines.
// Key generation reads crypto/rand.
package keys

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
)

// SeedSize is the length of a key's secret seed: an ed25519 private key is derived from it, so
// the seed is all a keystore has to keep.
const SeedSize = ed25519.SeedSize

// Key is an account's ed25519 key pair. Its zero value is not usable: make one with Generate,
// FromSeed or DevKey. A Key never changes after it is made, so it is safe for concurrent use;
// every fmt verb prints its address only, never the secret, so logging a Key
// by mistake leaks nothing.
type Key struct {
	priv ed25519.PrivateKey
	addr string
}

// Generate makes a new random key from crypto/rand: the way a user gets an account that nobody
// else can sign for.
func Generate() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("keys: generate: %w", err)
	}
	return newKey(priv), nil
}

// FromSeed remakes the key of a 32-byte seed (RFC 8032's private key), which is how the
// keystore stores keys and how a key is imported from elsewhere. The seed is copied.
func FromSeed(seed []byte) (*Key, error) {
	if len(seed) != SeedSize {
		return nil, fmt.Errorf("keys: seed is %d bytes, want %d", len(seed), SeedSize)
	}
	return newKey(ed25519.NewKeyFromSeed(seed)), nil
}

// DevKey is the fixed key of a named dev account (alice, bob, ... in the dev genesis), from
// seed = SHA-256("dtaod-dev:" + name), so the dev chain, tests and the CLI agree on the dev
// accounts' addresses without sharing a file, and any dev account can sign orders.
//
// It is insecure by design: anyone who knows the name knows the key. Never hold anything of
// value with a dev key, and never let a production genesis fund one.
func DevKey(name string) *Key {
	seed := sha256.Sum256([]byte("dtaod-dev:" + name))
	return newKey(ed25519.NewKeyFromSeed(seed[:]))
}

func newKey(priv ed25519.PrivateKey) *Key {
	return &Key{priv: priv, addr: EncodeSS58(priv.Public().(ed25519.PublicKey), Prefix)}
}

// Address is the key's dtaod address (SS58, prefix 42): the account name users see, put in
// orders and in a signed order's signer field.
func (k *Key) Address() string { return k.addr }

// Public is the key's public key, a fresh copy the caller may keep or change.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Sign signs msg as it is (pure Ed25519, deterministic). To sign an order use SignOrder, which
// signs SigningBytes: a signature over raw bytes is not an order signature and Verify refuses
// it.
func (k *Key) Sign(msg []byte) []byte { return ed25519.Sign(k.priv, msg) }

// SignOrder signs an order call for the chain with this key as the signer and the given nonce:
// the signature POST /v1/orders wants with {signer: k.Address(), nonce, call}, and which Verify
// accepts. It is Sign(SigningBytes(chainID, k.Address(), nonce, call)), so a client need not
// assemble the payload itself.
func (k *Key) SignOrder(chainID string, nonce uint64, call []byte) []byte {
	return k.Sign(SigningBytes(chainID, k.addr, nonce, call))
}

// Seed returns a copy of the key's secret seed (FromSeed remakes the key from it): the keystore
// stores it, and `dtaod keys show --secret` shows it so a user can back a key up or move it to
// another wallet. Whoever holds it controls the account; clear the copy when done.
func (k *Key) Seed() []byte { return append([]byte(nil), k.priv.Seed()...) }

// String shows the key as its address, so a Key in a log line or error shows whose it is and
// nothing secret. It and Format take a value receiver so a dereferenced Key prints safely too.
func (k Key) String() string { return "keys.Key(" + k.addr + ")" }

// Format makes every fmt verb (%v, %#v, %x, ...) print String, so no verb can print the private
// key bytes.
func (k Key) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(k.String())) }
