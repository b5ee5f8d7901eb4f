package api

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/dtaod/dtaod/keys"
)

// TestHostileClients: requests a hostile or broken client sends, each refused with the right
// status and code, and afterwards nothing changed: the mempool is empty, the signer's nonce and
// balance are as before, the blocks made meanwhile carry no order, and the next valid order
// takes the very next seq. On both backends; every response is validated against the contract.
func TestHostileClients(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{})
		alice, bob, charlie := keys.DevKey("alice"), keys.DevKey("bob"), keys.DevKey("charlie")
		a := alice.Address()
		stake := func(coldkey, hotkey string, netuid int, amount string) string {
			return fmt.Sprintf(`{"type":"add_stake","coldkey":%q,"hotkey":%q,"netuid":%d,"amount":%s}`, coldkey, hotkey, netuid, amount)
		}
		good := stake(a, "val1-hk", 1, `"1000000000"`)

		// alice's nonce 0 is used, so 1 is her next.
		code, _, m, body := post(t, e.srv.URL+"/v1/orders?wait=20", signed(t, alice, 0, good))
		if code != 200 {
			t.Fatalf("the baseline order: %d %s", code, body)
		}
		seq0 := m["seq"].(float64)
		sigOf := func(k *keys.Key, chain string, nonce uint64, call string) string {
			return hex.EncodeToString(k.SignOrder(chain, nonce, canonical(t, call)))
		}
		flipped := func() string {
			s := alice.SignOrder(testChain, 1, canonical(t, good))
			s[0] ^= 0x01
			return hex.EncodeToString(s)
		}
		// as signs call with alice as the signer field but another key, chain or nonce.
		as := func(call, sig string) string { return envelope(a, "1", call, sig) }
		batchOf := func(n int, order string) string {
			return `{"orders":[` + strings.TrimSuffix(strings.Repeat(order+",", n), ",") + `]}`
		}
		aliceHK := keys.DevKey("alice-hk")
		weights := `{"type":"set_weights","hotkey":"val1-hk","netuid":1,"weights":{"4":65535}}`
		cases := []struct {
			name, path, body string
			headers          []string
			status           int
			code, field      string
		}{
			// Forged and misdirected signatures.
			{"flipped bit", "", as(good, flipped()), nil, 401, "BAD_SIGNATURE", ""},
			{"signature by another key", "", as(good, sigOf(bob, testChain, 1, good)), nil, 401, "BAD_SIGNATURE", ""},
			{"wrong chain id", "", as(good, sigOf(alice, "mainnet", 1, good)), nil, 401, "BAD_SIGNATURE", ""},
			{"signature for another nonce", "", as(good, sigOf(alice, testChain, 2, good)), nil, 401, "BAD_SIGNATURE", ""},
			{"signature over non-canonical bytes", "", as(`{"type":"add_stake", "coldkey":"`+a+`","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`,
				hex.EncodeToString(alice.SignOrder(testChain, 1, []byte(`{"type":"add_stake", "coldkey":"`+a+`","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`)))),
				nil, 401, "BAD_SIGNATURE", ""},
			{"signature too short", "", as(good, sigOf(alice, testChain, 1, good)[:126]), nil, 422, "VALIDATION_FAILED", "signature"},
			{"signature not hex", "", as(good, "zz"+sigOf(alice, testChain, 1, good)[2:]), nil, 422, "VALIDATION_FAILED", "signature"},
			{"signature a number", "", `{"signer":"` + a + `","nonce":1,"call":` + good + `,"signature":12}`, nil, 422, "VALIDATION_FAILED", "signature"},
			{"signer not an address", "", envelope("alice", "1", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "signer"},
			{"signer with a bad checksum", "", envelope(a[:47]+"L", "1", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "signer"},

			// Nonces.
			{"replayed nonce", "", signed(t, alice, 0, good), nil, 409, "BAD_NONCE", ""},
			{"skipped nonce", "", signed(t, alice, 2, good), nil, 409, "BAD_NONCE", ""},
			{"reordered: nonce 1 before 0", "", signed(t, charlie, 1, stake(charlie.Address(), "val1-hk", 1, `"1000000000"`)), nil, 409, "BAD_NONCE", ""},
			{"nonce negative", "", envelope(a, "-1", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},
			{"nonce a float", "", envelope(a, "1.0", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},
			{"nonce with an exponent", "", envelope(a, "1e0", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},
			{"nonce huge", "", envelope(a, "9223372036854775807", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},
			{"nonce past 64 bits", "", envelope(a, "18446744073709551616", good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},
			{"nonce a string", "", envelope(a, `"1"`, good, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "nonce"},

			// Acting for someone else.
			{"someone else's coldkey", "", signed(t, bob, 0, good), nil, 401, "BAD_SIGNATURE", ""},
			{"a hotkey signing a stake", "", signed(t, aliceHK, 0, stake(a, aliceHK.Address(), 1, `"1000000000"`)), nil, 401, "BAD_SIGNATURE", ""},
			{"set_weights signed by a coldkey", "", signed(t, alice, 1, weights), nil, 401, "BAD_SIGNATURE", ""},

			// Bodies.
			{"oversized body", "", `{"signer":"` + strings.Repeat("a", 70<<10) + `"}`, nil, 413, "BODY_TOO_LARGE", ""},
			{"oversized batch", "/v1/orders/batch", `{"orders":["` + strings.Repeat("a", 1<<20) + `"]}`, nil, 413, "BODY_TOO_LARGE", ""},
			{"malformed JSON", "", `{"signer":`, nil, 400, "VALIDATION_FAILED", ""},
			{"trailing garbage", "", signed(t, alice, 1, good) + `x`, nil, 400, "VALIDATION_FAILED", ""},
			{"two objects", "", signed(t, alice, 1, good) + signed(t, alice, 1, good), nil, 400, "VALIDATION_FAILED", ""},
			{"not an object", "", `[1]`, nil, 422, "VALIDATION_FAILED", "body"},
			{"empty object", "", `{}`, nil, 422, "VALIDATION_FAILED", "signer"},
			{"unknown top-level field", "", strings.TrimSuffix(signed(t, alice, 1, good), "}") + `,"fee":"1"}`, nil, 422, "VALIDATION_FAILED", "fee"},
			{"unknown call field", "", as(strings.TrimSuffix(good, "}")+`,"tip":1}`, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "call.tip"},
			{"call not an object", "", envelope(a, "1", `"add_stake"`, sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "call"},

			// Amounts and values in the call.
			{"negative amount", "", as(stake(a, "val1-hk", 1, `"-1"`), sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "call.amount"},
			{"amount a number", "", signed(t, alice, 1, stake(a, "val1-hk", 1, `1000000000`)), nil, 422, "VALIDATION_FAILED", "call.amount"},
			{"amount with decimals", "", as(stake(a, "val1-hk", 1, `"1.5"`), sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "call.amount"},
			{"amount 2^64", "", as(stake(a, "val1-hk", 1, `"18446744073709551616"`), sigOf(alice, testChain, 1, good)), nil, 422, "VALIDATION_FAILED", "call.amount"},
			{"netuid a string", "", signed(t, alice, 1, strings.Replace(good, `"netuid":1`, `"netuid":"1"`, 1)), nil, 422, "VALIDATION_FAILED", "call.netuid"},
			{"limit_price a number", "", signed(t, alice, 1, strings.TrimSuffix(good, "}")+`,"limit_price":0.6}`), nil, 422, "VALIDATION_FAILED", "call.limit_price"},
			{"hotkey with spaces", "", signed(t, alice, 1, stake(a, "val1 hk", 1, `"1000000000"`)), nil, 422, "VALIDATION_FAILED", "call.hotkey"},
			{"transfer to a name", "", signed(t, alice, 1, `{"type":"transfer","coldkey":"`+a+`","to_coldkey":"bob","amount":"1"}`), nil, 422, "VALIDATION_FAILED", "call.to_coldkey"},
			{"unknown subnet", "", signed(t, alice, 1, stake(a, "val1-hk", 99, `"1000000000"`)), nil, 422, "SUBNET_NOT_FOUND", "call.netuid"},
			{"unknown destination subnet", "", signed(t, alice, 1, `{"type":"swap_stake","coldkey":"`+a+`","hotkey":"val1-hk","from_netuid":1,"to_netuid":77,"amount":"1"}`), nil, 422, "SUBNET_NOT_FOUND", "call.to_netuid"},
			{"faucet call", "", signed(t, alice, 1, `{"type":"faucet","coldkey":"`+a+`","amount":"1000000000000"}`), nil, 422, "VALIDATION_FAILED", "call.type"},

			// Parameters.
			{"wait too long", "/v1/orders?wait=61", signed(t, alice, 1, good), nil, 422, "VALIDATION_FAILED", "wait"},
			{"wait a decimal", "/v1/orders?wait=1.5", signed(t, alice, 1, good), nil, 422, "VALIDATION_FAILED", "wait"},
			{"idempotency key with a space", "", signed(t, alice, 1, good), []string{"Idempotency-Key: a b"}, 422, "VALIDATION_FAILED", "Idempotency-Key"},
			{"idempotency key too long", "", signed(t, alice, 1, good), []string{"Idempotency-Key: " + strings.Repeat("k", 256)}, 422, "VALIDATION_FAILED", "Idempotency-Key"},

			// Batches.
			{"empty batch", "/v1/orders/batch", `{"orders":[]}`, nil, 422, "VALIDATION_FAILED", "orders"},
			{"1001-order batch", "/v1/orders/batch", batchOf(1001, `{}`), nil, 422, "VALIDATION_FAILED", "orders"},
			{"batch without orders", "/v1/orders/batch", `{}`, nil, 422, "VALIDATION_FAILED", "orders"},
			{"batch orders not a list", "/v1/orders/batch", `{"orders":{}}`, nil, 422, "VALIDATION_FAILED", "orders"},
			{"batch unknown field", "/v1/orders/batch", `{"orders":[],"x":1}`, nil, 422, "VALIDATION_FAILED", "x"},
			{"batch malformed", "/v1/orders/batch", `{"orders":[`, nil, 400, "VALIDATION_FAILED", ""},
			{"batch with one malformed order", "/v1/orders/batch", `{"orders":[` + signed(t, alice, 1, good) + `,` +
				signed(t, alice, 2, stake(a, "val1-hk", 1, `1`)) + `]}`, nil, 422, "VALIDATION_FAILED", "orders[1].call.amount"},
			{"batch with an idempotency key", "/v1/orders/batch", batchOf(1, signed(t, alice, 1, good)), []string{"Idempotency-Key: k"}, 422, "VALIDATION_FAILED", "Idempotency-Key"},
		}
		ctx := context.Background()
		nonce0, free0 := e.accountOf(t, a)
		h0 := e.n.View().Header.Height
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				path := c.path
				if path == "" {
					path = "/v1/orders"
				}
				code, _, m, body := post(t, e.srv.URL+path, c.body, c.headers...)
				if code != c.status || m["code"] != c.code {
					t.Fatalf("%d %s; want %d %s", code, body, c.status, c.code)
				}
				if c.field != "" && !namesField(m, c.field) {
					t.Fatalf("the problem does not name %s: %s", c.field, body)
				}
				if d, err := e.st.PendingCount(ctx); err != nil || d != 0 {
					t.Fatalf("the mempool holds %d orders (%v)", d, err)
				}
				if n, free := e.accountOf(t, a); n != nonce0 || free != free0 {
					t.Fatalf("alice's nonce %v and free %s changed (were %v, %s)", n, free, nonce0, free0)
				}
			})
		}
		// Blocks went on meanwhile (emission) without a single order.
		h := e.n.View().Header.Height
		waitUntil(t, "two more blocks", func() bool { return e.n.View().Header.Height >= h+2 })
		for b := h0 + 1; b <= e.n.View().Header.Height; b++ {
			if m := e.get(t, fmt.Sprintf("/v1/blocks/%d", b), 200); m["orders"] != 0.0 {
				t.Fatalf("block %d included %v orders during the hostile requests", b, m["orders"])
			}
		}
		if n, free := e.accountOf(t, a); n != nonce0 || free != free0 {
			t.Fatalf("alice's nonce %v and free %s changed (were %v, %s)", n, free, nonce0, free0)
		}
		for _, k := range []*keys.Key{bob, charlie, aliceHK} {
			if n, _ := e.accountOf(t, k.Address()); n != 0 {
				t.Fatalf("%s's nonce moved to %v", k.Address(), n)
			}
		}
		code, _, m, body = post(t, e.srv.URL+"/v1/orders", signed(t, alice, 1, good))
		if code != 202 || m["seq"] != seq0+1 {
			t.Fatalf("the next valid order: %d %s; want seq %v (a refused order took a seq?)", code, body, seq0+1)
		}
	})
}
