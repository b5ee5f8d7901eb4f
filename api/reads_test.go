package api

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// readOrders are included in block 1 of the read tests' chain.
var readOrders = []pools.Order{
	{Kind: pools.AddStake, Coldkey: node.DevAccount("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 100 * dtaod.RaoPerTAO},
	{Kind: pools.AddStake, Coldkey: node.DevAccount("alice"), Hotkey: "val2-hk", NetUID: 0, Amount: 10 * dtaod.RaoPerTAO},
	{Kind: pools.MoveStake, Coldkey: "val2", FromHotkey: "val2-hk", ToHotkey: "val3-hk", FromNetUID: 4, ToNetUID: 5, Amount: 500 * dtaod.RaoPerTAO},
	{Kind: pools.AddStake, Coldkey: node.DevAccount("dave"), Hotkey: "val1-hk", NetUID: 1, Amount: 1e15}, // INSUFFICIENT_BALANCE
	{Kind: pools.RemoveStake, Coldkey: "val1", Hotkey: "val1-hk", NetUID: 2, Amount: 1000 * dtaod.RaoPerTAO},
	{Kind: pools.AddStake, Coldkey: node.DevAccount("charlie"), Hotkey: "val1-hk", NetUID: 0, Amount: 550_000}, // a root position too small to sell
}

const readBlocks = 6

// TestReads: every read endpoint, its answers checked against the node's state, and its bad
// inputs with status and code. On the memory store and on PostgreSQL.
func TestReads(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blocks: readBlocks, orders: readOrders})
		v := e.n.View()
		snap := v.Snapshot
		top := float64(v.Header.Height)
		hdr1, err := e.n.BlockHeader(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}

		type check func(t *testing.T, m map[string]any)
		cases := []struct {
			path   string
			status int
			code   string // problem code, for errors
			field  string // a field the problem's errors must name
			check  check
		}{
			{"/v1/blocks/latest", 200, "", "", func(t *testing.T, m map[string]any) {
				if m["height"] != top || m["block"] != top || m["state_hash"] != hexOf(v.Header.StateHash) ||
					amount(t, m["total_issuance"]) != u64s(uint64(snap.Globals.TotalIssuance)) || m["produced_at"] == nil {
					t.Fatalf("latest: %v", m)
				}
			}},
			{"/v1/blocks/1", 200, "", "", func(t *testing.T, m map[string]any) {
				if m["height"] != 1.0 || m["block"] != top || m["parent_hash"] != hexOf(e.n.Genesis().Hash) ||
					m["state_hash"] != hexOf(hdr1.StateHash) || m["orders"] != float64(len(readOrders)) || amount(t, m["emission"]) != "1000000000" {
					t.Fatalf("block 1: %v", m)
				}
			}},
			{"/v1/blocks/0", 404, "NOT_FOUND", "", nil},
			{"/v1/blocks/" + strconv.Itoa(int(top)+1), 404, "NOT_FOUND", "", nil},
			{"/v1/blocks/abc", 422, "VALIDATION_FAILED", "height", nil},
			{"/v1/blocks/-1", 422, "VALIDATION_FAILED", "height", nil},
			{"/v1/blocks/18446744073709551616", 422, "VALIDATION_FAILED", "height", nil},
			{"/v1/blocks", 200, "", "", func(t *testing.T, m map[string]any) {
				items := m["items"].([]any)
				if len(items) != int(top) || items[0].(map[string]any)["height"] != top || m["next_cursor"] != nil {
					t.Fatalf("blocks: %v", m)
				}
			}},
			{"/v1/subnets", 200, "", "", func(t *testing.T, m map[string]any) {
				items := m["items"].([]any)
				if len(items) != len(snap.Subnets) || m["block"] != top {
					t.Fatalf("subnets: %v", m)
				}
				for i, it := range items {
					checkSubnet(t, it.(map[string]any), &snap.Subnets[i], v.Header.Emission, true)
				}
			}},
			{"/v1/subnets/3", 200, "", "", func(t *testing.T, m map[string]any) {
				if m["block"] != top {
					t.Fatalf("subnet 3: %v", m)
				}
				checkSubnet(t, m, &snap.Subnets[2], v.Header.Emission, true)
			}},
			{"/v1/subnets/99", 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/0", 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/x", 422, "VALIDATION_FAILED", "netuid", nil},
			{"/v1/subnets/65536", 422, "VALIDATION_FAILED", "netuid", nil},
			{"/v1/subnets/1?block=1", 200, "", "", func(t *testing.T, m map[string]any) {
				snaps, err := e.n.PoolSnapshots(context.Background(), 1)
				if err != nil {
					t.Fatal(err)
				}
				p := snaps[0]
				if m["block"] != 1.0 || m["netuid"] != 1.0 || amount(t, m["tao_in"]) != u64s(uint64(p.TAOIn)) ||
					amount(t, m["alpha_in"]) != u64s(uint64(p.AlphaIn)) || m["price"] != p.Price.String() ||
					m["moving_price"] != p.MovingPrice.String() || amount(t, m["volume"]) != volume(p.VolumeHi, p.VolumeLo) {
					t.Fatalf("subnet 1 at block 1: %v", m)
				}
				for _, f := range []string{"tempo", "owner_coldkey", "owner_hotkey", "registration_allowed", "neurons"} {
					if _, ok := m[f]; ok {
						t.Fatalf("a past pool carries the current-only field %s: %v", f, m)
					}
				}
			}},
			{"/v1/subnets/1?block=" + strconv.Itoa(int(top)+1), 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/1?block=0", 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/99?block=1", 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/1?block=abc", 422, "VALIDATION_FAILED", "block", nil},
			{"/v1/subnets/1/neurons", 200, "", "", func(t *testing.T, m map[string]any) {
				items := m["items"].([]any)
				if len(items) != 8 || m["next_cursor"] != nil || m["block"] != top {
					t.Fatalf("neurons: %v", m)
				}
				for i, it := range items {
					checkNeuron(t, it.(map[string]any), &snap.Neurons[i], snap)
				}
			}},
			{"/v1/subnets/99/neurons", 404, "NOT_FOUND", "", nil},
			{"/v1/subnets/1/neurons?limit=0", 422, "VALIDATION_FAILED", "limit", nil},
			{"/v1/accounts/val1", 200, "", "", func(t *testing.T, m map[string]any) {
				checkAccount(t, m, "val1", snap, &v.Params, 9)
			}},
			{"/v1/accounts/" + node.DevAccount("alice"), 200, "", "", func(t *testing.T, m map[string]any) {
				checkAccount(t, m, node.DevAccount("alice"), snap, &v.Params, 2)
			}},
			{"/v1/accounts/" + node.DevAccount("charlie"), 200, "", "", func(t *testing.T, m map[string]any) {
				ps := checkAccount(t, m, node.DevAccount("charlie"), snap, &v.Params, 1)
				if ps[0]["value_if_sold_reason"] != "AMOUNT_TOO_LOW" || amount(t, ps[0]["value_if_sold"]) != "0" {
					t.Fatalf("a root position below min_stake sells: %v", ps[0])
				}
			}},
			{"/v1/accounts/nobody", 200, "", "", func(t *testing.T, m map[string]any) {
				checkAccount(t, m, "nobody", snap, &v.Params, 0)
			}},
			{"/v1/accounts/bad%20address", 422, "VALIDATION_FAILED", "address", nil},
			{"/v1/accounts/" + strings.Repeat("a", 129), 422, "VALIDATION_FAILED", "address", nil},
			{"/v1/orders/1", 200, "", "", func(t *testing.T, m map[string]any) {
				rc := m["receipt"].(map[string]any)
				if m["status"] != "included" || m["included_block"] != 1.0 || m["index"] != 0.0 || m["block"] != top ||
					rc["ok"] != true || amount(t, rc["tao"]) != "100000000000" || rc["alpha"].(map[string]any)["unit"] != "alpha:1" ||
					amount(t, rc["fee"]) != u64s(uint64(v.Params.StakingFee)) || m["signer"] != nil || m["nonce"] != nil {
					t.Fatalf("order 1: %v", m)
				}
			}},
			{"/v1/orders/3", 200, "", "", func(t *testing.T, m map[string]any) {
				rc := m["receipt"].(map[string]any)
				if rc["ok"] != true || rc["alpha"].(map[string]any)["unit"] != "alpha:5" {
					t.Fatalf("a move's receipt counts the destination's alpha: %v", m)
				}
			}},
			{"/v1/orders/4", 200, "", "", func(t *testing.T, m map[string]any) {
				rc := m["receipt"].(map[string]any)
				if rc["ok"] != false || rc["code"] != "INSUFFICIENT_BALANCE" || rc["message"] == "" {
					t.Fatalf("failed order: %v", m)
				}
			}},
			{"/v1/orders/99999", 404, "NOT_FOUND", "", nil},
			{"/v1/orders/abc", 422, "VALIDATION_FAILED", "seq", nil},
			{"/v1/orders/0", 422, "VALIDATION_FAILED", "seq", nil},
			{"/v1/nothing", 404, "NOT_FOUND", "", nil},
		}
		for _, c := range cases {
			t.Run(strings.TrimPrefix(c.path, "/v1/"), func(t *testing.T) {
				code, h, m, body := do(t, "GET", e.srv.URL+c.path, "", "")
				if code != c.status {
					t.Fatalf("%d, want %d: %s", code, c.status, body)
				}
				if h.Get("X-RateLimit-Limit") == "" {
					t.Fatal("no X-RateLimit-Limit")
				}
				if c.status != 200 {
					if m["code"] != c.code || h.Get("Content-Type") != "application/problem+json" || m["status"] != float64(c.status) {
						t.Fatalf("problem: %s", body)
					}
					if c.field != "" && !namesField(m, c.field) {
						t.Fatalf("the problem does not name %s: %s", c.field, body)
					}
					return
				}
				if h.Get("Content-Type") != "application/json" {
					t.Fatalf("content type %q", h.Get("Content-Type"))
				}
				c.check(t, m)
			})
		}
	})
}

