package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/scenario"
	"go.yaml.in/yaml/v3"
)

// testChain is the chain id start gives its genesis: what test signatures cover.
const testChain = "test"

// canonical is a call's canonical bytes (what a client signs).
func canonical(t testing.TB, call string) []byte {
	t.Helper()
	o, err := scenario.ParseOrder([]byte(call))
	if err != nil {
		t.Fatalf("test call %s: %v", call, err)
	}
	return scenario.FormatOrder(&o)
}

// envelope writes a signed order body from its parts, each given as raw JSON but the signer.
func envelope(signer, nonce, call, sig string) string {
	return fmt.Sprintf(`{"signer":%q,"nonce":%s,"call":%s,"signature":%q}`, signer, nonce, call, sig)
}

// signed is k's signed order of call (signed in its canonical form, sent as given).
func signed(t testing.TB, k *keys.Key, nonce uint64, call string) string {
	t.Helper()
	sig := k.SignOrder(testChain, nonce, canonical(t, call))
	return envelope(k.Address(), fmt.Sprint(nonce), call, hex.EncodeToString(sig))
}

// post sends a body with optional headers ("Name: value").
func post(t testing.TB, url, body string, headers ...string) (int, http.Header, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, resp.Header, m, string(raw)
}

// accountOf reads an account's nonce and free balance.
func (e *env) accountOf(t *testing.T, addr string) (nonce float64, free string) {
	t.Helper()
	m := e.get(t, "/v1/accounts/"+addr, 200)
	return m["nonce"].(float64), amount(t, m["free"])
}

// included waits for order seq's block and returns the order.
func (e *env) included(t *testing.T, seq float64) map[string]any {
	t.Helper()
	var m map[string]any
	waitUntil(t, fmt.Sprintf("order %v included", seq), func() bool {
		m = e.get(t, fmt.Sprintf("/v1/orders/%v", seq), 200)
		return m["status"] == "included"
	})
	return m
}

// weightsGenesis is the dev genesis with validator val1's hotkey a real key (so it can sign
// set_weights) and no weights rate limit.
func weightsGenesis() []byte {
	doc := strings.ReplaceAll(string(node.DevGenesis()), "val1-hk", keys.DevKey("val1-hk").Address())
	return []byte(strings.Replace(doc, "  default_tempo: 20\n", "  default_tempo: 20\n  weights_rate_limit: 0\n", 1))
}

