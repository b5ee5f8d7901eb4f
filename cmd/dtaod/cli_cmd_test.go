package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dtaod/dtaod/api"
	"github.com/dtaod/dtaod/client"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/store/mem"
)

const cliTestToken = "cli-test-token"

// startChain runs a node on the memory store with genesis (the dev genesis when nil) and the
// API in front of it, and points the client commands at it through DTAOD_URL, with a fresh
// keystore, the admin token and no passphrase variable. stop ends block production (the API
// goes on answering and admitting orders, which then stay pending).
func startChain(t *testing.T, genesis []byte) (stop func()) {
	t.Helper()
	if genesis == nil {
		genesis = node.DevGenesis()
	}
	g, err := node.ParseGenesis(genesis, "cli-test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(context.Background(), mem.New(), g, node.Config{BlockTime: 20 * time.Millisecond, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	srv := httptest.NewServer(api.New(n, api.Config{AdminToken: cliTestToken, RateLimit: -1}))
	stop = func() { cancel(); <-done }
	t.Cleanup(func() { srv.Close(); stop() })
	for deadline := time.Now().Add(20 * time.Second); n.View().Header.Height < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no block produced")
		}
	}
	cliEnv(t, srv.URL)
	return sync.OnceFunc(stop)
}

// cliEnv sets the client's environment for one test: server URL, a fresh keystore, the admin
// token, no passphrase and empty stdin.
func cliEnv(t *testing.T, url string) string {
	t.Helper()
	ks := filepath.Join(t.TempDir(), "keys.json")
	t.Setenv("DTAOD_URL", url)
	t.Setenv("DTAOD_KEYSTORE", ks)
	t.Setenv("DTAOD_ADMIN_TOKEN", cliTestToken)
	t.Setenv("DTAOD_PASSPHRASE", "") // restored after the test
	os.Unsetenv("DTAOD_PASSPHRASE")
	setStdin(t, "")
	return ks
}

// setStdin makes the commands read s as their standard input.
func setStdin(t *testing.T, s string) {
	t.Helper()
	old := cliStdin
	cliStdin, stdinLines = strings.NewReader(s), nil
	t.Cleanup(func() { cliStdin, stdinLines = old, nil })
}