func checkSubnet(t *testing.T, m map[string]any, r *pools.SubnetRow, blockEmission dtaod.TAO, current bool) {
	t.Helper()
	n := r.NetUID
	price := amm.Pool{TAO: r.TAOIn, Alpha: r.AlphaIn}.SpotPrice()
	unit := fmt.Sprintf("alpha:%d", n)
	if m["netuid"] != float64(n) || m["symbol"] != symbolOf(n) || m["name"] != "" ||
		amount(t, m["tao_in"]) != u64s(uint64(r.TAOIn)) || amount(t, m["alpha_in"]) != u64s(uint64(r.AlphaIn)) ||
		m["alpha_in"].(map[string]any)["unit"] != unit || amount(t, m["alpha_out"]) != u64s(uint64(r.AlphaOut)) ||
		m["price"] != price.String() || m["moving_price"] != r.MovingPrice.String() ||
		amount(t, m["tao_in_emission"]) != u64s(uint64(r.LastTAOInEmission)) ||
		amount(t, m["alpha_in_emission"]) != u64s(uint64(r.LastAlphaInEmission)) ||
		amount(t, m["alpha_out_emission"]) != u64s(uint64(r.LastAlphaOutEmission)) ||
		amount(t, m["volume"]) != volume(r.VolumeHi, r.VolumeLo) || m["emission_share"] != ratio(uint64(r.LastTAOInEmission), uint64(blockEmission)) {
		t.Fatalf("subnet %d: %v", n, m)
	}
	// market_cap = floor(price x (alpha_in + alpha_out)), by big-number arithmetic here.
	p := price.Scaled()
	want := p.ToBig()
	want.Mul(want, new(big.Int).SetUint64(uint64(r.AlphaIn)+uint64(r.AlphaOut)))
	want.Quo(want, new(big.Int).SetUint64(dtaod.FixedOne))
	if amount(t, m["market_cap"]) != want.String() {
		t.Fatalf("subnet %d market cap %s, want %s", n, amount(t, m["market_cap"]), want)
	}
	if current && (m["tempo"] != float64(r.Tempo) || m["owner_coldkey"] != r.OwnerColdkey || m["owner_hotkey"] != r.OwnerHotkey ||
		m["registration_allowed"] != r.RegistrationAllowed || m["neurons"] != 8.0) {
		t.Fatalf("subnet %d current fields: %v", n, m)
	}
}

