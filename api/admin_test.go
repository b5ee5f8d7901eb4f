package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// adminCase is one admin request and the answer it must get.
type adminCase struct {
	name, token, body string
	code              int
	errCode, field    string
}

// checkRefusals posts every case to path and checks status, code and the field named; a refused
// request must add nothing to the mempool.
func checkRefusals(t *testing.T, e *env, path string, cases []adminCase) {
	t.Helper()
	for _, c := range cases {
		before, _ := e.st.PendingCount(context.Background())
		code, _, m, body := do(t, "POST", e.srv.URL+path, c.token, c.body)
		if code != c.code || (c.errCode != "" && m["code"] != c.errCode) {
			t.Errorf("%s: %d %s, want %d %s", c.name, code, body, c.code, c.errCode)
			continue
		}
		if c.field != "" && !namesField(m, c.field) {
			t.Errorf("%s: errors do not name %s: %s", c.name, c.field, body)
		}
		if after, _ := e.st.PendingCount(context.Background()); after != before {
			t.Errorf("%s: a refused request changed the mempool (%d -> %d)", c.name, before, after)
		}
	}
}

// includedAt follows an accepted entry's Location until a block includes it and returns its
// status document.
func includedAt(t *testing.T, e *env, loc string) map[string]any {
	t.Helper()
	var m map[string]any
	waitUntil(t, "inclusion of "+loc, func() bool {
		_, _, m, _ = do(t, "GET", e.srv.URL+loc, "", "")
		return m["status"] == "included"
	})
	return m
}

// accept posts an admin request that must be accepted and returns its Location.
func accept(t *testing.T, e *env, path, body string) string {
	t.Helper()
	code, h, m, raw := do(t, "POST", e.srv.URL+path, "secret", body)
	if code != 202 || m["status"] != "pending" || m["seq"] == nil || m["block"] == nil {
		t.Fatalf("POST %s %s: %d %s", path, body, code, raw)
	}
	loc := h.Get("Location")
	if want := "/v1/orders/" + strconv.FormatFloat(m["seq"].(float64), 'f', -1, 64); loc != want {
		t.Fatalf("Location %q, want %q", loc, want)
	}
	return loc
}

// chainParams reads GET /v1/chain's params back into dtaod.Params.
func chainParams(t *testing.T, e *env) dtaod.Params {
	t.Helper()
	m := e.get(t, "/v1/chain", 200)
	raw, err := json.Marshal(m["params"])
	if err != nil {
		t.Fatal(err)
	}
	p, err := scenario.ParseParams(raw)
	if err != nil {
		t.Fatalf("GET /v1/chain params %s: %v", raw, err)
	}
	return p
}

