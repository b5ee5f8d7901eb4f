package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/postgres"
	"github.com/dtaod/dtaod/postgres/pgtest"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
	"github.com/prometheus/client_golang/prometheus"
)

// wrapHandler wraps every handler under test; the OpenAPI response validator plugs in here
// (one line) so every response of every test is checked against the contract.
var wrapHandler = func(t testing.TB, h http.Handler) http.Handler { return h }

// flaky is a store whose Ping fails on demand: an unreachable database.
type flaky struct {
	store.Store
	down bool
}

func (f *flaky) Ping(ctx context.Context) error {
	if f.down {
		return errors.New("connection refused")
	}
	return f.Store.Ping(ctx)
}

// backend opens a fresh store of one kind.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

// backends is the memory store, and PostgreSQL when DTAOD_TEST_DATABASE_URL is set.
func backends(t *testing.T) []backend {
	bs := []backend{{"mem", func(*testing.T) store.Store { return mem.New() }}}
	if os.Getenv(pgtest.Env) == "" {
		t.Log(pgtest.Env + " is not set: running on the memory store only")
		return bs
	}
	return append(bs, backend{"postgres", func(t *testing.T) store.Store {
		u := pgtest.Schema(t)
		if err := postgres.MigrateUp(u); err != nil {
			t.Fatal(err)
		}
		s, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}})
}

// forBackends runs f once per backend.
func forBackends(t *testing.T, f func(t *testing.T, be backend)) {
	for _, be := range backends(t) {
		t.Run(be.name, func(t *testing.T) { f(t, be) })
	}
}

// env is a node on a store with the handler in front of it.
type env struct {
	srv  *httptest.Server
	n    *node.Node
	st   store.Store
	stop func() // stops block production (reads go on from the last view)
}

type options struct {
	token     string
	blockTime time.Duration // default 20 ms
	cfg       func(*Config)
	genesis   []byte        // default: the dev genesis
	blocks    int           // produce until this height, then stop (0: keep producing)
	orders    []pools.Order // submitted before the first block
	raw       bool          // serve without wrapHandler (benchmarks measure the handler alone)
}

