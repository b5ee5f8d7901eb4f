package client

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// fake starts an httptest server with handler h and a client of it.
func fake(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, append([]Option{WithTimeout(5 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func amt(v, unit string) map[string]string {
	return map[string]string{"value": v, "unit": unit, "display": "x"}
}

func TestNewURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"https://api.example.com/dtaod/", "https://api.example.com/dtaod", true},
		{" http://h:1 ", "http://h:1", true},
		{"127.0.0.1:8080", "", false},
		{"ftp://h", "", false},
		{"http://", "", false},
		{"http://h/?x=1", "", false},
	} {
		c, err := New(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("New(%q): err %v, want ok %v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && c.BaseURL() != tc.want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", tc.in, c.BaseURL(), tc.want)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
		err  string
	}{
		{`{"value":"1500000000","unit":"tao","display":"1.500000000"}`, Amount{1_500_000_000, "tao"}, ""},
		{`{"value":"0","unit":"alpha:12","display":"0.000000000"}`, Amount{0, "alpha:12"}, ""},
		{`{"value":"18446744073709551615","unit":"tao","display":"x"}`, Amount{1<<64 - 1, "tao"}, ""},
		{`{"value":"18446744073709551616","unit":"tao","display":"x"}`, Amount{}, "above 2^64-1"},
		{`{"value":"-1","unit":"tao","display":"x"}`, Amount{}, "not a string of base units"},
		{`{"value":"1.5","unit":"tao","display":"x"}`, Amount{}, "not a string of base units"},
		{`{"value":1,"unit":"tao","display":"x"}`, Amount{}, "amount"},
		{`{"value":"1","unit":"rao","display":"x"}`, Amount{}, "unit"},
		{`"1"`, Amount{}, "amount"},
	} {
		var a Amount
		err := json.Unmarshal([]byte(tc.in), &a)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || a != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.in, a, err, tc.want)
		}
	}
	out, _ := json.Marshal(Amount{1_500_000_000, "alpha:3"})
	if string(out) != `{"value":"1500000000","unit":"alpha:3","display":"1.500000000"}` {
		t.Errorf("marshal: %s", out)
	}
	if s := (Amount{1, "tao"}).String(); s != "0.000000001 TAO" {
		t.Errorf("String: %q", s)
	}
}

func TestWideAmountAndPrice(t *testing.T) {
	var w WideAmount
	in := `{"value":"340282366920938463463374607431768211455","unit":"tao","display":"x"}` // 2^128-1
	if err := json.Unmarshal([]byte(in), &w); err != nil {
		t.Fatal(err)
	}
	if got := w.Display(); got != "340282366920938463463374607431.768211455" {
		t.Errorf("display %s", got)
	}
	out, _ := json.Marshal(w)
	if !strings.Contains(string(out), `"value":"340282366920938463463374607431768211455"`) {
		t.Errorf("marshal %s", out)
	}
	if err := json.Unmarshal([]byte(`{"value":"1e5","unit":"tao","display":"x"}`), &w); err == nil {
		t.Error("1e5 accepted")
	}
	var p Price
	if err := json.Unmarshal([]byte(`"0.500251309394373812"`), &p); err != nil || p.String() != "0.500251309394373812" {
		t.Errorf("price %v %v", p, err)
	}
	for _, bad := range []string{`"-0.5"`, `"abc"`, `0.5`, `"0.1234567890123456789"`} {
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("price %s accepted", bad)
		}
	}
}