// TestAdminParams: POST /v1/admin/params refuses bad tokens and bad params naming the field,
// accepts a change as a mempool entry shown by GET /v1/orders/{seq}, and after the next block
// GET /v1/chain shows the new params and the next order pays the new staking fee. On the memory
// store and on PostgreSQL.
func TestAdminParams(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{token: "secret"})
		checkRefusals(t, e, "/v1/admin/params", []adminCase{
			{"no token", "", `{"params":{"staking_fee":"1"}}`, 401, "UNAUTHORIZED", ""},
			{"wrong token", "nope", `{"params":{"staking_fee":"1"}}`, 401, "UNAUTHORIZED", ""},
			{"unknown param", "secret", `{"params":{"stakin_fee":"1"}}`, 422, "VALIDATION_FAILED", "params.stakin_fee"},
			{"fraction above 1", "secret", `{"params":{"tao_weight":"1.5"}}`, 422, "VALIDATION_FAILED", "params.tao_weight"},
			{"fraction as a number", "secret", `{"params":{"tao_weight":0.5}}`, 422, "VALIDATION_FAILED", "params.tao_weight"},
			{"amount as a number", "secret", `{"params":{"staking_fee":100000}}`, 422, "VALIDATION_FAILED", "params.staking_fee"},
			{"negative amount", "secret", `{"params":{"min_stake":"-1"}}`, 422, "VALIDATION_FAILED", "params.min_stake"},
			{"integer as a string", "secret", `{"params":{"default_tempo":"10"}}`, 422, "VALIDATION_FAILED", "params.default_tempo"},
			{"tempo out of range", "secret", `{"params":{"default_tempo":70000}}`, 422, "VALIDATION_FAILED", "params.default_tempo"},
			{"interval 0", "secret", `{"params":{"network_lock_reduction_interval":0}}`, 422, "VALIDATION_FAILED", "params.network_lock_reduction_interval"},
			{"unknown rule", "secret", `{"params":{"emission_share":"flow"}}`, 422, "VALIDATION_FAILED", "params.emission_share"},
			{"name as a number", "secret", `{"params":{"halving":1}}`, 422, "VALIDATION_FAILED", "params.halving"},
			{"no params named", "secret", `{"params":{}}`, 422, "VALIDATION_FAILED", "params"},
			{"params missing", "secret", `{}`, 422, "VALIDATION_FAILED", "params"},
			{"params not an object", "secret", `{"params":[1]}`, 422, "VALIDATION_FAILED", "params"},
			{"type given", "secret", `{"type":"set_params","params":{"staking_fee":"1"}}`, 422, "VALIDATION_FAILED", "type"},
			{"unknown field", "secret", `{"params":{"staking_fee":"1"},"at":5}`, 422, "VALIDATION_FAILED", "at"},
			{"not an object", "secret", `[1]`, 422, "VALIDATION_FAILED", ""},
			{"malformed", "secret", `{"params":`, 400, "VALIDATION_FAILED", ""},
			{"too large", "secret", `{"params":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`, 413, "BODY_TOO_LARGE", ""},
		})
		if p := chainParams(t, e); p.StakingFee != 50_000 || p != e.n.View().Params {
			t.Fatalf("params before the change: %+v", p)
		}

		loc := accept(t, e, "/v1/admin/params", `{"params":{"staking_fee":"123456","tao_weight":"0.2","default_tempo":30}}`)
		m := includedAt(t, e, loc)
		rc, _ := m["receipt"].(map[string]any)
		call, _ := m["call"].(map[string]any)
		if rc == nil || rc["ok"] != true || amount(t, rc["fee"]) != "0" || call["type"] != "set_params" || m["signer"] != nil {
			t.Fatalf("set_params status: %v", m)
		}
		if ps := call["params"].(map[string]any); ps["staking_fee"] != "123456" || ps["tao_weight"] != "0.200000000000000000" || ps["default_tempo"] != 30.0 || len(ps) != 3 {
			t.Fatalf("stored params %v", ps)
		}
		p := chainParams(t, e)
		want := dtaod.DefaultParams()
		want.StakingFee, want.TAOWeight, want.DefaultTempo = 123_456, 200_000_000_000_000_000, 30
		if p != want {
			t.Fatalf("params after the change:\n%+v\nwant\n%+v", p, want)
		}

		// The next order pays the new fee.
		loc = accept(t, e, "/v1/admin/orders", `{"type":"add_stake","coldkey":"`+node.DevAccount("bob")+`","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`)
		rc, _ = includedAt(t, e, loc)["receipt"].(map[string]any)
		if rc == nil || rc["ok"] != true || amount(t, rc["fee"]) != "123456" {
			t.Fatalf("the next order's receipt: %v", rc)
		}
	})
}

