package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dtaod/dtaod/api"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/store/mem"
)

// benchTarget is a live chain on the dev genesis in memory behind the real API handler, on a
// loopback port: what bench-api drives, in-process.
func benchTarget(t *testing.T, token string) string {
	t.Helper()
	g, err := node.ParseGenesis(node.DevGenesis(), "bench-api-test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(context.Background(), mem.New(), g, node.Config{BlockTime: 50 * time.Millisecond, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	srv := httptest.NewServer(api.New(n, api.Config{AdminToken: token}))
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	return srv.URL
}

// runBench runs `dtaod bench-api args...` and decodes its -json result into v.
func runBench(t *testing.T, v any, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"bench-api"}, args...), &out, &errb)
	if v != nil && out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), v); err != nil {
			t.Fatalf("result is not JSON: %v\n%s", err, out.String())
		}
	}
	return code, out.String() + errb.String()
}

func TestBenchAPIReads(t *testing.T) {
	url := benchTarget(t, "")
	var r readsResult
	code, out := runBench(t, &r, "-mode", "reads", "-url", url, "-rate", "400", "-duration", "1s", "-warmup", "100ms", "-conns", "8",
		"-cpu-pids", strconv.Itoa(os.Getpid()), "-json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	// The server is this process: it and the generator both spent CPU.
	if r.CPU.WatchedPIDs != 1 || r.CPU.WatchedSeconds <= 0 || r.CPU.GeneratorSeconds <= 0 || r.CPU.WallSeconds < 0.9 {
		t.Fatalf("cpu %+v", r.CPU)
	}
	if r.Scheduled != 400 || r.OK != 400 || len(r.Errors) != 0 || r.Latency.Count != 400 {
		t.Fatalf("scheduled %d, ok %d, errors %v, samples %d; want 400 ok", r.Scheduled, r.OK, r.Errors, r.Latency.Count)
	}
	if !(r.Latency.P50 > 0 && r.Latency.P50 <= r.Latency.P99 && r.Latency.P99 <= r.Latency.Max) || r.Bytes == 0 {
		t.Fatalf("latency %+v, %d bytes", r.Latency, r.Bytes)
	}
	if r.Achieved < 300 || r.Achieved > 500 {
		t.Errorf("achieved %.0f/s for 400/s offered", r.Achieved)
	}
	t.Logf("%+v", r.Latency)
}

// TestBenchAPIReadsCorrectsCoordinatedOmission: the server stalls once for 300 ms while one
// connection is offered 200 requests a second. A closed-loop generator would record one slow
// request; measured from the schedule, the ~60 requests due during the stall are slow too.
// Errors are counted by status.
func TestBenchAPIReadsCorrectsCoordinatedOmission(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		switch {
		case i == 60:
			time.Sleep(300 * time.Millisecond)
		case i%50 == 0:
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	defer srv.Close()
	var r readsResult
	code, out := runBench(t, &r, "-mode", "reads", "-url", srv.URL, "-path", "/x", "-rate", "200", "-duration", "1s", "-warmup", "0s", "-conns", "1", "-json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	if r.Errors["HTTP 500"] < 3 || r.OK+r.Errors.total() != r.Scheduled || len(r.Errors) != 1 {
		t.Fatalf("ok %d, errors %v of %d", r.OK, r.Errors, r.Scheduled)
	}
	if r.Latency.Max < 250 || r.Latency.P90 < 50 {
		t.Fatalf("latency %+v: the requests queued behind the stall must count from their scheduled time", r.Latency)
	}
}

// TestBenchAPIReadsSourceAddresses: -clients 3 spreads the connections over 127.0.0.1-3, and a
// server that closes every connection after its answer costs redials, not errors.
func TestBenchAPIReadsSourceAddresses(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		seen[host]++
		mu.Unlock()
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	var r readsResult
	code, out := runBench(t, &r, "-mode", "reads", "-url", srv.URL, "-path", "/x", "-rate", "300", "-duration", "500ms", "-warmup", "0s",
		"-conns", "6", "-clients", "3", "-json")
	if code != exitOK || r.OK != 150 || len(r.Errors) != 0 {
		t.Fatalf("exit %d, %+v: %s", code, r, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen["127.0.0.1"] == 0 || seen["127.0.0.2"] == 0 || seen["127.0.0.3"] == 0 {
		t.Fatalf("source addresses %v, want 127.0.0.1-3", seen)
	}
}

func TestBenchAPIReadsProbeFails(t *testing.T) {
	url := benchTarget(t, "")
	code, out := runBench(t, nil, "-mode", "reads", "-url", url, "-path", "/v1/nothing", "-duration", "1s")
	if code != exitFail || !strings.Contains(out, "HTTP 404 before any load") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

// TestBenchAPIOrders drives the real signed-order endpoints, single and batched, and checks
// that every order is accepted, stored with its signer and nonce, and included in a block.
func TestBenchAPIOrders(t *testing.T) {
	const token = "bench-token"
	url := benchTarget(t, token)
	for _, tc := range []struct{ batch, chain string }{{"0", "bench-api-test"}, {"25", ""}} { // "": ask GET /v1/chain
		t.Run("batch="+tc.batch, func(t *testing.T) {
			var r ordersResult
			code, out := runBench(t, &r, "-mode", "orders", "-url", url, "-chain-id", tc.chain, "-admin-token", token, "-keys", "6", "-orders", "120",
				"-conns", "3", "-batch", tc.batch, "-sample", "50", "-wait-included", "30s", "-json")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, out)
			}
			if r.Accepted != 120 || len(r.Refused) != 0 || r.NoncesMatched != 6 || r.SampleChecked != 50 || len(r.SampleProblems) != 0 {
				t.Fatalf("%+v", r)
			}
			if r.Included == nil || !*r.Included {
				t.Fatalf("accepted orders not in a block: %+v", r)
			}
			if r.OrdersPerSec <= 0 || r.Latency.Count != r.Requests {
				t.Fatalf("rate %f, latency %+v, %d requests", r.OrdersPerSec, r.Latency, r.Requests)
			}
		})
	}
}

// TestBenchAPIOrdersCountsRefusalsAndLostOrders: a server that refuses every third order and
// forgets the rest: refusals are counted by status and code, and the durability check catches
// the lost orders (exit 1).
func TestBenchAPIOrdersCountsRefusalsAndLostOrders(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/chain":
			_, _ = w.Write([]byte(`{"chain_id":"fake"}`))
		case r.Method == "POST" && r.URL.Path == "/v1/orders":
			var o struct {
				Signer    string          `json:"signer"`
				Call      json.RawMessage `json:"call"`
				Signature string          `json:"signature"`
			}
			if json.NewDecoder(r.Body).Decode(&o) != nil || len(o.Signature) != 128 || !bytes.Contains(o.Call, []byte(o.Signer)) {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			i := n.Add(1)
			if i%3 == 0 {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusConflict)
				_, _ = w.Write([]byte(`{"status":409,"code":"BAD_NONCE","detail":"no"}`))
				return
			}
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `{"block":1,"seq":%d,"status":"pending"}`, i)
		case strings.HasPrefix(r.URL.Path, "/v1/accounts/"):
			_, _ = w.Write([]byte(`{"nonce":0,"free":{"value":"0"}}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var r ordersResult
	code, out := runBench(t, &r, "-mode", "orders", "-url", srv.URL, "-fund=false", "-keys", "4", "-orders", "30", "-conns", "2", "-json")
	if code != exitFail || !strings.Contains(out, "durability check failed") {
		t.Fatalf("exit %d: %s", code, out)
	}
	if r.Accepted != 20 || r.Refused["HTTP 409 BAD_NONCE"] != 10 || len(r.NonceProblems) != 4 || len(r.SampleProblems) == 0 {
		t.Fatalf("%+v", r)
	}
}

func TestBenchAPIFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "-mode is required"},
		{[]string{"-mode", "writes"}, `-mode "writes"`},
		{[]string{"-mode", "reads", "-url", "http://10.1.2.3:8080"}, "only drives a server on this machine"},
		{[]string{"-mode", "reads", "-url", "http://example.com"}, "only drives a server on this machine"},
		{[]string{"-mode", "reads", "-url", "ftp://127.0.0.1"}, "want http://HOST:PORT"},
		{[]string{"-mode", "reads", "-url", "https://127.0.0.1:8443"}, "plain HTTP"},
		{[]string{"-mode", "reads", "-rate", "0"}, "-rate 0"},
		{[]string{"-mode", "reads", "-path", "v1/subnets"}, "must start with /"},
		{[]string{"-mode", "reads", "-clients", "300"}, "-clients 300"},
		{[]string{"-mode", "reads", "-clients", "2", "-url", "http://[::1]:8080"}, "needs an IPv4 loopback"},
		{[]string{"-mode", "orders", "-batch", "1001", "-fund=false"}, "-batch 1001"},
		{[]string{"-mode", "orders", "-admin-token", ""}, "-admin-token is needed"},
		{[]string{"-mode", "orders", "-keys", "0", "-fund=false"}, "-keys and -orders must be positive"},
		{[]string{"-mode", "reads", "extra"}, `unexpected argument "extra"`},
		{[]string{"-mode", "reads", "-cpu-pids", "12,x"}, `"x" is not a process id`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Setenv("DTAOD_ADMIN_TOKEN", "")
			code, out := runBench(t, nil, tt.args...)
			if code != exitUsage || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, exitUsage, tt.want, out)
			}
		})
	}
	code, out := runBench(t, nil, "-h")
	if code != exitOK || !strings.Contains(out, "coordinated omission") || !strings.Contains(out, "-batch") {
		t.Fatalf("help: exit %d\n%s", code, out)
	}
}

var spinSink int

func TestProcCPU(t *testing.T) {
	pids, err := parsePIDs(" 1, " + strconv.Itoa(os.Getpid()) + ",")
	if err != nil || len(pids) != 2 {
		t.Fatalf("parsePIDs: %v %v", pids, err)
	}
	s0 := takeCPU(pids[1:])
	var u cpuUsage
	for deadline := time.Now().Add(20 * time.Second); u.GeneratorSeconds < 0.1; u = takeCPU(pids[1:]).since(s0) {
		if time.Now().After(deadline) {
			t.Fatalf("20 s of spinning show %+v", u)
		}
		for x := range 1_000_000 {
			spinSink += x * x
		}
	}
	// The generator and the watched process are both this process: they agree.
	if u.WatchedPIDs != 1 || u.WatchedSeconds < 0.1 || u.WatchedSeconds > u.GeneratorSeconds+0.02 {
		t.Fatalf("%+v", u)
	}
	if _, err := procCPU(1 << 30); err == nil {
		t.Fatal("procCPU of no process")
	}
	gone := cpuSnapshot{pids: map[int]time.Duration{7: time.Second}}.since(cpuSnapshot{pids: map[int]time.Duration{7: 0, 8: 0}})
	if gone.WatchedPIDs != 1 || gone.WatchedSeconds != 1 || !strings.Contains(gone.Note, "1 watched processes ended") {
		t.Fatalf("%+v", gone)
	}
}