func checkNeuron(t *testing.T, m map[string]any, nr *pools.NeuronRow, snap *pools.Snapshot) {
	t.Helper()
	stake, _ := poolValue(snap, nr.NetUID, nr.Hotkey)
	if m["uid"] != float64(nr.UID) || m["hotkey"] != nr.Hotkey || m["coldkey"] != nr.Coldkey ||
		m["registered_at"] != float64(nr.RegisteredAt) || m["last_update"] != float64(nr.LastUpdate) ||
		m["validator_permit"] != nr.ValidatorPermit || amount(t, m["stake"]) != u64s(stake) ||
		m["rank"] != u16Ratio(nr.Rank) || m["trust"] != u16Ratio(nr.Trust) || m["consensus"] != u16Ratio(nr.Consensus) ||
		m["incentive"] != u16Ratio(nr.Incentive) || m["dividends"] != u16Ratio(nr.Dividends) ||
		m["validator_trust"] != u16Ratio(nr.ValidatorTrust) || amount(t, m["emission"]) != u64s(uint64(nr.Emission)) ||
		m["active"] != nr.Active {
		t.Fatalf("neuron %d: %v", nr.UID, m)
	}
}

// checkAccount checks an account against the state: free balance, and every position's
// value_if_sold against what remove_stake of the whole position really credits (the pools
// package applying it to a copy of the state).
func checkAccount(t *testing.T, m map[string]any, addr string, snap *pools.Snapshot, p *dtaod.Params, positions int) []map[string]any {
	t.Helper()
	st, err := pools.FromSnapshot(snap.Clone())
	if err != nil {
		t.Fatal(err)
	}
	if m["address"] != addr || amount(t, m["free"]) != u64s(uint64(st.Free[addr])) || m["nonce"] != 0.0 {
		t.Fatalf("account %s: %v", addr, m)
	}
	ps := m["positions"].([]any)
	if len(ps) != positions {
		t.Fatalf("account %s has %d positions, want %d: %v", addr, len(ps), positions, m)
	}
	out := make([]map[string]any, len(ps))
	for i, x := range ps {
		pos := x.(map[string]any)
		out[i] = pos
		n := dtaod.NetUID(pos["netuid"].(float64))
		hk := pos["hotkey"].(string)
		stake := st.StakeOf(addr, hk, n)
		if amount(t, pos["alpha"]) != u64s(stake) || pos["alpha"].(map[string]any)["unit"] != unitOf(n) {
			t.Fatalf("position %v: stake %d", pos, stake)
		}
		c := st.Clone()
		rc, err := c.Apply(p, &pools.Order{Kind: pools.RemoveStake, Coldkey: addr, Hotkey: hk, NetUID: n, Amount: stake})
		switch {
		case err != nil && (pos["value_if_sold_reason"] != dtaod.CodeOf(err) || amount(t, pos["value_if_sold"]) != "0"):
			t.Fatalf("position %v: remove_stake fails with %v", pos, err)
		case err == nil && (amount(t, pos["value_if_sold"]) != u64s(uint64(rc.TAO)) || pos["value_if_sold_reason"] != nil):
			t.Fatalf("position %v: remove_stake credits %d", pos, rc.TAO)
		}
		if n == dtaod.Root && amount(t, pos["value_spot"]) != u64s(stake) {
			t.Fatalf("root position spot value: %v", pos)
		}
	}
	return out
}

