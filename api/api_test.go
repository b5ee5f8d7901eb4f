package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
	"github.com/prometheus/client_golang/prometheus"
)

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

func setup(t *testing.T, token string) (*httptest.Server, *node.Node, *flaky) {
	t.Helper()
	g, err := node.ParseGenesis(node.DevGenesis(), "test")
	if err != nil {
		t.Fatal(err)
	}
	st := &flaky{Store: mem.New()}
	reg := prometheus.NewRegistry()
	n, err := node.Open(context.Background(), st, g, node.Config{BlockTime: 20 * time.Millisecond, Poll: 5 * time.Millisecond, Metrics: node.NewMetrics(reg)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	srv := httptest.NewServer(New(n, Config{AdminToken: token, Gatherer: reg}))
	t.Cleanup(srv.Close)
	for n.View().Header.Height == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	return srv, n, st
}

func do(t *testing.T, method, url, token, body string) (int, http.Header, map[string]any, string) {
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
	if code != 200 || m["height"].(float64) < 1 || len(m["state_hash"].(string)) != 64 || m["emission"] != "1000000000" {
		t.Fatalf("latest block %d %v", code, m)
	}
	code, _, m, _ = do(t, "GET", srv.URL+"/v1/subnets", "", "")
	subnets, _ := m["subnets"].([]any)
	if code != 200 || len(subnets) != 8 {
		t.Fatalf("subnets %d %v", code, m)
	}
	s1 := subnets[0].(map[string]any)
	if s1["netuid"].(float64) != 1 || s1["price"] == "" || s1["tao_in"] == "" || s1["neurons"].(float64) != 8 {
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
	srv, _, _ := setup(t, "secret")
	order := `{"type":"add_stake","coldkey":"alice","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`
	cases := []struct {
		name, token, body string
		code              int
		errCode           string
	}{
		{"no token", "", order, 401, "UNAUTHORIZED"},
		{"wrong token", "nope", order, 401, "UNAUTHORIZED"},
		{"invalid order", "secret", `{"type":"add_stake","coldkey":"alice"}`, 422, "VALIDATION_FAILED"},
		{"unknown field", "secret", `{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"1","x":1}`, 422, "VALIDATION_FAILED"},
		{"too large", "secret", `{"type":"add_stake","coldkey":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "BODY_TOO_LARGE"},
		{"valid", "secret", order, 202, ""},
	}
	for _, c := range cases {
		code, h, m, _ := do(t, "POST", srv.URL+"/v1/admin/orders", c.token, c.body)
		if code != c.code || (c.errCode != "" && m["code"] != c.errCode) {
			t.Fatalf("%s: %d %v", c.name, code, m)
		}
		if c.code == 202 {
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
			if code != 200 || rc == nil || rc["ok"] != true || rc["tao"] != "1000000000" || rc["alpha"] == "0" {
				t.Fatalf("order status: %d %v", code, m)
			}
		}
	}
	if code, _, m, _ := do(t, "GET", srv.URL+"/v1/orders/99999", "", ""); code != 404 || m["code"] != "NOT_FOUND" {
		t.Fatalf("unknown order: %d %v", code, m)
	}
	if code, _, m, _ := do(t, "GET", srv.URL+"/v1/orders/abc", "", ""); code != 400 || m["code"] != "VALIDATION_FAILED" {
		t.Fatalf("bad seq: %d %v", code, m)
	}
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	srv, _, _ := setup(t, "")
	if code, _, m, _ := do(t, "POST", srv.URL+"/v1/admin/orders", "x", `{}`); code != 404 || m["code"] != "NOT_FOUND" {
		t.Fatalf("admin without a token configured: %d %v", code, m)
	}
}