// TestSignedOrders: one order of every call type, signed by its owner and sent with ?wait: each
// is accepted, included, and its receipt is what the call should do. On both backends.
func TestSignedOrders(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{genesis: weightsGenesis()})
		alice, bob, val1 := keys.DevKey("alice"), keys.DevKey("bob"), keys.DevKey("val1-hk")
		a, b, v1 := alice.Address(), bob.Address(), val1.Address()
		aliceHK := keys.DevKey("alice-hk").Address()
		cases := []struct {
			key   *keys.Key
			call  string
			check func(t *testing.T, rc map[string]any)
		}{
			{alice, `{"type":"add_stake","coldkey":"` + a + `","hotkey":"` + v1 + `","netuid":1,"amount":"10000000000","limit_price":"0.6","allow_partial":true}`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["tao"]) != "10000000000" || amount(t, rc["alpha"]) == "0" || rc["alpha"].(map[string]any)["unit"] != "alpha:1" {
						t.Fatalf("add_stake receipt %v", rc)
					}
				}},
			// Sent in another spelling (spaces, field order) than the canonical one it is signed in.
			{alice, `{ "amount": "1000000000", "netuid": 1, "hotkey": "` + v1 + `", "coldkey": "` + a + `", "type": "remove_stake", "limit_price": "0.1", "allow_partial": true }`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["alpha"]) != "1000000000" || amount(t, rc["tao"]) == "0" {
						t.Fatalf("remove_stake receipt %v", rc)
					}
				}},
			{alice, `{"type":"move_stake","coldkey":"` + a + `","from_hotkey":"` + v1 + `","to_hotkey":"val2-hk","from_netuid":1,"to_netuid":2,"amount":"1000000000","limit_price":"0.000001","allow_partial":true}`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["alpha"]) == "0" || rc["alpha"].(map[string]any)["unit"] != "alpha:2" {
						t.Fatalf("move_stake receipt %v", rc)
					}
				}},
			{alice, `{"type":"transfer_stake","coldkey":"` + a + `","to_coldkey":"` + b + `","hotkey":"` + v1 + `","from_netuid":1,"to_netuid":1,"amount":"1000000000"}`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["alpha"]) == "0" || rc["alpha"].(map[string]any)["unit"] != "alpha:1" {
						t.Fatalf("transfer_stake receipt %v", rc)
					}
				}},
			{alice, `{"type":"swap_stake","coldkey":"` + a + `","hotkey":"` + v1 + `","from_netuid":1,"to_netuid":3,"amount":"1000000000","limit_price":"0.0001","allow_partial":false}`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["alpha"]) == "0" || rc["alpha"].(map[string]any)["unit"] != "alpha:3" {
						t.Fatalf("swap_stake receipt %v", rc)
					}
				}},
			{alice, `{"type":"transfer","coldkey":"` + a + `","to_coldkey":"` + b + `","amount":"5000000000"}`,
				func(t *testing.T, rc map[string]any) {
					if amount(t, rc["tao"]) != "5000000000" {
						t.Fatalf("transfer receipt %v", rc)
					}
				}},
			{alice, `{"type":"register_neuron","coldkey":"` + a + `","hotkey":"` + aliceHK + `","netuid":1}`,
				func(t *testing.T, rc map[string]any) {
					if rc["netuid"] != 1.0 || rc["uid"].(float64) < 1 {
						t.Fatalf("register_neuron receipt %v", rc)
					}
				}},
			{val1, `{"type":"set_weights","hotkey":"` + v1 + `","netuid":1,"weights":{"7":100,"4":65535}}`, nil},
			{alice, `{"type":"register_subnet","coldkey":"` + a + `","hotkey":"alice-owner-hk"}`,
				func(t *testing.T, rc map[string]any) {
					if rc["netuid"] != 9.0 {
						t.Fatalf("register_subnet receipt %v", rc)
					}
				}},
		}
		nonces := map[*keys.Key]uint64{}
		for _, c := range cases {
			typ := canonical(t, c.call)
			name := strings.Split(string(typ), `"`)[3]
			t.Run(name, func(t *testing.T) {
				nonce := nonces[c.key]
				code, h, m, body := post(t, e.srv.URL+"/v1/orders?wait=20", signed(t, c.key, nonce, c.call))
				if code != 200 || m["status"] != "included" {
					t.Fatalf("%d %s", code, body)
				}
				nonces[c.key]++
				if h.Get("Location") != fmt.Sprintf("/v1/orders/%v", m["seq"]) || m["signer"] != c.key.Address() ||
					m["nonce"] != float64(nonce) {
					t.Fatalf("Location %q, order %v", h.Get("Location"), m)
				}
				var raw struct{ Call json.RawMessage }
				if err := json.Unmarshal([]byte(body), &raw); err != nil || string(raw.Call) != string(typ) {
					t.Fatalf("stored call %s, want the canonical %s", raw.Call, typ)
				}
				rc := m["receipt"].(map[string]any)
				if rc["ok"] != true {
					t.Fatalf("receipt %v", rc)
				}
				if c.check != nil {
					c.check(t, rc)
				}
				// The order reads the same through GET.
				if g := e.get(t, h.Get("Location"), 200); g["seq"] != m["seq"] || g["status"] != "included" || g["index"] != m["index"] {
					t.Fatalf("GET %s: %v", h.Get("Location"), g)
				}
			})
		}
		if n, _ := e.accountOf(t, a); n != float64(nonces[alice]) {
			t.Fatalf("alice's nonce %v, want %d", n, nonces[alice])
		}
	})
}

// TestSignedWaitTimeout: with no block coming, ?wait answers 202 pending at its timeout; wait=0
// answers at once; a client that goes away ends the wait.
func TestSignedWaitTimeout(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blockTime: time.Hour})
		alice := keys.DevKey("alice")
		call := `{"type":"add_stake","coldkey":"` + alice.Address() + `","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`
		t0 := time.Now()
		code, h, m, body := post(t, e.srv.URL+"/v1/orders?wait=1", signed(t, alice, 0, call))
		if code != 202 || m["status"] != "pending" || h.Get("Location") != fmt.Sprintf("/v1/orders/%v", m["seq"]) {
			t.Fatalf("%d %s", code, body)
		}
		if d := time.Since(t0); d < time.Second || d > 5*time.Second {
			t.Fatalf("?wait=1 answered after %v", d)
		}
		if code, _, m, body = post(t, e.srv.URL+"/v1/orders?wait=0", signed(t, alice, 1, call)); code != 202 || m["seq"] == nil {
			t.Fatalf("wait=0: %d %s", code, body)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/v1/orders?wait=60", strings.NewReader(signed(t, alice, 2, call)))
		t0 = time.Now()
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("the request outlived its context")
		}
		waitUntil(t, "the third order", func() bool { n, _ := e.accountOf(t, alice.Address()); return n == 3 })
		if d := time.Since(t0); d > 5*time.Second {
			t.Fatalf("a disconnected ?wait took %v", d)
		}
	})
}

