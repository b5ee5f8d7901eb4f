package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/holiman/uint256"
)

// quoteCase is a quote request and the account that would send it (for checking the quote
// against the engine's own operations).
type quoteCase struct {
	name     string
	body     string
	kind     string
	from, to dtaod.NetUID
	coldkey  string
	fromHK   string
	toHK     string
	exactOut bool
	want     uint64 // amount_in, or amount_out when exactOut
}

var quoteCases = []quoteCase{
	{name: "stake in", kind: "stake", from: 1, to: 1, coldkey: node.DevAccount("alice"), fromHK: "val1-hk", want: 100 * dtaod.RaoPerTAO},
	{name: "stake out", kind: "stake", from: 3, to: 3, coldkey: node.DevAccount("alice"), fromHK: "val1-hk", exactOut: true, want: 1000 * dtaod.RaoPerTAO},
	{name: "stake root", kind: "stake", from: 0, to: 0, coldkey: node.DevAccount("alice"), fromHK: "val1-hk", want: 5 * dtaod.RaoPerTAO},
	{name: "stake root out", kind: "stake", from: 0, to: 0, coldkey: node.DevAccount("alice"), fromHK: "val1-hk", exactOut: true, want: 5 * dtaod.RaoPerTAO},
	{name: "unstake in", kind: "unstake", from: 2, to: 2, coldkey: "val1", fromHK: "val1-hk", want: 1000 * dtaod.RaoPerTAO},
	{name: "unstake out", kind: "unstake", from: 2, to: 2, coldkey: "val1", fromHK: "val1-hk", exactOut: true, want: 50 * dtaod.RaoPerTAO},
	{name: "unstake root", kind: "unstake", from: 0, to: 0, coldkey: "val1", fromHK: "val1-hk", want: 7 * dtaod.RaoPerTAO},
	{name: "unstake root out", kind: "unstake", from: 0, to: 0, coldkey: "val1", fromHK: "val1-hk", exactOut: true, want: 7 * dtaod.RaoPerTAO},
	{name: "move in", kind: "move", from: 4, to: 5, coldkey: "val2", fromHK: "val2-hk", toHK: "val3-hk", want: 500 * dtaod.RaoPerTAO},
	{name: "move out", kind: "move", from: 4, to: 5, coldkey: "val2", fromHK: "val2-hk", toHK: "val3-hk", exactOut: true, want: 20 * dtaod.RaoPerTAO},
	{name: "move from root", kind: "move", from: 0, to: 7, coldkey: "val1", fromHK: "val1-hk", toHK: "val1-hk", want: 100 * dtaod.RaoPerTAO},
	{name: "move from root out", kind: "move", from: 0, to: 7, coldkey: "val1", fromHK: "val1-hk", toHK: "val1-hk", exactOut: true, want: 100 * dtaod.RaoPerTAO},
	{name: "move to root", kind: "move", from: 6, to: 0, coldkey: "val1", fromHK: "val1-hk", toHK: "val2-hk", want: 1000 * dtaod.RaoPerTAO},
	{name: "move within a subnet", kind: "move", from: 1, to: 1, coldkey: "val1", fromHK: "val1-hk", toHK: "val2-hk", want: 300 * dtaod.RaoPerTAO},
	{name: "move within a subnet out", kind: "move", from: 1, to: 1, coldkey: "val1", fromHK: "val1-hk", toHK: "val2-hk", exactOut: true, want: 300 * dtaod.RaoPerTAO},
	{name: "move root to root", kind: "move", from: 0, to: 0, coldkey: "val1", fromHK: "val1-hk", toHK: "val3-hk", exactOut: true, want: 3 * dtaod.RaoPerTAO},
}

