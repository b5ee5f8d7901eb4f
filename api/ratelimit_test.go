package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/dtaod/dtaod/node"
)

// TestRateLimit: a tiny limit throttles one client with 429 RATE_LIMITED and Retry-After, every
// response (refused, errors, operator endpoints) carries the X-RateLimit headers, and a refused
// request admits nothing.
func TestRateLimit(t *testing.T) {
	e := start(t, newMem(), options{blocks: 1, token: "secret", cfg: func(c *Config) { c.RateLimit, c.RateBurst = 60, 3 }})
	paths := []string{"/v1/subnets", "/healthz", "/v1/nothing"}
	for i, p := range paths {
		code, h, _, _ := do(t, "GET", e.srv.URL+p, "", "")
		if code == 429 || h.Get("X-RateLimit-Limit") != "60" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) || h.Get("X-RateLimit-Reset") == "" {
			t.Fatalf("request %d (%s): %d %v", i, p, code, h)
		}
	}
	code, h, m, _ := do(t, "POST", e.srv.URL+"/v1/admin/orders", "secret",
		`{"type":"add_stake","coldkey":"`+node.DevAccount("alice")+`","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`)
	if code != 429 || m["code"] != "RATE_LIMITED" || h.Get("Retry-After") != "1" || h.Get("X-RateLimit-Remaining") != "0" ||
		h.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("over the limit: %d %v %v", code, h, m)
	}
	if n, _ := e.st.PendingCount(t.Context()); n != 0 {
		t.Fatalf("a throttled order was admitted")
	}
	time.Sleep(1100 * time.Millisecond) // one token back at 60 a minute
	if code, _, _, _ := do(t, "GET", e.srv.URL+"/v1/subnets", "", ""); code != 200 {
		t.Fatalf("after a second: %d", code)
	}
	if code, _, _, _ := do(t, "GET", e.srv.URL+"/v1/subnets", "", ""); code != 429 {
		t.Fatalf("the refilled bucket held more than one token: %d", code)
	}
}

func TestRateLimiterBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newRateLimiter(120, 2, true, func() time.Time { return now }) // 2 a second
	h := l.middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	req := func(ip, xff string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = ip + ":1234"
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := 0; i < 2; i++ {
		if w := req("10.0.0.1", ""); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	if w := req("10.0.0.1", ""); w.Code != 429 || w.Header().Get("Retry-After") != "1" || w.Header().Get("X-RateLimit-Reset") != "1" {
		t.Fatalf("third request: %d %v", w.Code, w.Header())
	}
	if w := req("10.0.0.2", ""); w.Code != 200 {
		t.Fatalf("another client is throttled: %d", w.Code)
	}
	if w := req("10.0.0.1", "192.0.2.7, 10.0.0.1"); w.Code != 200 {
		t.Fatalf("a forwarded client shares the proxy's bucket: %d", w.Code)
	}
	now = now.Add(500 * time.Millisecond) // one token back
	if w := req("10.0.0.1", ""); w.Code != 200 || w.Header().Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("after 0.5 s: %d %v", w.Code, w.Header())
	}
	now = now.Add(time.Hour) // idle buckets are swept and come back full
	if w := req("10.0.0.1", ""); w.Code != 200 || w.Header().Get("X-RateLimit-Remaining") != "1" {
		t.Fatalf("after an hour: %d %v", w.Code, w.Header())
	}
	total := 0
	for i := range l.shards {
		total += len(l.shards[i].buckets)
	}
	if total > 3 {
		t.Fatalf("%d buckets kept", total)
	}
}