func TestProblemDecoding(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		ctype    string
		body     string
		header   map[string]string
		code     string
		sentinel error
		fields   int
		retry    time.Duration
		contains string
	}{
		{"validation", 422, "application/problem+json",
			`{"type":"https://dtaod.dev/problems/validation-failed","title":"Unprocessable Entity","status":422,"code":"VALIDATION_FAILED","detail":"amount: must not be negative","errors":[{"field":"amount","reason":"must not be negative"}]}`,
			nil, "VALIDATION_FAILED", ErrValidation, 1, 0, "422 VALIDATION_FAILED: amount: must not be negative"},
		{"nonce", 409, "application/problem+json",
			`{"type":"https://dtaod.dev/problems/bad-nonce","title":"Conflict","status":409,"code":"BAD_NONCE","detail":"nonce 0 is not the signer's next (1)"}`,
			nil, "BAD_NONCE", ErrBadNonce, 0, 0, "BAD_NONCE"},
		{"rate", 429, "application/problem+json",
			`{"type":"https://dtaod.dev/problems/rate-limited","title":"Too Many Requests","status":429,"code":"RATE_LIMITED","detail":"slow down"}`,
			map[string]string{"Retry-After": "3"}, "RATE_LIMITED", ErrRateLimited, 0, 3 * time.Second, "slow down"},
		{"engine code", 422, "application/problem+json",
			`{"type":"https://dtaod.dev/problems/insufficient-liquidity","title":"Unprocessable Entity","status":422,"code":"INSUFFICIENT_LIQUIDITY","detail":"pool too small","errors":[{"field":"amount_in","reason":"pool too small"}]}`,
			nil, "INSUFFICIENT_LIQUIDITY", nil, 1, 0, "amount_in: pool too small"},
		{"proxy page", 502, "text/html", `<html>bad gateway</html>`, nil, "", nil, 0, 0, "not a problem document: <html>bad gateway</html>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.Subnet(context.Background(), 1)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err %T %v, want *Error", err, err)
			}
			if e.Status != tc.status || e.Code != tc.code || len(e.Fields) != tc.fields || e.RetryAfter != tc.retry {
				t.Errorf("got %+v", e)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) is false", err, tc.sentinel)
			}
			if errors.Is(err, ErrNotFound) {
				t.Error("matches ErrNotFound")
			}
			if CodeOf(fmt.Errorf("wrapped: %w", err)) != tc.code {
				t.Errorf("CodeOf = %q", CodeOf(err))
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("message %q does not contain %q", err, tc.contains)
			}
		})
	}
}

func TestListFollowsCursors(t *testing.T) {
	var calls []string
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.RawQuery)
		if r.URL.Path != "/v1/subnets" || r.URL.Query().Get("limit") != "1000" {
			t.Errorf("request %s", r.URL)
		}
		next := map[string]any{"": "c1", "c1": "c2", "c2": nil}[r.URL.Query().Get("cursor")]
		n := len(calls)
		writeJSON(w, 200, map[string]any{"block": 100 + n, "next_cursor": next, "items": []map[string]any{{
			"netuid": n, "name": "", "symbol": "α", "tempo": 20,
			"tao_in": amt("1", "tao"), "alpha_in": amt("2", fmt.Sprint("alpha:", n)), "alpha_out": amt("3", "alpha:1"),
			"price": "0.5", "moving_price": "0.5", "market_cap": amt("4", "tao"), "emission_share": "0.1",
			"tao_in_emission": amt("5", "tao"), "alpha_in_emission": amt("6", "alpha:1"), "alpha_out_emission": amt("7", "alpha:1"),
			"volume": amt("8", "tao"), "owner_coldkey": "o", "owner_hotkey": "oh", "registration_allowed": true, "neurons": 3,
		}}})
	})
	subnets, block, err := c.Subnets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(subnets) != 3 || block != 101 || len(calls) != 3 || calls[2] != "cursor=c2&limit=1000" {
		t.Fatalf("subnets %d block %d calls %q", len(subnets), block, calls)
	}
	for i, s := range subnets {
		if int(s.NetUID) != i+1 || s.Block != 101 || s.AlphaIn.Value != 2 || s.Volume.Display() != "0.000000008" {
			t.Errorf("subnet %d: %+v", i, s)
		}
	}
}

// signingServer is a fake API for Send: a chain, an account's nonce and an orders endpoint
// whose first answer can be lost.
type signingServer struct {
	mu         sync.Mutex
	chainCalls int
	posts      []*http.Request
	bodies     [][]byte
	dropFirst  bool // close the connection without answering the first POST
	nonce      uint64
}

