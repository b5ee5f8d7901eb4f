package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/postgres/pgtest"
)

// buildBinary builds dtaod once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dtaod")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a running `dtaod serve`.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	mu   *sync.Mutex
}

// startServer runs the binary with args and waits for its "listening" log line.
func startServer(t *testing.T, bin string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "-listen", "127.0.0.1:0", "-log-format", "json"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &bytes.Buffer{}, mu: &sync.Mutex{}}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				addr <- l.Addr
			}
		}
	}()
	select {
	case s.addr = <-addr:
	case <-time.After(30 * time.Second):
		s.mu.Lock()
		defer s.mu.Unlock()
		t.Fatalf("dtaod serve did not start:\n%s", s.logs)
	}
	return s
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

const e2eToken = "e2e-admin-token"

// submit posts an order with the admin token; ok is true when the server acknowledged it (the
// insert committed).
func (s *server) submit(body string) (int64, bool) {
	req, _ := http.NewRequest(http.MethodPost, s.url("/v1/admin/orders"), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e2eToken)
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var out struct{ Seq int64 }
	if resp.StatusCode != http.StatusAccepted || json.NewDecoder(resp.Body).Decode(&out) != nil {
		return 0, false
	}
	return out.Seq, true
}

type orderStatus struct {
	Status  string
	Block   uint64
	Receipt *struct {
		OK   bool
		Code string
	}
}

func (s *server) status(t *testing.T, seq int64) (orderStatus, int) {
	resp, err := http.Get(s.url("/v1/orders/" + strconv.FormatInt(seq, 10)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st orderStatus
	body, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(body, &st)
	return st, resp.StatusCode
}

// TestEndToEndKillAndReplay starts the real binary on PostgreSQL, submits orders from several
// clients, SIGKILLs it mid-run, restarts it, and checks that every acknowledged order is applied
// exactly once and that `dtaod replay` agrees with every stored block.
func TestEndToEndKillAndReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the end-to-end test")
	}
	dbURL := pgtest.Schema(t)
	bin := buildBinary(t)
	args := []string{"-database-url", dbURL, "-block-time", "100ms", "-admin-token", e2eToken}
	s := startServer(t, bin, append(args, "-genesis", "dev")...)

	var (
		mu       sync.Mutex
		accepted []int64
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf(`{"type":"add_stake","coldkey":"%s","hotkey":"val%d-hk","netuid":%d,"amount":"%d"}`,
					node.DevAccount("alice"), w%3+1, i%8+1, 1_000_000+i)
				if i%5 == 4 {
					body = fmt.Sprintf(`{"type":"remove_stake","coldkey":"val1","hotkey":"val1-hk","netuid":%d,"amount":"%d"}`, i%8+1, 2_000_000_000+i)
				}
				if seq, ok := s.submit(body); ok {
					mu.Lock()
					accepted = append(accepted, seq)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(accepted) < 50 {
		t.Fatalf("only %d orders were accepted before the kill", len(accepted))
	}

	// Restart without -genesis: the database holds the chain.
	s = startServer(t, bin, args...)
	var maxSeq int64
	for _, seq := range accepted {
		maxSeq = max(maxSeq, seq)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, seq := range accepted {
		for {
			st, code := s.status(t, seq)
			if code == http.StatusOK && st.Status == "included" {
				if st.Receipt == nil {
					t.Fatalf("order %d: receipt %+v", seq, st.Receipt)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %d (acknowledged before the kill) was never applied: %d %+v", seq, code, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Exactly once: the orders included over every seq ever assigned equal the orders the
	// replay re-applies (an order included twice would be counted twice by the replay).
	included := 0
	for seq := int64(1); seq <= maxSeq+50; seq++ {
		if st, code := s.status(t, seq); code == http.StatusOK && st.Status == "included" {
			included++
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	out, err := exec.Command(bin, "replay", "-database-url", dbURL).CombinedOutput()
	if err != nil {
		t.Fatalf("dtaod replay: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`replayed (\d+) blocks and (\d+) orders`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("replay output: %s", out)
	}
	if n, _ := strconv.Atoi(string(m[2])); n != included {
		t.Fatalf("replay applied %d orders, %d distinct orders are included: some order was applied more than once\n%s", n, included, out)
	}
	t.Logf("%d orders acknowledged before SIGKILL, %d included in all; %s", len(accepted), included, bytes.TrimSpace(out))
}

// producer reports whether the server says it holds the producer role.
func (s *server) producer() bool {
	resp, err := http.Get(s.url("/readyz"))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var r struct{ Producer bool }
	return json.NewDecoder(resp.Body).Decode(&r) == nil && r.Producer
}

// TestEndToEndTakeover runs two real processes on one database: exactly one produces; when the
// producer is SIGKILLed the other takes over within a few seconds and the chain goes on.
func TestEndToEndTakeover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the end-to-end test")
	}
	dbURL := pgtest.Schema(t)
	bin := buildBinary(t)
	args := []string{"-database-url", dbURL, "-block-time", "100ms", "-admin-token", e2eToken, "-genesis", "dev"}
	a := startServer(t, bin, args...)
	b := startServer(t, bin, args...)
	deadline := time.Now().Add(10 * time.Second)
	for !a.producer() && !b.producer() {
		if time.Now().After(deadline) {
			t.Fatal("no producer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for range 10 { // for a second, never both
		if a.producer() && b.producer() {
			t.Fatal("two producers")
		}
		time.Sleep(100 * time.Millisecond)
	}
	prod, other := a, b
	if b.producer() {
		prod, other = b, a
	}
	killed := time.Now()
	if err := prod.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = prod.cmd.Wait()
	for !other.producer() {
		if time.Since(killed) > 10*time.Second {
			t.Fatal("the follower did not take over within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(killed)
	seq, ok := other.submit(`{"type":"add_stake","coldkey":"` + node.DevAccount("bob") + `","hotkey":"val2-hk","netuid":2,"amount":"1000000000"}`)
	if !ok {
		t.Fatal("the new producer refused an order")
	}
	for {
		if st, _ := other.status(t, seq); st.Status == "included" {
			break
		}
		if time.Since(killed) > 20*time.Second {
			t.Fatal("the new producer did not apply the order")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("takeover %s after SIGKILL of the producer", took.Round(time.Millisecond))
}