// TestPagination walks every list with several page sizes: each item exactly once, in order,
// the last page without a cursor; bad limits and cursors are refused naming the parameter.
func TestPagination(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blocks: 7})
		v := e.n.View()
		var heights, netuids, uids []string
		for h := int(v.Header.Height); h >= 1; h-- {
			heights = append(heights, strconv.Itoa(h))
		}
		for _, s := range v.Snapshot.Subnets {
			netuids = append(netuids, strconv.Itoa(int(s.NetUID)))
		}
		for _, nr := range v.Snapshot.Neurons {
			if nr.NetUID == 2 {
				uids = append(uids, strconv.Itoa(int(nr.UID)))
			}
		}
		lists := []struct {
			path, key string
			want      []string
		}{
			{"/v1/blocks", "height", heights},
			{"/v1/subnets", "netuid", netuids},
			{"/v1/subnets/2/neurons", "uid", uids},
		}
		for _, l := range lists {
			for _, limit := range []int{1, 2, 3, 7, 8, 100, 1000} {
				var got []string
				cursor, pages := "", 0
				for {
					url := l.path + "?limit=" + strconv.Itoa(limit)
					if cursor != "" {
						url += "&cursor=" + cursor
					}
					m := e.get(t, url, 200)
					items := m["items"].([]any)
					if len(items) > limit || (len(items) == 0 && len(l.want) > 0) {
						t.Fatalf("%s: %d items", url, len(items))
					}
					for _, it := range items {
						got = append(got, strconv.Itoa(int(it.(map[string]any)[l.key].(float64))))
					}
					pages++
					next, _ := m["next_cursor"].(string)
					if next == "" {
						if m["next_cursor"] != nil {
							t.Fatalf("%s: next_cursor %v", url, m["next_cursor"])
						}
						break
					}
					if pages > len(l.want)+1 {
						t.Fatalf("%s: the walk does not end", l.path)
					}
					cursor = next
				}
				if strings.Join(got, ",") != strings.Join(l.want, ",") {
					t.Fatalf("%s limit %d walked %v, want %v", l.path, limit, got, l.want)
				}
				if wantPages := max(1, (len(l.want)+limit-1)/limit); pages != wantPages {
					t.Fatalf("%s limit %d: %d pages, want %d", l.path, limit, pages, wantPages)
				}
			}
		}
		subnetCursor := e.get(t, "/v1/subnets?limit=1", 200)["next_cursor"].(string)
		bad := []struct{ path, field string }{
			{"/v1/blocks?limit=0", "limit"},
			{"/v1/blocks?limit=1001", "limit"},
			{"/v1/blocks?limit=-1", "limit"},
			{"/v1/blocks?limit=ten", "limit"},
			{"/v1/subnets?limit=0", "limit"},
			{"/v1/subnets?limit=1001", "limit"},
			{"/v1/blocks?cursor=!!!", "cursor"},
			{"/v1/blocks?cursor=" + subnetCursor, "cursor"}, // another list's cursor
			{"/v1/subnets?cursor=bm90LWEtY3Vyc29y", "cursor"},
			{"/v1/subnets/2/neurons?cursor=" + subnetCursor, "cursor"},
			{"/v1/subnets/2/neurons?limit=1001", "limit"},
		}
		for _, b := range bad {
			m := e.get(t, b.path, 422)
			if m["code"] != "VALIDATION_FAILED" || !namesField(m, b.field) {
				t.Fatalf("%s: %v", b.path, m)
			}
		}
	})
}

