package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dtaod/dtaod/client"
)

// TestClientEndToEnd is the client's end-to-end test on the real binary: `dtaod serve` in
// memory on the dev genesis, then the client commands as a user runs them: make a key, fund it
// from the dev faucet, quote, stake with a tolerance and wait for the receipt, and check the
// balance: the alpha received is at least the quote's minimum and the free balance dropped by
// exactly the amount staked.
func TestClientEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the end-to-end test")
	}
	bin := buildBinary(t)
	// -database-url= forces the in-memory dev chain even if DTAOD_DATABASE_URL is set.
	s := startServer(t, bin, "-database-url=", "-block-time", "200ms", "-admin-token", e2eToken)
	env := append(os.Environ(),
		"DTAOD_URL=http://"+s.addr,
		"DTAOD_KEYSTORE="+filepath.Join(t.TempDir(), "keys.json"),
		"DTAOD_PASSPHRASE=e2e passphrase",
		"DTAOD_ADMIN_TOKEN=",
	)
	dtaod := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errs
		if err := cmd.Run(); err != nil {
			t.Fatalf("dtaod %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errs.String())
		}
		return out.String()
	}
	parse := func(out string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, out)
		}
	}

	var key keyJSON
	parse(dtaod("keys", "new", "staker", "--json"), &key)
	if !key.Encrypted {
		t.Fatalf("the key is not encrypted: %+v", key)
	}
	const funded, staked = 100_000_000_000, 10_000_000_000 // 100 TAO from the faucet, 10 staked
	var faucet struct{ Order client.Order }
	parse(dtaod("wallet", "faucet", "staker", "--amount", "100", "--admin-token", e2eToken, "--json"), &faucet)
	if !faucet.Order.Included() || !faucet.Order.Receipt.OK {
		t.Fatalf("faucet: %+v", faucet.Order)
	}
	var before client.Account
	parse(dtaod("wallet", "balance", "staker", "--json"), &before)
	if before.Address != key.Address || before.Free.Value != funded || len(before.Positions) != 0 {
		t.Fatalf("funded account: %+v", before)
	}

	var quote client.Quote
	parse(dtaod("quote", "stake", "--netuid", "1", "--amount", "10", "--tolerance", "1%", "--json"), &quote)
	if quote.AmountIn.Value != staked || quote.MinReceived.Value == 0 || quote.MinReceived.Value >= quote.AmountOut.Value {
		t.Fatalf("quote: %+v", quote)
	}

	var res stakeResult
	parse(dtaod("stake", "add", "--wallet", "staker", "--hotkey", "val1-hk", "--netuid", "1", "--amount", "10",
		"--tolerance", "1%", "--yes", "--json"), &res)
	r := res.Order.Receipt
	if res.Quote == nil || !res.Order.Included() || !r.OK || r.TAO.Value != staked || r.Alpha.Unit != "alpha:1" {
		t.Fatalf("stake add: %+v receipt %+v", res.Order, r)
	}
	if r.Alpha.Value < res.Quote.MinReceived.Value {
		t.Fatalf("received %s, below the quote's minimum %s", r.Alpha, res.Quote.MinReceived)
	}

	var after client.Account
	parse(dtaod("wallet", "balance", "staker", "--json"), &after)
	if after.Free.Value != before.Free.Value-staked {
		t.Errorf("free %s -> %s: dropped by %d rao, want exactly %d", before.Free, after.Free, before.Free.Value-after.Free.Value, staked)
	}
	if len(after.Positions) != 1 || after.Positions[0].Hotkey != "val1-hk" || after.Positions[0].NetUID != 1 ||
		after.Positions[0].Alpha.Value < r.Alpha.Value {
		t.Fatalf("positions: %+v (received %s)", after.Positions, r.Alpha)
	}
	t.Logf("staked %s for %s (quote: expected %s, minimum %s; standalone quote minimum %s); position %s",
		r.TAO, r.Alpha, res.Quote.AmountOut, res.Quote.MinReceived, quote.MinReceived, after.Positions[0].Alpha)
}