func (c *quoteCase) request(tolerance string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"kind":%q`, c.kind)
	if c.kind == "move" {
		fmt.Fprintf(&b, `,"from_netuid":%d,"to_netuid":%d`, c.from, c.to)
	} else {
		fmt.Fprintf(&b, `,"netuid":%d`, c.from)
	}
	field := "amount_in"
	if c.exactOut {
		field = "amount_out"
	}
	fmt.Fprintf(&b, `,%q:"%d"`, field, c.want)
	if tolerance != "" {
		fmt.Fprintf(&b, `,"tolerance":%q`, tolerance)
	}
	return b.String() + "}"
}

// order is the order the quote describes, for amount in (with a limit if limit is non-zero).
func (c *quoteCase) order(in uint64, limit dtaod.Price) pools.Order {
	o := pools.Order{Coldkey: c.coldkey, Amount: in, HasLimit: !limit.IsZero(), LimitPrice: limit}
	switch c.kind {
	case "stake":
		o.Kind, o.Hotkey, o.NetUID = pools.AddStake, c.fromHK, c.from
	case "unstake":
		o.Kind, o.Hotkey, o.NetUID = pools.RemoveStake, c.fromHK, c.from
	default:
		o.Kind, o.FromHotkey, o.ToHotkey, o.FromNetUID, o.ToNetUID = pools.MoveStake, c.fromHK, c.toHK, c.from, c.to
	}
	return o
}

// received is what an order's receipt says the sender got.
func (c *quoteCase) received(rc pools.Receipt) uint64 {
	if c.kind == "unstake" {
		return uint64(rc.TAO)
	}
	return uint64(rc.Alpha)
}

// adverse is a trade by someone else that moves the market against the quoted order.
func (c *quoteCase) adverse(size uint64) pools.Order {
	switch {
	case c.kind == "stake" || c.kind == "move" && c.from == dtaod.Root:
		n := c.to
		return pools.Order{Kind: pools.AddStake, Coldkey: node.DevAccount("bob"), Hotkey: "val3-hk", NetUID: n, Amount: size}
	}
	return pools.Order{Kind: pools.RemoveStake, Coldkey: "val3", Hotkey: "val3-hk", NetUID: c.from, Amount: size}
}

func parsePrice(t *testing.T, s any) dtaod.Price {
	t.Helper()
	p, err := dtaod.ParsePrice(s.(string))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func u64(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestQuote checks every kind of quote against the engine: the order the quote describes,
// applied by the pools package to a copy of the state, delivers exactly amount_out; an
// exact-out amount_in is the least that delivers; the order sent with limit_price fills with at
// least min_received, and whatever moves the market first, it either still gets min_received
// or fails with SLIPPAGE_TOO_HIGH. On the memory store and on PostgreSQL.
func TestQuote(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blocks: 1})
		v := e.n.View()
		base, err := pools.FromSnapshot(v.Snapshot.Clone())
		if err != nil {
			t.Fatal(err)
		}
		params := v.Params
		for _, c := range quoteCases {
			t.Run(c.name, func(t *testing.T) {
				code, _, m, body := do(t, "POST", e.srv.URL+"/v1/quote", "", c.request(""))
				if code != 200 {
					t.Fatalf("%d: %s", code, body)
				}
				in, out, fee := u64(t, amount(t, m["amount_in"])), u64(t, amount(t, m["amount_out"])), u64(t, amount(t, m["fee"]))
				inUnit, outUnit := "tao", unitOf(c.to)
				switch c.kind {
				case "unstake":
					inUnit, outUnit = unitOf(c.from), "tao"
				case "move":
					inUnit = unitOf(c.from)
				}
				if m["block"] != float64(v.Header.Height) || m["kind"] != c.kind || fee != uint64(params.StakingFee) ||
					m["amount_in"].(map[string]any)["unit"] != inUnit || m["amount_out"].(map[string]any)["unit"] != outUnit {
					t.Fatalf("quote: %s", body)
				}
				if c.exactOut && out < c.want || !c.exactOut && in != c.want {
					t.Fatalf("asked %d, quote in %d out %d", c.want, in, out)
				}
				apply := func(st *pools.State, o pools.Order) (pools.Receipt, error) { return st.Apply(&params, &o) }
				rc, err := apply(base.Clone(), c.order(in, dtaod.Price{}))
				if err != nil || c.received(rc) != out || uint64(rc.Fee) != fee {
					t.Fatalf("the engine gives %v %+v for %d in; the quote says %d out", err, rc, in, out)
				}
				if c.exactOut {
					rc, err := apply(base.Clone(), c.order(in-1, dtaod.Price{}))
					if err == nil && c.received(rc) >= c.want {
						t.Fatalf("%d in already delivers %d >= %d: amount_in is not the least", in-1, c.received(rc), c.want)
					}
				}
				// min_received at the default tolerance, 0.5%.
				var keep uint256.Int
				keep.Mul(uint256.NewInt(out), uint256.NewInt(995))
				keep.Div(&keep, uint256.NewInt(1000))
				minRecv := u64(t, amount(t, m["min_received"]))
				if minRecv != keep.Uint64() || m["min_received"].(map[string]any)["unit"] != outUnit {
					t.Fatalf("min_received %d, want %d", minRecv, keep.Uint64())
				}
				if fill := u64(t, amount(t, m["max_fill_at_limit"])); fill < in || m["max_fill_at_limit"].(map[string]any)["unit"] != inUnit {
					t.Fatalf("max_fill_at_limit %d < amount_in %d", fill, in)
				}
				for _, f := range []string{"spot_price_before", "execution_price", "price_after", "price_impact", "limit_price"} {
					parsePrice(t, m[f])
				}
				limit := parsePrice(t, m["limit_price"])
				rc, err = apply(base.Clone(), c.order(in, limit))
				if err != nil || c.received(rc) != out {
					t.Fatalf("the order with limit %s: %v %+v", limit, err, rc)
				}
				// Move the market against the order first: it gets min_received or fails.
				refused := false
				for size := uint64(dtaod.RaoPerTAO); size <= 1<<52; size *= 4 {
					st := base.Clone()
					if _, err := apply(st, c.adverse(size)); err != nil {
						continue
					}
					rc, err := apply(st, c.order(in, limit))
					switch {
					case err != nil && dtaod.CodeOf(err) == "SLIPPAGE_TOO_HIGH":
						refused = true
					case err == nil && c.received(rc) < minRecv:
						t.Fatalf("after an adverse trade of %d the order fills with %d < min_received %d", size, c.received(rc), minRecv)
					}
				}
				movable := !(c.from == c.to && c.kind == "move" || c.from == dtaod.Root && c.to == dtaod.Root)
				if movable && !refused {
					t.Fatalf("no adverse trade made the limit bind")
				}
			})
		}
	})
}

// TestQuoteSeesPendingOrders: a quote is computed on the state with the mempool applied, and
// is recomputed when the mempool changes.
func TestQuoteSeesPendingOrders(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blocks: 1})
		req := `{"kind":"stake","netuid":1,"amount_in":"1000000000"}`
		_, _, before, _ := do(t, "POST", e.srv.URL+"/v1/quote", "", req)
		o := pools.Order{Kind: pools.AddStake, Coldkey: node.DevAccount("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 1000 * dtaod.RaoPerTAO}
		if _, err := e.n.Submit(context.Background(), &o); err != nil {
			t.Fatal(err)
		}
		_, _, after, body := do(t, "POST", e.srv.URL+"/v1/quote", "", req)
		st, _ := pools.FromSnapshot(e.n.View().Snapshot.Clone())
		p := e.n.View().Params
		if _, err := st.Apply(&p, &o); err != nil {
			t.Fatal(err)
		}
		if after["spot_price_before"] != st.Subnet(1).Pool().SpotPrice().String() || after["spot_price_before"] == before["spot_price_before"] ||
			after["block"] != before["block"] {
			t.Fatalf("before the pending order %v; after %s", before["spot_price_before"], body)
		}
	})
}

// TestQuoteThenOrder: on a live chain, an order sent with a quote's limit price is included with
// at least the quote's min_received.
func TestQuoteThenOrder(t *testing.T) {
	e := start(t, newMem(), options{token: "secret"})
	for _, c := range []quoteCase{quoteCases[0], quoteCases[4], quoteCases[8]} {
		code, _, q, body := do(t, "POST", e.srv.URL+"/v1/quote", "", c.request("0.01"))
		if code != 200 {
			t.Fatalf("%s: %d %s", c.name, code, body)
		}
		in := amount(t, q["amount_in"])
		order := map[string]any{"type": map[string]string{"stake": "add_stake", "unstake": "remove_stake", "move": "move_stake"}[c.kind],
			"coldkey": c.coldkey, "amount": in, "limit_price": q["limit_price"]}
		if c.kind == "move" {
			order["from_hotkey"], order["to_hotkey"], order["from_netuid"], order["to_netuid"] = c.fromHK, c.toHK, c.from, c.to
		} else {
			order["hotkey"], order["netuid"] = c.fromHK, c.from
		}
		ob, _ := json.Marshal(order)
		code, h, _, body := do(t, "POST", e.srv.URL+"/v1/admin/orders", "secret", string(ob))
		if code != 202 {
			t.Fatalf("%s: %d %s", c.name, code, body)
		}
		var m map[string]any
		waitUntil(t, "inclusion", func() bool {
			_, _, m, _ = do(t, "GET", e.srv.URL+h.Get("Location"), "", "")
			return m["status"] == "included"
		})
		rc := m["receipt"].(map[string]any)
		got := amount(t, rc["alpha"])
		if c.kind == "unstake" {
			got = amount(t, rc["tao"])
		}
		if rc["ok"] != true || u64(t, got) < u64(t, amount(t, q["min_received"])) {
			t.Fatalf("%s: quoted %v, included %v", c.name, q, m)
		}
	}
}

// TestQuoteBadInputs: every malformed or invalid quote is refused with its status, code and
// field, and changes nothing.
func TestQuoteBadInputs(t *testing.T) {
	forBackends(t, func(t *testing.T, be backend) {
		e := start(t, be.open(t), options{blocks: 1})
		valid := `{"kind":"stake","netuid":1,"amount_in":"1000000000"}`
		_, _, _, reference := do(t, "POST", e.srv.URL+"/v1/quote", "", valid)
		pending, _ := e.st.PendingCount(context.Background())
		cases := []struct {
			name, body string
			status     int
			code       string
			field      string
		}{
			{"unknown field", `{"kind":"stake","netuid":1,"amount_in":"1000000000","x":1}`, 422, "VALIDATION_FAILED", "x"},
			{"number amount", `{"kind":"stake","netuid":1,"amount_in":1000000000}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"negative amount", `{"kind":"stake","netuid":1,"amount_in":"-1000000000"}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"decimal amount", `{"kind":"stake","netuid":1,"amount_in":"1.5"}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"exponent amount", `{"kind":"stake","netuid":1,"amount_in":"1e9"}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"empty amount", `{"kind":"stake","netuid":1,"amount_in":""}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"zero amount", `{"kind":"stake","netuid":1,"amount_in":"0"}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"amount above 2^64-1", `{"kind":"stake","netuid":1,"amount_in":"18446744073709551616"}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"amount_out above 2^64-1", `{"kind":"unstake","netuid":1,"amount_out":"99999999999999999999999"}`, 422, "VALIDATION_FAILED", "amount_out"},
			{"amount 2^64-1", `{"kind":"stake","netuid":1,"amount_in":"18446744073709551615"}`, 422, "OVERFLOW", "amount_in"},
			{"both amounts", `{"kind":"stake","netuid":1,"amount_in":"1000000000","amount_out":"1"}`, 422, "VALIDATION_FAILED", "amount_out"},
			{"no amount", `{"kind":"stake","netuid":1}`, 422, "VALIDATION_FAILED", "amount_in"},
			{"no kind", `{"netuid":1,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "kind"},
			{"bad kind", `{"kind":"buy","netuid":1,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "kind"},
			{"no netuid", `{"kind":"stake","amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "netuid"},
			{"string netuid", `{"kind":"stake","netuid":"1","amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "netuid"},
			{"negative netuid", `{"kind":"stake","netuid":-1,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "netuid"},
			{"netuid above u16", `{"kind":"stake","netuid":65536,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "netuid"},
			{"move without to", `{"kind":"move","from_netuid":1,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "to_netuid"},
			{"move with netuid", `{"kind":"move","netuid":1,"from_netuid":1,"to_netuid":2,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "netuid"},
			{"stake with from", `{"kind":"stake","netuid":1,"from_netuid":1,"amount_in":"1000000000"}`, 422, "VALIDATION_FAILED", "from_netuid"},
			{"tolerance above 1", `{"kind":"stake","netuid":1,"amount_in":"1000000000","tolerance":"1.5"}`, 422, "VALIDATION_FAILED", "tolerance"},
			{"negative tolerance", `{"kind":"stake","netuid":1,"amount_in":"1000000000","tolerance":"-0.1"}`, 422, "VALIDATION_FAILED", "tolerance"},
			{"number tolerance", `{"kind":"stake","netuid":1,"amount_in":"1000000000","tolerance":0.01}`, 422, "VALIDATION_FAILED", "tolerance"},
			{"unknown subnet", `{"kind":"stake","netuid":99,"amount_in":"1000000000"}`, 422, "SUBNET_NOT_FOUND", "netuid"},
			{"unknown destination", `{"kind":"move","from_netuid":1,"to_netuid":99,"amount_in":"1000000000"}`, 422, "SUBNET_NOT_FOUND", "to_netuid"},
			{"amount too low", `{"kind":"stake","netuid":1,"amount_in":"1"}`, 422, "AMOUNT_TOO_LOW", "amount_in"},
			{"more alpha than the pool", `{"kind":"stake","netuid":1,"amount_out":"100000000000000"}`, 422, "INSUFFICIENT_LIQUIDITY", "amount_out"},
			{"malformed JSON", `{"kind":"stake",`, 400, "VALIDATION_FAILED", ""},
			{"empty body", ``, 400, "VALIDATION_FAILED", ""},
			{"trailing data", valid + `{}`, 400, "VALIDATION_FAILED", ""},
			{"not an object", `["stake"]`, 422, "VALIDATION_FAILED", "body"},
			{"too large", `{"kind":"` + strings.Repeat("x", 65<<10) + `"}`, 413, "BODY_TOO_LARGE", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				code, h, m, body := do(t, "POST", e.srv.URL+"/v1/quote", "", c.body)
				if code != c.status || m["code"] != c.code || h.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("%d %s, want %d %s", code, body, c.status, c.code)
				}
				if c.field != "" && !namesField(m, c.field) {
					t.Fatalf("the problem does not name %s: %s", c.field, body)
				}
			})
		}
		if code, _, m, _ := do(t, "GET", e.srv.URL+"/v1/quote", "", ""); code != 405 || m["code"] != "METHOD_NOT_ALLOWED" {
			t.Fatalf("GET /v1/quote: %d %v", code, m)
		}
		if n, _ := e.st.PendingCount(context.Background()); n != pending {
			t.Fatalf("refused quotes changed the mempool: %d -> %d", pending, n)
		}
		if _, _, _, again := do(t, "POST", e.srv.URL+"/v1/quote", "", valid); again != reference {
			t.Fatalf("the same quote after refused ones differs:\n%s\n%s", reference, again)
		}
	})
}

func TestQuoteDefaultsAndTolerance(t *testing.T) {
	e := start(t, newMem(), options{blocks: 1})
	_, _, def, _ := do(t, "POST", e.srv.URL+"/v1/quote", "", `{"kind":"stake","netuid":1,"amount_in":"1000000000"}`)
	_, _, zero, _ := do(t, "POST", e.srv.URL+"/v1/quote", "", `{"kind":"stake","netuid":1,"amount_in":"1000000000","tolerance":"0"}`)
	_, _, all, _ := do(t, "POST", e.srv.URL+"/v1/quote", "", `{"kind":"stake","netuid":1,"amount_in":"1000000000","tolerance":"1"}`)
	out := amount(t, def["amount_out"])
	if amount(t, zero["min_received"]) != out || amount(t, all["min_received"]) != "0" || amount(t, def["min_received"]) == out {
		t.Fatalf("tolerance: default %v, 0 %v, 1 %v", def, zero, all)
	}
	if parsePrice(t, zero["limit_price"]).Cmp(parsePrice(t, def["limit_price"])) > 0 {
		t.Fatalf("a zero tolerance allows a higher price than 0.5%%: %v %v", zero["limit_price"], def["limit_price"])
	}
}