// TestSignedIdempotency: a retry with the same key and request gets the first answer (also in
// another spelling, and with ?wait its receipt); the key with another request is 409; keys are
// scoped to the signer.
func TestSignedIdempotency(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blockTime: 300 * time.Millisecond})
		alice, bob := keys.DevKey("alice"), keys.DevKey("bob")
		call := `{"type":"transfer","coldkey":"` + alice.Address() + `","to_coldkey":"` + bob.Address() + `","amount":"1000000000"}`
		first := signed(t, alice, 0, call)
		const key = "Idempotency-Key: retry-1"
		code, _, m, body := post(t, e.srv.URL+"/v1/orders", first, key)
		if code != 202 {
			t.Fatalf("first: %d %s", code, body)
		}
		seq := m["seq"]
		respelled := strings.ReplaceAll(strings.ReplaceAll(first, ",", ", "), ":", ": ")
		for i, b := range []string{first, respelled} {
			if code, h, m, body := post(t, e.srv.URL+"/v1/orders", b, key); code != 202 || m["seq"] != seq ||
				h.Get("Location") != fmt.Sprintf("/v1/orders/%v", seq) {
				t.Fatalf("retry %d: %d %s, want seq %v", i, code, body, seq)
			}
		}
		if code, _, m, body := post(t, e.srv.URL+"/v1/orders", first); code != 409 || m["code"] != "BAD_NONCE" {
			t.Fatalf("a retry without the key: %d %s", code, body)
		}
		other := signed(t, alice, 0, strings.Replace(call, "1000000000", "2000000000", 1))
		if code, _, m, body := post(t, e.srv.URL+"/v1/orders", other, key); code != 409 || m["code"] != "VALIDATION_FAILED" {
			t.Fatalf("the key with another request: %d %s", code, body)
		}
		if code, _, m, body := post(t, e.srv.URL+"/v1/orders?wait=20", first, key); code != 200 || m["seq"] != seq ||
			m["status"] != "included" || m["receipt"] == nil {
			t.Fatalf("a retry with ?wait: %d %s", code, body)
		}
		bobCall := `{"type":"transfer","coldkey":"` + bob.Address() + `","to_coldkey":"` + alice.Address() + `","amount":"1000000000"}`
		if code, _, m, body := post(t, e.srv.URL+"/v1/orders", signed(t, bob, 0, bobCall), key); code != 202 || m["seq"] == seq {
			t.Fatalf("bob with alice's key: %d %s", code, body)
		}
		if n, _ := e.accountOf(t, alice.Address()); n != 1 {
			t.Fatalf("alice's nonce %v after one order and its retries", n)
		}
	})
}