// TestAdminFaucet: POST /v1/admin/faucet refuses bad tokens, addresses and amounts naming the
// field; an accepted mint credits the address in the next block, grows the total issuance by
// exactly the amount (beyond the block's emission) and is journalled with reason faucet. On the
// memory store and on PostgreSQL.
func TestAdminFaucet(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{token: "secret"})
		erin := keys.DevKey("erin").Address() // a key the dev genesis does not fund
		good := func(amount string) string { return `{"address":"` + erin + `","amount":"` + amount + `"}` }
		checkRefusals(t, e, "/v1/admin/faucet", []adminCase{
			{"no token", "", good("1"), 401, "UNAUTHORIZED", ""},
			{"wrong token", "nope", good("1"), 401, "UNAUTHORIZED", ""},
			{"account name", "secret", `{"address":"alice","amount":"1"}`, 422, "VALIDATION_FAILED", "address"},
			{"bad checksum", "secret", `{"address":"` + erin[:47] + "x" + `","amount":"1"}`, 422, "VALIDATION_FAILED", "address"},
			{"other prefix", "secret", `{"address":"` + keys.EncodeSS58(keys.DevKey("erin").Public(), 0) + `","amount":"1"}`, 422, "VALIDATION_FAILED", "address"},
			{"address a number", "secret", `{"address":5,"amount":"1"}`, 422, "VALIDATION_FAILED", "address"},
			{"address missing", "secret", `{"amount":"1"}`, 422, "VALIDATION_FAILED", "address"},
			{"zero", "secret", good("0"), 422, "VALIDATION_FAILED", "amount"},
			{"over the cap", "secret", good(strconv.FormatUint(MaxFaucet+1, 10)), 422, "VALIDATION_FAILED", "amount"},
			{"amount a number", "secret", `{"address":"` + erin + `","amount":5}`, 422, "VALIDATION_FAILED", "amount"},
			{"amount decimal", "secret", good("1.5"), 422, "VALIDATION_FAILED", "amount"},
			{"amount missing", "secret", `{"address":"` + erin + `"}`, 422, "VALIDATION_FAILED", "amount"},
			{"unknown field", "secret", `{"address":"` + erin + `","amount":"1","memo":"x"}`, 422, "VALIDATION_FAILED", "memo"},
			{"malformed", "secret", `{"address":`, 400, "VALIDATION_FAILED", ""},
		})

		// The cap itself is accepted; then a second mint, alone in its block, is checked in detail.
		const mint = 10 * dtaod.RaoPerTAO
		includedAt(t, e, accept(t, e, "/v1/admin/faucet", good(strconv.FormatUint(MaxFaucet, 10))))
		m := includedAt(t, e, accept(t, e, "/v1/admin/faucet", good(strconv.FormatUint(mint, 10))))
		rc, _ := m["receipt"].(map[string]any)
		call, _ := m["call"].(map[string]any)
		if rc == nil || rc["ok"] != true || call["type"] != "faucet" || call["coldkey"] != erin || call["amount"] != "10000000000" {
			t.Fatalf("faucet status: %v", m)
		}
		acct := e.get(t, "/v1/accounts/"+erin, 200)
		if got := amount(t, acct["free"]); got != strconv.FormatUint(MaxFaucet+mint, 10) {
			t.Fatalf("erin's balance %s, want %d", got, MaxFaucet+mint)
		}
		// The issuance grows by the block's emission and exactly what the faucet minted in it.
		h := uint64(m["included_block"].(float64))
		hd := dtaod.Block(h)
		ctx := context.Background()
		cur, err := e.st.Header(ctx, hd)
		if err != nil {
			t.Fatal(err)
		}
		prevIssuance := dtaod.TAO(0)
		if h > 1 {
			prev, err := e.st.Header(ctx, hd-1)
			if err != nil {
				t.Fatal(err)
			}
			prevIssuance = prev.TotalIssuance
		} else {
			g, _ := e.n.Genesis().State()
			prevIssuance = g.TotalIssuance
		}
		ledger, err := e.st.Ledger(ctx, hd)
		if err != nil {
			t.Fatal(err)
		}
		// Every TAO minted is a ledger entry from issuance: the coinbase's and the faucet's.
		var faucet, minted dtaod.TAO
		for _, le := range ledger {
			if le.Unit == pools.UnitTAO && le.From == pools.AccountIssuance {
				minted += dtaod.TAO(le.Amount)
			}
			if le.Reason == pools.ReasonFaucet {
				if le.To != pools.AccountFree(erin) || le.From != pools.AccountIssuance || le.Coldkey != erin || le.Unit != pools.UnitTAO {
					t.Fatalf("faucet ledger entry %+v", le.Entry)
				}
				faucet += dtaod.TAO(le.Amount)
			}
		}
		if faucet != mint {
			t.Fatalf("block %d: faucet entries mint %d, want %d", h, faucet, mint)
		}
		if cur.TotalIssuance-prevIssuance != minted || minted-faucet > cur.Emission {
			t.Fatalf("block %d: issuance %d -> %d, minted %d (faucet %d, emission %d)", h, prevIssuance, cur.TotalIssuance, minted, faucet, cur.Emission)
		}
		// The block GET /v1/blocks/{h} shows agrees.
		b := e.get(t, "/v1/blocks/"+strconv.FormatUint(h, 10), 200)
		if amount(t, b["total_issuance"]) != u64s(uint64(cur.TotalIssuance)) {
			t.Fatalf("block %d: %v", h, b)
		}
	})
}