// mustRun runs a command and fails the test unless it exits with code want.
func mustRun(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errs := runCmd(t, args...)
	if code != want {
		t.Fatalf("dtaod %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errs)
	}
	return out, errs
}

// decode parses a command's --json output.
func decode[T any](t *testing.T, out string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return v
}

func TestKeysCommands(t *testing.T) {
	ks := cliEnv(t, "http://127.0.0.1:1")
	out, errs := mustRun(t, 0, "keys", "new", "alice", "--dev")
	if !strings.Contains(out, keys.DevKey("alice").Address()) || !strings.Contains(errs, "dev key") {
		t.Errorf("keys new --dev: %q %q", out, errs)
	}
	st, err := os.Stat(ks)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keystore %v mode %v", err, st.Mode())
	}
	// A new key without a passphrase source and no terminal: refused with what to do.
	_, errs = mustRun(t, exitFail, "keys", "new", "k1")
	if !strings.Contains(errs, "DTAOD_PASSPHRASE") || !strings.Contains(errs, "--no-passphrase") {
		t.Errorf("no passphrase: %q", errs)
	}
	t.Setenv("DTAOD_PASSPHRASE", "correct horse")
	out, _ = mustRun(t, 0, "keys", "new", "k1", "--json")
	k1 := decode[keyJSON](t, out)
	if k1.Name != "k1" || !k1.Encrypted || !strings.HasPrefix(k1.Address, "5") || k1.Secret != "" {
		t.Errorf("keys new k1: %+v", k1)
	}
	_, errs = mustRun(t, 0, "keys", "new", "k2", "--no-passphrase")
	if !strings.Contains(errs, "unencrypted") {
		t.Errorf("no warning for a clear key: %q", errs)
	}
	_, errs = mustRun(t, exitFail, "keys", "new", "k1")
	if !strings.Contains(errs, "already in use") {
		t.Errorf("duplicate: %q", errs)
	}
	_, errs = mustRun(t, exitFail, "keys", "new", "Bad.Name", "--no-passphrase")
	if !strings.Contains(errs, "only a-z") {
		t.Errorf("bad name: %q", errs)
	}

	out, _ = mustRun(t, 0, "keys", "list")
	for _, want := range []string{"NAME", "alice", "k1", "k2", k1.Address} {
		if !strings.Contains(out, want) {
			t.Errorf("keys list lacks %q:\n%s", want, out)
		}
	}
	list := decode[[]keyJSON](t, mustRunOut(t, "keys", "list", "--json"))
	if len(list) != 3 || list[0].Name != "alice" || list[0].Encrypted || !list[1].Encrypted {
		t.Errorf("keys list --json: %+v", list)
	}

	out, _ = mustRun(t, 0, "keys", "show", "k1")
	if !strings.Contains(out, k1.Address) || strings.Contains(out, "secret") {
		t.Errorf("keys show: %s", out)
	}
	// --secret needs the passphrase; a wrong one is refused.
	t.Setenv("DTAOD_PASSPHRASE", "wrong")
	_, errs = mustRun(t, exitFail, "keys", "show", "k1", "--secret")
	if !strings.Contains(errs, "wrong passphrase") {
		t.Errorf("wrong passphrase: %q", errs)
	}
	t.Setenv("DTAOD_PASSPHRASE", "correct horse")
	code, out, errs := runCmd(t, "keys", "show", "k1", "--secret", "--json")
	if code != 0 {
		t.Fatalf("--secret: %d %s %s", code, out, errs)
	}
	seed, err := hex.DecodeString(decode[keyJSON](t, out).Secret)
	if err != nil {
		t.Fatalf("--secret: %v", err)
	}
	if k, err := keys.FromSeed(seed); err != nil || k.Address() != k1.Address {
		t.Errorf("--secret: the seed shown does not remake k1 (%v)", err)
	}
	_, errs = mustRun(t, exitFail, "keys", "show", "nobody")
	if !strings.Contains(errs, "no such key") || !strings.Contains(errs, "keys list") {
		t.Errorf("missing key: %q", errs)
	}
	mustRun(t, exitUsage, "keys", "show")
	mustRun(t, exitUsage, "keys", "frobnicate")
	mustRun(t, exitOK, "keys", "-h")

	// A keystore others can read is refused.
	if err := os.Chmod(ks, 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs = mustRun(t, exitFail, "keys", "list")
	if !strings.Contains(errs, "chmod 600") {
		t.Errorf("0644 keystore: %q", errs)
	}
}

func mustRunOut(t *testing.T, args ...string) string {
	t.Helper()
	out, _ := mustRun(t, 0, args...)
	return out
}

func TestReadCommands(t *testing.T) {
	startChain(t, nil)
	out := mustRunOut(t, "subnets", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "NETUID") || !strings.HasPrefix(lines[1], "1 ") ||
		!strings.Contains(out, "8 subnets at block") {
		t.Errorf("subnets list:\n%s", out)
	}
	sl := decode[struct {
		Block   uint64          `json:"block"`
		Subnets []client.Subnet `json:"subnets"`
	}](t, mustRunOut(t, "subnets", "list", "--json"))
	if len(sl.Subnets) != 8 || sl.Subnets[0].TAOIn.Unit != "tao" || sl.Subnets[7].NetUID != 8 {
		t.Errorf("subnets list --json: %+v", sl)
	}
	out = mustRunOut(t, "subnets", "show", "1")
	for _, want := range []string{"price", "tao_in", "8 neurons", "val1-hk", "UID"} {
		if !strings.Contains(out, want) {
			t.Errorf("subnets show 1 lacks %q:\n%s", want, out)
		}
	}
	_, errs := mustRun(t, exitFail, "subnets", "show", "99")
	if !strings.Contains(errs, "404 NOT_FOUND") {
		t.Errorf("subnets show 99: %q", errs)
	}
	mustRun(t, exitUsage, "subnets", "show", "x")

	out = mustRunOut(t, "quote", "stake", "--netuid", "1", "--amount", "10")
	for _, want := range []string{"amount in", "10.000000000 TAO", "expected out", "alpha:1", "min received", "(tolerance 0.5%)", "limit price"} {
		if !strings.Contains(out, want) {
			t.Errorf("quote lacks %q:\n%s", want, out)
		}
	}
	q := decode[client.Quote](t, mustRunOut(t, "quote", "stake", "--netuid", "1", "--amount", "10", "--tolerance", "1%", "--json"))
	if q.AmountIn.Value != 10_000_000_000 || q.MinReceived.Value >= q.AmountOut.Value || q.MinReceived.Value < q.AmountOut.Value/100*98 {
		t.Errorf("quote --json: %+v", q)
	}
	q = decode[client.Quote](t, mustRunOut(t, "quote", "unstake", "--netuid", "2", "--amount", "1000000000", "--rao", "--out", "--json"))
	if q.AmountOut.Value != 1_000_000_000 || q.AmountIn.Unit != "alpha:2" {
		t.Errorf("exact-out unstake quote: %+v", q)
	}
	out = mustRunOut(t, "quote", "move", "--from-netuid", "1", "--to-netuid", "2", "--amount", "5")
	if !strings.Contains(out, "price(1) / price(2)") {
		t.Errorf("move quote:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"quote", "stake", "--amount", "1"}, exitUsage, "--netuid is required"},
		{[]string{"quote", "stake", "--netuid", "1", "--amount", "-1"}, exitUsage, "must not be negative"},
		{[]string{"quote", "stake", "--netuid", "1", "--amount", "1.0000000001"}, exitUsage, "more than 9 decimal places"},
		{[]string{"quote", "stake", "--netuid", "1", "--amount", "1", "--tolerance", "150%"}, exitUsage, "over 100%"},
		{[]string{"quote", "stake", "--netuid", "99", "--amount", "1"}, exitFail, "SUBNET_NOT_FOUND"},
		{[]string{"quote", "stake", "--netuid", "1", "--amount", "0.0001"}, exitFail, "AMOUNT_TOO_LOW"},
		{[]string{"quote", "buy", "--netuid", "1"}, exitUsage, "unknown kind"},
	} {
		code, _, errs := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.msg) {
			t.Errorf("dtaod %s: exit %d %q, want %d %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.msg)
		}
	}
	// With --json an API error is also a JSON document on stdout.
	code, out, _ := runCmd(t, "quote", "stake", "--netuid", "99", "--amount", "1", "--json")
	if e := decode[map[string]map[string]any](t, out)["error"]; code != exitFail || e["code"] != "SUBNET_NOT_FOUND" {
		t.Errorf("--json error: %s", out)
	}

	// Balances of an address and of a key name.
	alice := keys.DevKey("alice").Address()
	out = mustRunOut(t, "wallet", "balance", alice)
	if !strings.Contains(out, "100000.000000000 TAO") || !strings.Contains(out, "no stake") {
		t.Errorf("wallet balance:\n%s", out)
	}
	mustRun(t, 0, "keys", "new", "alice", "--dev")
	acct := decode[client.Account](t, mustRunOut(t, "wallet", "balance", "--json")) // the only key
	if acct.Address != alice || acct.Free.Value != 100_000*1e9 {
		t.Errorf("wallet balance --json: %+v", acct)
	}
	out = mustRunOut(t, "wallet", "balance", "val1")
	if !strings.Contains(out, "val1-hk") || !strings.Contains(out, "VALUE IF SOLD") {
		t.Errorf("val1's positions:\n%s", out)
	}
	code, _, _ = runCmd(t, "subnets", "list", "--url", "http://127.0.0.1:1")
	if code != exitFail {
		t.Errorf("unreachable server: exit %d", code)
	}
}

// stakeResult is the --json output of a stake command.
type stakeResult struct {
	Quote *client.Quote `json:"quote"`
	Order client.Order  `json:"order"`
}

func TestStakeCommands(t *testing.T) {
	startChain(t, nil)
	mustRun(t, 0, "keys", "new", "alice", "--dev")
	mustRun(t, 0, "keys", "new", "bob", "--dev")
	bob := keys.DevKey("bob").Address()
	nonce := func(who string) uint64 {
		return decode[client.Account](t, mustRunOut(t, "wallet", "balance", who, "--json")).Nonce
	}

	// Declined at the prompt: the quote is shown, nothing is sent.
	setStdin(t, "n\n")
	out, errs := mustRun(t, exitFail, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "10")
	if !strings.Contains(out, "min received") || !strings.Contains(errs, "Proceed? [y/N]") || !strings.Contains(errs, "aborted") {
		t.Errorf("declined: %q %q", out, errs)
	}
	if n := nonce("alice"); n != 0 {
		t.Fatalf("a declined order was sent: nonce %d", n)
	}
	// Accepted at the prompt, with a tolerance: the receipt is within the quote.
	setStdin(t, "y\n")
	out, errs = mustRun(t, 0, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "10", "--tolerance", "1%", "--json")
	r := decode[stakeResult](t, out)
	if r.Quote == nil || !r.Order.Included() || !r.Order.Receipt.OK || r.Order.Receipt.TAO.Value != 10e9 ||
		r.Order.Receipt.Alpha.Value < r.Quote.MinReceived.Value || !strings.Contains(errs, "Proceed?") {
		t.Fatalf("stake add: %+v receipt %+v\n%s", r.Order, r.Order.Receipt, errs)
	}
	var call struct {
		LimitPrice string `json:"limit_price"`
		Partial    bool   `json:"allow_partial"`
	}
	if err := json.Unmarshal(r.Order.Call, &call); err != nil || call.LimitPrice != r.Quote.LimitPrice.String() || call.Partial {
		t.Errorf("the order's limit %+v, the quote's %s", call, r.Quote.LimitPrice)
	}
	// Tables, --yes, --partial.
	out = mustRunOut(t, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "5", "--partial", "--yes")
	for _, want := range []string{"expected out", "partial fills allowed", "ok in block", "alpha:1"} {
		if !strings.Contains(out, want) {
			t.Errorf("stake add table lacks %q:\n%s", want, out)
		}
	}
	mustRun(t, 0, "stake", "remove", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "1", "--yes")
	out = mustRunOut(t, "stake", "swap", "--wallet", "alice", "--hotkey", "val1-hk", "--from-netuid", "1", "--to-netuid", "2", "--amount", "1", "--yes")
	if !strings.Contains(out, "(subnet 1)") || !strings.Contains(out, "(subnet 2)") || !strings.Contains(out, "price(1) / price(2)") {
		t.Errorf("stake swap:\n%s", out)
	}
	out = mustRunOut(t, "stake", "move", "--wallet", "alice", "--from-hotkey", "val1-hk", "--to-hotkey", "val2-hk", "--from-netuid", "1", "--amount", "1", "--yes")
	if !strings.Contains(out, "no swap within one subnet") {
		t.Errorf("move within a subnet:\n%s", out)
	}
	mustRun(t, 0, "stake", "move", "--wallet", "alice", "--from-hotkey", "val2-hk", "--to-hotkey", "val3-hk", "--from-netuid", "1", "--to-netuid", "3", "--amount", "0.5", "--yes")
	mustRun(t, 0, "stake", "transfer", "--wallet", "alice", "--to", "bob", "--hotkey", "val1-hk", "--from-netuid", "1", "--amount", "0.5", "--yes")
	b := decode[client.Account](t, mustRunOut(t, "wallet", "balance", "bob", "--json"))
	if len(b.Positions) != 1 || b.Positions[0].Hotkey != "val1-hk" || b.Positions[0].NetUID != 1 ||
		b.Positions[0].Alpha.Value == 0 || b.Positions[0].Alpha.Value > 500_000_000 { // 0.5 alpha less the fee
		t.Errorf("bob after the transfer: %+v", b)
	}
	if n := nonce("alice"); n != 7 {
		t.Errorf("alice's nonce %d after 7 orders", n)
	}

	// A receipt that failed (more stake than alice has): exit 1 and the code.
	out, _ = mustRun(t, exitFail, "stake", "remove", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "1000", "--yes")
	if !strings.Contains(out, "FAILED") || !strings.Contains(out, "INSUFFICIENT_STAKE") {
		t.Errorf("failed receipt:\n%s", out)
	}
	// Refused by the server (a hotkey that is no address): exit 1, nothing sent.
	_, errs = mustRun(t, exitFail, "stake", "add", "--wallet", "alice", "--hotkey", "not an address!", "--netuid", "1", "--amount", "1", "--yes")
	if !strings.Contains(errs, "VALIDATION_FAILED") {
		t.Errorf("refused: %q", errs)
	}
	// --no-wait: accepted and pending.
	out = mustRunOut(t, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "2", "--amount", "1", "--yes", "--no-wait")
	if !strings.Contains(out, "pending") {
		t.Errorf("--no-wait:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"stake", "add", "--hotkey", "h", "--netuid", "1", "--amount", "1"}, "--wallet is required"},
		{[]string{"stake", "add", "--wallet", "alice", "--netuid", "1", "--amount", "1"}, "--hotkey is required"},
		{[]string{"stake", "add", "--wallet", "alice", "--hotkey", "h", "--netuid", "1", "--amount", "1.5.1"}, "decimal number"},
		{[]string{"stake", "swap", "--wallet", "alice", "--hotkey", "h", "--from-netuid", "1", "--amount", "1"}, "--to-netuid is required"},
		{[]string{"stake", "transfer", "--wallet", "alice", "--hotkey", "h", "--from-netuid", "1", "--amount", "1"}, "--to is required"},
		{[]string{"stake", "add", "--wallet", "alice", "--hotkey", "h", "--netuid", "1", "--amount", "1", "--tolerance", "x"}, "--tolerance"},
		{[]string{"stake", "lend"}, "unknown command"},
	} {
		code, _, errs := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.msg) {
			t.Errorf("dtaod %s: exit %d %q, want 2 and %q", strings.Join(tc.args, " "), code, errs, tc.msg)
		}
	}
	_, errs = mustRun(t, exitFail, "stake", "add", "--wallet", "carol", "--hotkey", "h", "--netuid", "1", "--amount", "1", "--yes")
	if !strings.Contains(errs, "no such key") {
		t.Errorf("unknown wallet: %q", errs)
	}

	// TAO transfers and the faucet.
	before := decode[client.Account](t, mustRunOut(t, "wallet", "balance", "bob", "--json")).Free.Value
	setStdin(t, "yes\n")
	mustRun(t, 0, "wallet", "transfer", "--wallet", "alice", "--to", "bob", "--amount", "5")
	out = mustRunOut(t, "wallet", "faucet", "bob", "--amount", "2.5")
	if !strings.Contains(out, "faucet: 2.500000000 TAO to "+bob) {
		t.Errorf("faucet:\n%s", out)
	}
	after := decode[client.Account](t, mustRunOut(t, "wallet", "balance", bob, "--json")).Free.Value
	if after-before != 7_500_000_000 {
		t.Errorf("bob's free %d -> %d, want +7.5 TAO", before, after)
	}
	_, errs = mustRun(t, exitUsage, "wallet", "faucet", "bob", "--amount", "1", "--admin-token", "")
	if !strings.Contains(errs, "admin token") {
		t.Errorf("faucet without a token: %q", errs)
	}
	_, errs = mustRun(t, exitFail, "wallet", "faucet", "bob", "--amount", "1", "--admin-token", "wrong")
	if !strings.Contains(errs, "UNAUTHORIZED") {
		t.Errorf("faucet with a wrong token: %q", errs)
	}
}

// TestWeightsSet runs `weights set` for a validator whose hotkey is a key of the keystore: the
// dev genesis with val1-hk replaced by the address of the dev key named val1-hk, and no
// weights rate limit (the genesis validators set weights at block 1).
func TestWeightsSet(t *testing.T) {
	hk := keys.DevKey("val1-hk").Address()
	doc := strings.ReplaceAll(string(node.DevGenesis()), "val1-hk", hk)
	doc = strings.Replace(doc, "params:\n", "params:\n  weights_rate_limit: 0\n", 1)
	startChain(t, []byte(doc))
	mustRun(t, 0, "keys", "new", "val1-hk", "--dev")
	out := mustRunOut(t, "weights", "set", "--wallet", "val1-hk", "--netuid", "1", "5=32768", "4=65535")
	if !strings.Contains(out, "ok in block") {
		t.Errorf("weights set:\n%s", out)
	}
	out, _ = mustRun(t, exitFail, "weights", "set", "--wallet", "val1-hk", "--netuid", "1", "4=65535", "99=1", "--json")
	r := decode[stakeResult](t, out)
	if !r.Order.Included() || r.Order.Receipt.OK || r.Order.Receipt.Code == "" {
		t.Errorf("weights for uid 99: %+v", r.Order.Receipt)
	}
	_, errs := mustRun(t, exitUsage, "weights", "set", "--wallet", "val1-hk", "--netuid", "1")
	if !strings.Contains(errs, "no weights") {
		t.Errorf("no weights: %q", errs)
	}
}

// TestStakePending: an order accepted but not in a block by the end of --wait exits 3 and
// says so; with --no-wait it exits 0.
func TestStakePending(t *testing.T) {
	stop := startChain(t, nil)
	mustRun(t, 0, "keys", "new", "alice", "--dev")
	stop() // no more blocks
	out, errs := mustRun(t, exitPending, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "1", "--yes", "--wait", "1s")
	if !strings.Contains(out, "pending") || !strings.Contains(errs, "still pending after 1s") {
		t.Errorf("pending: %q %q", out, errs)
	}
	out, _ = mustRun(t, exitOK, "stake", "add", "--wallet", "alice", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "1", "--yes", "--no-wait", "--json")
	if r := decode[stakeResult](t, out); r.Order.Status != "pending" || r.Order.Seq != 2 {
		t.Errorf("--no-wait: %+v", r.Order)
	}
}