func start(t testing.TB, st store.Store, o options) *env {
	t.Helper()
	doc := o.genesis
	if doc == nil {
		doc = node.DevGenesis()
	}
	g, err := node.ParseGenesis(doc, "test")
	if err != nil {
		t.Fatal(err)
	}
	if o.blockTime == 0 {
		o.blockTime = 20 * time.Millisecond
	}
	reg := prometheus.NewRegistry()
	n, err := node.Open(context.Background(), st, g, node.Config{BlockTime: o.blockTime, Poll: 5 * time.Millisecond, Metrics: node.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range o.orders {
		if _, err := n.Submit(context.Background(), &o.orders[i]); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(stop)
	cfg := Config{AdminToken: o.token, Gatherer: reg}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	var h http.Handler = New(n, cfg)
	if !o.raw {
		h = wrapHandler(t, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	want := max(o.blocks, 1)
	waitUntil(t, "block production", func() bool { return int(n.View().Header.Height) >= want })
	if o.blocks > 0 {
		stop()
	}
	return &env{srv: srv, n: n, st: st, stop: stop}
}

func setup(t *testing.T, token string) (*httptest.Server, *node.Node, *flaky) {
	t.Helper()
	st := &flaky{Store: mem.New()}
	e := start(t, st, options{token: token})
	return e.srv, e.n, st
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func do(t testing.TB, method, url, token, body string) (int, http.Header, map[string]any, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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

// get is do for a GET that must answer status.
func (e *env) get(t *testing.T, path string, status int) map[string]any {
	t.Helper()
	code, _, m, body := do(t, "GET", e.srv.URL+path, "", "")
	if code != status {
		t.Fatalf("GET %s: %d, want %d: %s", path, code, status, body)
	}
	return m
}

// amount reads an Amount object's value.
func amount(t *testing.T, v any) string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an Amount: %v", v)
	}
	if _, ok := m["unit"].(string); !ok || m["display"] == nil {
		t.Fatalf("Amount lacks unit or display: %v", m)
	}
	return m["value"].(string)
}

func TestOperatorEndpoints(t *testing.T) {
	srv, n, st := setup(t, "secret")
	if code, _, _, body := do(t, "GET", srv.URL+"/healthz", "", ""); code != 200 || body != "ok\n" {
		t.Fatalf("healthz %d %q", code, body)
	}
	if code, _, m, _ := do(t, "GET", srv.URL+"/readyz", "", ""); code != 200 || m["status"] != "ready" || m["producer"] != true {
		t.Fatalf("readyz %d %v", code, m)
	}
	st.down = true
	code, h, m, _ := do(t, "GET", srv.URL+"/readyz", "", "")
	if code != 503 || m["code"] != "NOT_READY" || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(m["detail"].(string), "store unreachable") {
		t.Fatalf("readyz with the store down: %d %v", code, m)
	}
	st.down = false
	code, _, m, _ = do(t, "GET", srv.URL+"/v1/blocks/latest", "", "")
	if code != 200 || m["height"].(float64) < 1 || len(m["state_hash"].(string)) != 64 || amount(t, m["emission"]) != "1000000000" || m["block"] != m["height"] {
		t.Fatalf("latest block %d %v", code, m)
	}
	code, _, m, _ = do(t, "GET", srv.URL+"/v1/subnets", "", "")
	subnets, _ := m["items"].([]any)
	if code != 200 || len(subnets) != 8 || m["next_cursor"] != nil {
		t.Fatalf("subnets %d %v", code, m)
	}
	s1 := subnets[0].(map[string]any)
	if s1["netuid"].(float64) != 1 || s1["price"] == "" || amount(t, s1["tao_in"]) == "" || s1["neurons"].(float64) != 8 || s1["symbol"] != "α" {
		t.Fatalf("subnet 1: %v", s1)
	}
	code, _, _, body := do(t, "GET", srv.URL+"/metrics", "", "")
	for _, name := range []string{"dtaod_block_apply_seconds", "dtaod_block_commit_seconds", "dtaod_block_orders", "dtaod_mempool_depth", "dtaod_producer 1"} {
		if code != 200 || !strings.Contains(body, name) {
			t.Fatalf("metrics lack %s: %d", name, code)
		}
	}
	_ = n
}

func TestAdminOrders(t *testing.T) {
	srv, n, st := setup(t, "secret")
	order := `{"type":"add_stake","coldkey":"` + node.DevAccount("alice") + `","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`
	cases := []struct {
		name, token, body string
		code              int
		errCode, field    string
	}{
		{"no token", "", order, 401, "UNAUTHORIZED", ""},
		{"wrong token", "nope", order, 401, "UNAUTHORIZED", ""},
		{"invalid order", "secret", `{"type":"add_stake","coldkey":"alice"}`, 422, "VALIDATION_FAILED", "hotkey"},
		{"unknown field", "secret", `{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"1","x":1}`, 422, "VALIDATION_FAILED", "x"},
		{"number amount", "secret", `{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":1000}`, 422, "VALIDATION_FAILED", "amount"},
		{"negative amount", "secret", `{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"-1"}`, 422, "VALIDATION_FAILED", "amount"},
		{"overflowing amount", "secret", `{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"18446744073709551616"}`, 422, "VALIDATION_FAILED", "amount"},
		{"malformed", "secret", `{"type":`, 400, "VALIDATION_FAILED", ""},
		{"not an object", "secret", `[1,2]`, 422, "VALIDATION_FAILED", ""},
		{"too large", "secret", `{"type":"add_stake","coldkey":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "BODY_TOO_LARGE", ""},
		{"faucet", "secret", `{"type":"faucet","coldkey":"alice","amount":"1000000000"}`, 422, "VALIDATION_FAILED", "type"},
		{"valid", "secret", order, 202, "", ""},
	}
	for _, c := range cases {
		before, _ := st.PendingCount(context.Background())
		code, h, m, body := do(t, "POST", srv.URL+"/v1/admin/orders", c.token, c.body)
		if code != c.code || (c.errCode != "" && m["code"] != c.errCode) {
			t.Fatalf("%s: %d %s", c.name, code, body)
		}
		if c.field != "" && !namesField(m, c.field) {
			t.Fatalf("%s: errors do not name %s: %s", c.name, c.field, body)
		}
		if c.code != 202 {
			if after, _ := st.PendingCount(context.Background()); after != before {
				t.Fatalf("%s: a refused order changed the mempool (%d -> %d)", c.name, before, after)
			}
			continue
		}
		if m["seq"].(float64) != 1 || m["block"] == nil {
			t.Fatalf("the first admitted order is seq %v (refused ones took a seq?): %s", m["seq"], body)
		}
		loc := h.Get("Location")
		deadline := time.Now().Add(5 * time.Second)
		for {
			code, _, m, _ = do(t, "GET", srv.URL+loc, "", "")
			if m["status"] == "included" || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		rc, _ := m["receipt"].(map[string]any)
		if code != 200 || rc == nil || rc["ok"] != true || amount(t, rc["tao"]) != "1000000000" || amount(t, rc["alpha"]) == "0" ||
			rc["alpha"].(map[string]any)["unit"] != "alpha:1" || m["signer"] != nil || m["included_block"] == nil {
			t.Fatalf("order status: %d %v", code, m)
		}
		if call := m["call"].(map[string]any); call["type"] != "add_stake" || call["coldkey"] != node.DevAccount("alice") {
			t.Fatalf("order call: %v", call)
		}
	}
	_ = n
}

// namesField reports whether a problem's errors name field.
func namesField(m map[string]any, field string) bool {
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		if e.(map[string]any)["field"] == field {
			return true
		}
	}
	return false
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	srv, _, _ := setup(t, "")
	if code, _, m, _ := do(t, "POST", srv.URL+"/v1/admin/orders", "x", `{}`); code != 404 || m["code"] != "NOT_FOUND" {
		t.Fatalf("admin without a token configured: %d %v", code, m)
	}
}

func newMem() store.Store { return mem.New() }