// TestSignedBatch: a batch carrying one signer's consecutive nonces, a reordered nonce, a
// forged signature and an unknown subnet: one result per order, the good ones admitted in one
// write and included, the others refused with the problem POST /v1/orders gives.
func TestSignedBatch(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{})
		alice, bob := keys.DevKey("alice"), keys.DevKey("bob")
		stake := func(k *keys.Key, netuid int, amt string) string {
			return fmt.Sprintf(`{"type":"add_stake","coldkey":%q,"hotkey":"val1-hk","netuid":%d,"amount":%q}`, k.Address(), netuid, amt)
		}
		sig := bob.SignOrder(testChain, 0, canonical(t, stake(bob, 1, "1000000000")))
		sig[10] ^= 1
		forged := envelope(bob.Address(), "0", stake(bob, 1, "1000000000"), hex.EncodeToString(sig))
		orders := []string{
			signed(t, alice, 0, stake(alice, 1, "1000000000")),
			signed(t, alice, 1, stake(alice, 2, "1000000000")),
			signed(t, alice, 3, stake(alice, 3, "1000000000")), // skips 2: BAD_NONCE (expected 2)
			signed(t, alice, 2, stake(alice, 4, "1000000000")),
			forged, // BAD_SIGNATURE
			signed(t, bob, 0, stake(bob, 99, "1000000000")), // SUBNET_NOT_FOUND
			signed(t, bob, 0, stake(bob, 5, "1000000000")),
			signed(t, alice, 3, stake(alice, 6, "1000000000")),
		}
		want := []string{"pending", "pending", "BAD_NONCE", "pending", "BAD_SIGNATURE", "SUBNET_NOT_FOUND", "pending", "pending"}
		code, h, m, body := post(t, e.srv.URL+"/v1/orders/batch", `{"orders":[`+strings.Join(orders, ",")+`]}`)
		if code != 200 || h.Get("Location") != "" {
			t.Fatalf("%d %s", code, body)
		}
		results := m["results"].([]any)
		if len(results) != len(orders) {
			t.Fatalf("%d results for %d orders", len(results), len(orders))
		}
		var seqs []float64
		for i, r := range results {
			r := r.(map[string]any)
			if r["index"] != float64(i) {
				t.Fatalf("result %d has index %v", i, r["index"])
			}
			if want[i] == "pending" {
				if r["status"] != "pending" || r["seq"] == nil {
					t.Fatalf("order %d: %v", i, r)
				}
				if len(seqs) > 0 && r["seq"].(float64) <= seqs[len(seqs)-1] {
					t.Fatalf("order %d: seq %v after %v: not in list order", i, r["seq"], seqs[len(seqs)-1])
				}
				seqs = append(seqs, r["seq"].(float64))
				continue
			}
			p, _ := r["error"].(map[string]any)
			if r["status"] != "refused" || p["code"] != want[i] {
				t.Fatalf("order %d: %v, want %s", i, r, want[i])
			}
		}
		if d := results[2].(map[string]any)["error"].(map[string]any)["detail"].(string); !strings.Contains(d, "nonce 3 is not the signer's next (2)") {
			t.Fatalf("BAD_NONCE detail %q does not name the expected nonce", d)
		}
		for _, seq := range seqs {
			if rc := e.included(t, seq)["receipt"].(map[string]any); rc["ok"] != true {
				t.Fatalf("order %v: %v", seq, rc)
			}
		}
		if n, _ := e.accountOf(t, alice.Address()); n != 4 {
			t.Fatalf("alice's nonce %v, want 4", n)
		}
		if n, _ := e.accountOf(t, bob.Address()); n != 1 {
			t.Fatalf("bob's nonce %v, want 1", n)
		}
	})
}

// TestSignedPendingSubnet: an order for a subnet that a pending register_subnet creates is
// accepted before that block; one for a subnet nobody registers is not.
func TestSignedPendingSubnet(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blockTime: time.Hour})
		alice := keys.DevKey("alice")
		a := alice.Address()
		reg := `{"type":"register_subnet","coldkey":"` + a + `","hotkey":"alice-owner-hk"}`
		if code, _, _, body := post(t, e.srv.URL+"/v1/orders", signed(t, alice, 0, reg)); code != 202 {
			t.Fatalf("register_subnet: %d %s", code, body)
		}
		stake := `{"type":"add_stake","coldkey":"` + a + `","hotkey":"alice-owner-hk","netuid":%d,"amount":"1000000000"}`
		if code, _, _, body := post(t, e.srv.URL+"/v1/orders", signed(t, alice, 1, fmt.Sprintf(stake, 9))); code != 202 {
			t.Fatalf("stake on the pending subnet 9: %d %s", code, body)
		}
		code, _, m, body := post(t, e.srv.URL+"/v1/orders", signed(t, alice, 2, fmt.Sprintf(stake, 10)))
		if code != 422 || m["code"] != "SUBNET_NOT_FOUND" || !namesField(m, "call.netuid") {
			t.Fatalf("stake on subnet 10: %d %s", code, body)
		}
	})
}