func (s *signingServer) handle(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case r.Method == "GET" && r.URL.Path == "/v1/chain":
			s.chainCalls++
			writeJSON(w, 200, map[string]any{"block": 5, "chain_id": "fake-chain", "genesis_hash": strings.Repeat("0", 64),
				"ss58_prefix": 42, "dev": true, "faucet": true, "params": map[string]any{}})
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1/accounts/"):
			writeJSON(w, 200, map[string]any{"block": 5, "address": strings.TrimPrefix(r.URL.Path, "/v1/accounts/"),
				"free": amt("100", "tao"), "nonce": s.nonce, "positions": []any{}})
		case r.Method == "POST" && r.URL.Path == "/v1/orders":
			body, _ := io.ReadAll(r.Body)
			s.posts = append(s.posts, r)
			s.bodies = append(s.bodies, body)
			if s.dropFirst && len(s.posts) == 1 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				_ = conn.Close()
				return
			}
			var so SignedOrder
			_ = json.Unmarshal(body, &so)
			included := uint64(6)
			idx := 0
			writeJSON(w, 200, map[string]any{"block": 6, "seq": 42, "status": "included", "signer": so.Signer, "nonce": so.Nonce,
				"call": so.Call, "submitted_at": "2025-11-23T12:00:00Z", "included_block": included, "index": idx,
				"receipt": map[string]any{"ok": true, "tao": amt("1000000000", "tao"), "alpha": amt("1999900005", "alpha:1"),
					"fee": amt("50000", "tao"), "uid": 0, "netuid": 1, "price_before": "0.5", "price_after": "0.500024998750062497"}})
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	}
}