// TestSignedOrderReads: an account's nonce and an order's signer come from the store's signed
// admission when it has one.
func TestSignedOrderReads(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		st := be.open(t)
		ss, ok := st.(store.SignedStore)
		if !ok {
			t.Skip("the store does not admit signed orders yet")
		}
		e := start(t, st, options{blocks: 1})
		payload := []byte(`{"type":"add_stake","coldkey":"` + node.DevAccount("alice") + `","hotkey":"val1-hk","netuid":1,"amount":"1000000000"}`)
		const signer = "5Hej8ukUKdDtEoVCqNoPn1JkgKvySuqPcvvbVa7nQQULt4Kg" // SS58 (the store does not check keys)
		adm, err := ss.SubmitSigned(context.Background(), []store.Submission{{Payload: payload, Signer: signer, Nonce: 0, Signature: []byte{1}}})
		if err != nil || adm[0].Err != nil {
			t.Fatal(err, adm)
		}
		if m := e.get(t, "/v1/accounts/"+signer, 200); m["nonce"] != 1.0 {
			t.Fatalf("nonce after one signed order: %v", m)
		}
		m := e.get(t, "/v1/orders/"+strconv.FormatInt(adm[0].Seq, 10), 200)
		if m["signer"] != signer || m["nonce"] != 0.0 || m["status"] != "pending" || m["receipt"] != nil {
			t.Fatalf("signed order: %v", m)
		}
	})
}

func TestSymbols(t *testing.T) {
	if len(symbols) != 439 {
		t.Fatalf("%d symbols, want subtensor's 439", len(symbols))
	}
	for n, want := range map[dtaod.NetUID]string{0: "Τ", 1: "α", 2: "β", 18: "σ", 19: "t", 24: "ω", 25: "א", 51: "ת", 52: "ا",
		87: "Ы", 109: "՞", 123: "𑀀", 127: "𑀅", 128: "න", 166: "Ⱐ", 210: "ฮ", 245: "ㅣ", 271: "መ", 318: "ह", 319: "ア",
		364: "ン", 400: "ⵓ", 427: "ට", 428: "ඥ", 438: "ධ", 439: "Τ", 65535: "Τ"} {
		if got := symbolOf(n); got != want {
			t.Errorf("symbol of %d: %q, want %q", n, got, want)
		}
	}
}

// volume prints the 128-bit volume counter in base units, by big-number arithmetic.
func volume(hi, lo uint64) string {
	v := new(big.Int).SetUint64(hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(lo))
	return v.String()
}