// TestFaucetOnlyOnTheDevGenesis: a chain on any other genesis (here the dev genesis's content in
// another document) has no faucet, and GET /v1/chain says so.
func TestFaucetOnlyOnTheDevGenesis(t *testing.T) {
	e := start(t, newMem(), options{token: "secret", genesis: append(node.DevGenesis(), "\n# a custom genesis\n"...)})
	body := `{"address":"` + node.DevAccount("alice") + `","amount":"1"}`
	if code, _, m, raw := do(t, "POST", e.srv.URL+"/v1/admin/faucet", "secret", body); code != 404 || m["code"] != "NOT_FOUND" {
		t.Fatalf("faucet on a custom genesis: %d %s", code, raw)
	}
	if m := e.get(t, "/v1/chain", 200); m["dev"] != false || m["faucet"] != false {
		t.Fatalf("GET /v1/chain on a custom genesis: %v", m)
	}
	// Without an admin token there is no admin endpoint at all, even on the dev genesis.
	d := start(t, newMem(), options{})
	if code, _, _, _ := do(t, "POST", d.srv.URL+"/v1/admin/faucet", "secret", body); code != 404 {
		t.Fatalf("faucet without admin endpoints: %d", code)
	}
	if code, _, _, _ := do(t, "POST", d.srv.URL+"/v1/admin/params", "secret", `{"params":{"staking_fee":"1"}}`); code != 404 {
		t.Fatalf("params without admin endpoints: %d", code)
	}
	if m := d.get(t, "/v1/chain", 200); m["dev"] != true || m["faucet"] != false {
		t.Fatalf("GET /v1/chain without admin endpoints: %v", m)
	}
}

// TestChainInfo: GET /v1/chain names the chain, its genesis, address prefix, block time and the
// params in effect.
func TestChainInfo(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{token: "secret", blockTime: 25 * time.Millisecond, blocks: 2})
		m := e.get(t, "/v1/chain", 200)
		g := e.n.Genesis()
		if m["block"] != float64(e.n.View().Header.Height) || m["chain_id"] != "test" || m["genesis_hash"] != hexOf(g.Hash) || m["ss58_prefix"] != 42.0 ||
			m["dev"] != true || m["faucet"] != true || m["block_time_ms"] != 25.0 {
			t.Fatalf("GET /v1/chain: %v", m)
		}
		if p := chainParams(t, e); p != g.Scenario.Params || p.DefaultTempo != 20 {
			t.Fatalf("params %+v, genesis %+v", p, g.Scenario.Params)
		}
		if ps := m["params"].(map[string]any); len(ps) != len(scenario.ParamList()) || ps["staking_fee"] != "50000" || ps["halving"] != "issuance" {
			t.Fatalf("params %v", ps)
		}
	})
}