// TestSignedConcurrentClients: many clients posting single orders at once (each its own
// signer, several nonces in a row) are all admitted, each with its own seq.
func TestSignedConcurrentClients(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blockTime: 50 * time.Millisecond})
		const clients, each = 16, 5
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[float64]bool{}
		for c := range clients {
			wg.Go(func() {
				k := keys.DevKey(fmt.Sprintf("client%d", c))
				for n := range each {
					// Unfunded accounts: admitted (signature and nonce are fine), failed in the block.
					call := fmt.Sprintf(`{"type":"transfer","coldkey":%q,"to_coldkey":%q,"amount":"1"}`, k.Address(), keys.DevKey("alice").Address())
					code, _, m, body := post(t, e.srv.URL+"/v1/orders", signed(t, k, uint64(n), call))
					if code != 202 {
						t.Errorf("client %d nonce %d: %d %s", c, n, code, body)
						return
					}
					mu.Lock()
					if seen[m["seq"].(float64)] {
						t.Errorf("seq %v given twice", m["seq"])
					}
					seen[m["seq"].(float64)] = true
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != clients*each {
			t.Fatalf("%d orders admitted, want %d", len(seen), clients*each)
		}
	})
}

// signedBodies makes n orders of n distinct signers (nonce 0 each), so they can be sent in any
// order: transfers of 1 rao from unfunded accounts, admitted and then failed by the block.
func signedBodies(b *testing.B, n int) []string {
	b.Helper()
	to := keys.DevKey("alice").Address()
	out := make([]string, n)
	for i := range out {
		k := keys.DevKey(fmt.Sprintf("bench%d", i))
		out[i] = signed(b, k, 0, fmt.Sprintf(`{"type":"transfer","coldkey":%q,"to_coldkey":%q,"amount":"1"}`, k.Address(), to))
	}
	return out
}

// BenchmarkSignedOrderHandler is POST /v1/orders through the handler alone (no network) on the
// memory store, from parallel callers: parse, canonical encoding, ed25519 verification and the
// group-commit admission. ns/op is CPU per order across all cores.
func BenchmarkSignedOrderHandler(b *testing.B) {
	e := start(b, newMem(), options{blockTime: time.Hour, raw: true})
	h := New(e.n, Config{RateLimit: -1})
	bodies := signedBodies(b, b.N)
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := bodies[next.Add(1)-1]
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("POST", "/v1/orders", strings.NewReader(body)))
			if w.Code != 202 {
				b.Errorf("status %d: %s", w.Code, w.Body)
				return
			}
		}
	})
}

// BenchmarkSignedBatchHandler is POST /v1/orders/batch with 1000 orders through the handler
// alone on the memory store; it reports orders per second.
func BenchmarkSignedBatchHandler(b *testing.B) {
	e := start(b, newMem(), options{blockTime: time.Hour, raw: true})
	h := New(e.n, Config{RateLimit: -1})
	bodies := signedBodies(b, 1000*b.N)
	batches := make([]string, b.N)
	for i := range batches {
		batches[i] = `{"orders":[` + strings.Join(bodies[i*1000:(i+1)*1000], ",") + `]}`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/v1/orders/batch", strings.NewReader(batches[i])))
		if w.Code != 200 || strings.Contains(w.Body.String(), "refused") {
			b.Fatalf("status %d: %.300s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(1000*b.N)/b.Elapsed().Seconds(), "orders/s")
}

// TestSpecSignedExamples: the signed orders the contract shows as examples are well-formed and
// verify (they are signed by keys.DevKey("alice") for the dev chain id, dtaod-dev), so a client
// author can check an implementation of SigningBytes against them.
func TestSpecSignedExamples(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value any `yaml:"value"`
					} `yaml:"examples"`
				} `yaml:"content"`
			} `yaml:"requestBody"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	var orders []any
	for _, path := range []string{"/v1/orders", "/v1/orders/batch"} {
		for _, ex := range doc.Paths[path]["post"].RequestBody.Content["application/json"].Examples {
			v := ex.Value
			if m, ok := v.(map[string]any); ok && m["orders"] != nil {
				orders = append(orders, m["orders"].([]any)...)
			} else {
				orders = append(orders, v)
			}
		}
	}
	if len(orders) < 4 {
		t.Fatalf("found %d example orders", len(orders))
	}
	for i, o := range orders {
		raw, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		wire, p := decodeSigned(raw)
		if p != nil {
			t.Fatalf("example %d: %s", i, p.Detail)
		}
		q, errs := parseSigned(wire)
		if len(errs) > 0 {
			t.Fatalf("example %d: %v", i, errs)
		}
		if p := authenticate("dtaod-dev", q); p != nil {
			t.Fatalf("example %d (%s): %s", i, raw, p.Detail)
		}
	}
}
