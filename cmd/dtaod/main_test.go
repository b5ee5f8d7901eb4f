package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current engine")

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestGolden runs the 3-subnet, 10,000-block scenario and compares the output byte for byte with
// the checked-in records. After an intended change to the engine, regenerate with
// `go test ./cmd/dtaod -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	out := golden(t, "../../testdata/golden-3x10k.json", "../../testdata/golden-3x10k.jsonl")
	// The record schedule: every 500 blocks from start_block 1000, and after the last block.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d records, want 20", len(lines))
	}
	codes := map[string]int{}
	for _, l := range lines {
		var r struct {
			Block   uint64 `json:"block"`
			Actions []struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			} `json:"actions"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Actions {
			if !a.OK {
				codes[a.Error]++
			}
		}
	}
	for _, c := range []string{"AMOUNT_TOO_LOW", "INSUFFICIENT_BALANCE", "INSUFFICIENT_STAKE", "INSUFFICIENT_LIQUIDITY", "SLIPPAGE_TOO_HIGH", "SUBNET_NOT_FOUND"} {
		if codes[c] == 0 {
			t.Errorf("the golden scenario never fails with %s; it should exercise every code", c)
		}
	}
}

// golden runs a scenario with the conservation check on and compares its output byte for byte
// with the checked-in records (rewritten with -update).
func golden(t *testing.T, in, want string) string {
	t.Helper()
	code, out, errs := runCmd(t, "backtest", "-check", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if *update {
		if err := os.WriteFile(want, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pinned, err := os.ReadFile(want)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out != string(pinned) {
		ol, gl := strings.Split(out, "\n"), strings.Split(string(pinned), "\n")
		for i := range min(len(ol), len(gl)) {
			if ol[i] != gl[i] {
				t.Fatalf("output differs from %s at line %d:\n got %.400s\nwant %.400s", want, i+1, ol[i], gl[i])
			}
		}
		t.Fatalf("output differs from %s: %d lines, want %d", want, len(ol), len(gl))
	}
	return out
}

// TestGoldenYuma runs 2 subnets of 8 validators and 64 miners for 20 epochs of Yuma consensus
// (scripts/gen_scenarios.py), with weights, bonds, a pruning registration and a subnet
// registration, and pins its output. Regenerate with -update after an intended change.
func TestGoldenYuma(t *testing.T) {
	out := golden(t, "../../testdata/golden-yuma-2x72.json", "../../testdata/golden-yuma-2x72.jsonl")
	modes := map[string]int{}
	codes := map[string]bool{}
	var incentive, withBonds int
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Actions []struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			} `json:"actions"`
			Epochs []struct {
				NetUID  int    `json:"netuid"`
				Mode    string `json:"mode"`
				Neurons []struct {
					IncentiveAlpha uint64      `json:"incentive_alpha"`
					Bonds          [][2]uint16 `json:"bonds"`
				} `json:"neurons"`
			} `json:"epochs"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		for _, a := range r.Actions {
			codes[a.Error] = true
		}
		for _, e := range r.Epochs {
			modes[e.Mode]++
			for _, n := range e.Neurons {
				if n.IncentiveAlpha > 0 {
					incentive++
				}
				if len(n.Bonds) > 0 {
					withBonds++
				}
			}
		}
	}
	if modes["yuma"] != 40 {
		t.Errorf("%d yuma epochs, want 40 (20 on each of 2 subnets): %v", modes["yuma"], modes)
	}
	if incentive == 0 || withBonds == 0 {
		t.Errorf("no miner incentive (%d) or no bonds (%d) in the records", incentive, withBonds)
	}
	for _, c := range []string{"WEIGHTS_RATE_LIMITED", "NO_VALIDATOR_PERMIT", "INVALID_UID", "INVALID_WEIGHTS", "ALREADY_REGISTERED", "INSUFFICIENT_BALANCE"} {
		if !codes[c] {
			t.Errorf("the Yuma golden scenario never fails with %s", c)
		}
	}
}