func TestSendSignsAndRetriesOnceWithTheSameKey(t *testing.T) {
	s := &signingServer{dropFirst: true, nonce: 7}
	c := fake(t, s.handle(t))
	key := keys.DevKey("alice")
	o := &pools.Order{Kind: pools.AddStake, Coldkey: key.Address(), Hotkey: "val1-hk", NetUID: 1, Amount: 1_000_000_000,
		HasLimit: true, LimitPrice: mustPrice(t, "0.52"), AllowPartial: true}
	ord, so, err := c.Send(context.Background(), key, o, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !ord.Included() || !ord.Receipt.OK || ord.Receipt.Alpha.Value != 1_999_900_005 || ord.Seq != 42 {
		t.Fatalf("order %+v receipt %+v", ord, ord.Receipt)
	}
	if len(s.posts) != 2 {
		t.Fatalf("%d POSTs, want 2 (the lost one and its retry)", len(s.posts))
	}
	k1, k2 := s.posts[0].Header.Get("Idempotency-Key"), s.posts[1].Header.Get("Idempotency-Key")
	if k1 == "" || k1 != k2 || string(s.bodies[0]) != string(s.bodies[1]) {
		t.Errorf("the retry differs: keys %q %q bodies\n%s\n%s", k1, k2, s.bodies[0], s.bodies[1])
	}
	if q := s.posts[1].URL.Query().Get("wait"); q != "5" {
		t.Errorf("wait=%q", q)
	}
	if so.Nonce != 7 || so.Signer != key.Address() || string(so.Call) != string(scenario.FormatOrder(o)) {
		t.Errorf("signed %+v", so)
	}
	sig, _ := hex.DecodeString(so.Signature)
	if err := keys.Verify("fake-chain", so.Signer, so.Nonce, so.Call, sig); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	// The chain id is asked for once per client.
	if _, _, err := c.Send(context.Background(), key, o, 0); err != nil {
		t.Fatal(err)
	}
	if s.chainCalls != 1 {
		t.Errorf("GET /v1/chain %d times, want 1 (cached)", s.chainCalls)
	}
	if k3 := s.posts[2].Header.Get("Idempotency-Key"); k3 == k1 {
		t.Error("a new order reused the idempotency key")
	}
	if s.posts[2].URL.RawQuery != "" {
		t.Errorf("no wait sent %q", s.posts[2].URL.RawQuery)
	}
}

func mustPrice(t *testing.T, s string) dtaod.Price {
	t.Helper()
	p, err := dtaod.ParsePrice(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignRefusesAnotherAccountsKey(t *testing.T) {
	c, _ := New("http://127.0.0.1:1")
	key := keys.DevKey("alice")
	for _, o := range []*pools.Order{
		{Kind: pools.AddStake, Coldkey: keys.DevKey("bob").Address(), Hotkey: "h", NetUID: 1, Amount: 1},
		{Kind: pools.SetWeights, Hotkey: "val1-hk", NetUID: 1}, // weights are signed by the hotkey
	} {
		if _, err := c.Sign(context.Background(), key, o); !errors.Is(err, ErrWrongSigner) {
			t.Errorf("%v: err %v, want ErrWrongSigner", o.Kind, err)
		}
	}
	w := &pools.Order{Kind: pools.SetWeights, Hotkey: key.Address(), NetUID: 1, Weights: []pools.Weight{{UID: 1, Value: 5}}}
	so, err := SignWith(key, "c", 3, w)
	if err != nil || so.Signer != key.Address() {
		t.Fatalf("%+v %v", so, err)
	}
}

func TestNoRetryWithoutIdempotency(t *testing.T) {
	var posts atomic.Int32
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		if r.URL.Path == "/v1/admin/faucet" && r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("authorization %q", r.Header.Get("Authorization"))
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.Close()
	}, WithAdminToken("tok"))
	_, err := c.Faucet(context.Background(), "addr", 5)
	var ne *NetworkError
	if !errors.As(err, &ne) || posts.Load() != 1 {
		t.Fatalf("err %v after %d POSTs, want one attempt and a NetworkError", err, posts.Load())
	}
	// A submit without an idempotency key is not repeated either.
	_, err = c.SubmitOrder(context.Background(), &SignedOrder{Signer: "s", Call: json.RawMessage(`{}`)}, 0, "")
	if !errors.As(err, &ne) || posts.Load() != 2 {
		t.Fatalf("err %v after %d POSTs", err, posts.Load())
	}
	// Reads are repeated once.
	_, err = c.Subnet(context.Background(), 1)
	if !errors.As(err, &ne) || posts.Load() != 4 {
		t.Fatalf("err %v after %d requests, want 4", err, posts.Load())
	}
}

func TestAdminNeedsToken(t *testing.T) {
	c, _ := New("http://127.0.0.1:1")
	if _, err := c.Faucet(context.Background(), "a", 1); err == nil || !strings.Contains(err.Error(), "admin token") {
		t.Fatalf("err %v", err)
	}
}

func TestWaitOrderPolls(t *testing.T) {
	var n atomic.Int32
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/orders/9" {
			t.Errorf("path %s", r.URL.Path)
		}
		base := map[string]any{"block": 1, "seq": 9, "status": "pending", "signer": nil, "nonce": nil,
			"call": map[string]any{"type": "faucet"}, "submitted_at": "2025-11-23T12:00:00Z"}
		if n.Add(1) >= 3 {
			base["status"], base["included_block"], base["index"] = "included", 2, 0
			base["receipt"] = map[string]any{"ok": true, "tao": amt("5", "tao"), "alpha": amt("0", "tao"),
				"fee": amt("0", "tao"), "uid": 0, "netuid": 0, "price_before": "0.0", "price_after": "0.0"}
		}
		writeJSON(w, 200, base)
	})
	o, err := c.WaitOrder(context.Background(), 9, time.Millisecond)
	if err != nil || !o.Included() || n.Load() != 3 || *o.IncludedBlock != 2 {
		t.Fatalf("%+v %v after %d polls", o, err, n.Load())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	n.Store(-1000)
	if _, err := c.WaitOrder(ctx, 9, time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestQuoteRequestJSON(t *testing.T) {
	for _, tc := range []struct {
		q    QuoteRequest
		want string
	}{
		{QuoteRequest{Kind: "stake", NetUID: 1, Amount: 10, Tolerance: "0.01"}, `{"amount_in":"10","kind":"stake","netuid":1,"tolerance":"0.01"}`},
		{QuoteRequest{Kind: "unstake", NetUID: 3, Amount: 7, ExactOut: true}, `{"amount_out":"7","kind":"unstake","netuid":3}`},
		{QuoteRequest{Kind: "move", FromNetUID: 1, ToNetUID: 2, Amount: 5}, `{"amount_in":"5","from_netuid":1,"kind":"move","to_netuid":2}`},
	} {
		got, err := json.Marshal(tc.q)
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %s %v, want %s", tc.q, got, err, tc.want)
		}
	}
	c, _ := New("http://127.0.0.1:1")
	if _, err := c.Quote(context.Background(), QuoteRequest{Kind: "buy"}); err == nil {
		t.Error("kind buy accepted")
	}
}