// TestDeterministic: the same file gives byte-identical output on every run, in JSON and YAML.
func TestDeterministic(t *testing.T) {
	for _, f := range []string{"../../examples/basic.yaml", "../../testdata/golden-3x10k.json", "../../testdata/golden-yuma-2x72.json"} {
		_, a, _ := runCmd(t, "backtest", f)
		_, b, _ := runCmd(t, "backtest", f)
		if a == "" || a != b {
			t.Fatalf("%s: two runs differ (or are empty)", f)
		}
	}
}

func TestBadInputExitsTwoWithNoOutput(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, body, want string }{
		{"negative", `{"version":1,"blocks":10,"state":{"total_issuance":-5}}`, "state.total_issuance"},
		{"fraction", `{"version":1,"blocks":10,"state":{"root_tao":"1.5"}}`, "state.root_tao"},
		{"over u64", `{"version":1,"blocks":10,"state":{"balances":[{"coldkey":"a","free":"18446744073709551616"}]}}`, "state.balances[0].free"},
		{"unknown field", `{"version":1,"blocks":10,"recrod":{}}`, "recrod"},
		{"unimplemented rule", `{"version":1,"blocks":10,"params":{"emission_share":"flow"}}`, "params.emission_share"},
		{"version", `{"version":2,"blocks":10}`, "version"},
		{"yaml", "version: 1\nblocks: 10\nactions:\n  - {block: 99, type: add_stake, coldkey: a, hotkey: h, netuid: 1, amount: 5}\n", "actions[0].block"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			if strings.HasPrefix(c.name, "yaml") {
				f = strings.TrimSuffix(f, ".json") + ".yaml"
			}
			if err := os.WriteFile(f, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCmd(t, "backtest", f)
			if code != 2 || out != "" || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2, no output, an error naming %s", code, out, errs, c.want)
			}
		})
	}
	if code, _, _ := runCmd(t, "backtest", filepath.Join(dir, "missing.json")); code != 2 {
		t.Fatalf("a missing file exits %d, want 2", code)
	}
	if code, _, _ := runCmd(t, "backtest"); code != 2 {
		t.Fatalf("no file exits %d, want 2", code)
	}
}

func TestHelpDocumentsEveryField(t *testing.T) {
	code, out, _ := runCmd(t, "backtest", "-h")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"version", "name", "seed", "start_block", "blocks", "every", "accounts",
		"block_emission", "total_supply", "halving", "emission_share", "tao_weight", "moving_price_alpha",
		"moving_price_halving_blocks", "owner_cut", "staking_fee", "min_stake", "min_pool_liquidity", "default_tempo",
		"validator_take", "regimes", "from_block", "total_issuance", "root_tao", "subnets", "tao_in", "alpha_in",
		"alpha_out", "moving_price", "tempo", "registration_allowed", "owner_coldkey", "owner_hotkey", "balances",
		"stakes", "neurons", "add_stake", "remove_stake", "move_stake", "transfer_stake", "swap_stake", "set_params",
		"limit_price", "allow_partial", "examples/basic.yaml", "-out", "-format"} {
		if !strings.Contains(out, f) {
			t.Errorf("dtaod backtest -h does not mention %s", f)
		}
	}
}

func TestCSVOutput(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCmd(t, "backtest", "-out", dir, "-format", "csv", "../../examples/basic.yaml")
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	rows := func(name string) [][]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if n := len(rows("network.csv")); n != 11 { // header + 10 records (every 720 of 7200)
		t.Errorf("network.csv has %d rows, want 11", n)
	}
	for _, s := range []string{"subnet_1.csv", "subnet_2.csv", "subnet_3.csv"} {
		if r := rows(s); len(r) != 11 || r[0][0] != "block" || r[1][0] != "720" {
			t.Errorf("%s: %d rows, first %v", s, len(r), r[min(1, len(r)-1)])
		}
	}
	if n := len(rows("actions.csv")); n != 10 { // header + 9 actions
		t.Errorf("actions.csv has %d rows, want 10", n)
	}
	// JSONL to a directory gives the same records as stdout.
	_, want, _ := runCmd(t, "backtest", "../../examples/basic.yaml")
	if code, _, errs := runCmd(t, "backtest", "-out", dir, "../../examples/basic.yaml"); code != 0 {
		t.Fatal(errs)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "records.jsonl"))
	if string(got) != want {
		t.Error("-out DIR records.jsonl differs from stdout")
	}
}
