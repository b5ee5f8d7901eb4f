package pools

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
)

// Stake operations against a fixed network. Every expected amount is derived by hand from spec
// section 9 (swaps 9.5, fees section 4, limits 9.8, minimums 9.9, precedence 9.10); the arithmetic
// is in the comments. ceil(x) below is the pool's rounding of k/(reserve + in).

const (
	e9  = 1_000_000_000
	e12 = 1_000_000_000_000
	e18 = 1_000_000_000_000_000_000
)

func mustPrice(s string) dtaod.Price {
	p, err := dtaod.ParsePrice(s)
	if err != nil {
		panic(err)
	}
	return p
}

// fixture is the network of the table tests:
//
//	netuid 1: T = A = 1e12 (price 1); alice 4e11 and bob 1e11 on h1
//	netuid 2: T = 1e12, A = 2e12 (price 0.5); alice 1e11 on h2
//	netuid 3: T = A = 1e7 = min_pool_liquidity: every swap breaches it; alice 1e9 on h3
//	netuid 4: T = 10,001,000, A = 1e12: a small sell breaches it; alice 1e11 on h4
//	netuid 5: empty pool (T = A = 0)
//	root: alice 1e11 on h1
//	free: alice 1e13, carol 1e9
func fixture() (*State, *dtaod.Params) {
	p := dtaod.DefaultParams()
	st := NewState()
	for _, s := range []struct {
		n    dtaod.NetUID
		t, a uint64
	}{{1, e12, e12}, {2, e12, 2 * e12}, {3, 10_000_000, 10_000_000}, {4, 10_001_000, e12}, {5, 0, 0}} {
		st.AddSubnet(&Subnet{NetUID: s.n, TAOIn: dtaod.TAO(s.t), AlphaIn: dtaod.Alpha(s.a), Tempo: 360, RegistrationAllowed: true})
	}
	stake := func(ck, hk string, n dtaod.NetUID, v uint64) {
		st.CreditStake(ck, hk, n, v)
		if n == dtaod.Root {
			st.RootTAO += dtaod.TAO(v)
		} else {
			st.Subnet(n).AlphaOut += dtaod.Alpha(v)
		}
	}
	stake("alice", "h1", 1, 4e11)
	stake("bob", "h1", 1, 1e11)
	stake("alice", "h2", 2, 1e11)
	stake("alice", "h3", 3, 1e9)
	stake("alice", "h4", 4, 1e11)
	stake("alice", "h1", dtaod.Root, 1e11)
	st.Free["alice"] = 1e13
	st.Free["carol"] = 1e9
	var total uint64 = uint64(st.RootTAO) + 1e13 + 1e9
	for _, s := range st.Subnets {
		total += uint64(s.TAOIn)
	}
	st.TotalIssuance = dtaod.TAO(total)
	st.Seal()
	if err := st.Check(); err != nil {
		panic(err)
	}
	return st, &p
}

func kOf(s *Subnet) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(uint64(s.TAOIn)), new(big.Int).SetUint64(uint64(s.AlphaIn)))
}

// apply runs o and checks the invariants every operation must keep: conservation (Check), k never
// shrinks on any subnet, and a failure changes nothing at all.
func apply(t *testing.T, st *State, p *dtaod.Params, o *Order) (Receipt, error) {
	t.Helper()
	before := st.Clone()
	r, err := st.Apply(p, o)
	if cerr := st.Check(); cerr != nil {
		t.Fatalf("%v: Check after the order: %v", o.Kind, cerr)
	}
	if err != nil {
		if !reflect.DeepEqual(before, st) {
			t.Fatalf("%v failed with %v but changed the state", o.Kind, err)
		}
		return r, err
	}
	for _, s := range st.Subnets {
		if b := before.Subnet(s.NetUID); kOf(s).Cmp(kOf(b)) < 0 {
			t.Fatalf("%v: k of netuid %d shrank", o.Kind, s.NetUID)
		}
	}
	return r, nil
}

func code(err error) string {
	if err == nil {
		return ""
	}
	return dtaod.CodeOf(err)
}

func pool(s *Subnet) [2]uint64 { return [2]uint64{uint64(s.TAOIn), uint64(s.AlphaIn)} }

func TestAddRemoveStakeExact(t *testing.T) {
	t.Run("add 1 TAO on netuid 1", func(t *testing.T) {
		st, p := fixture()
		// net = 1e9 - 50,000 = 999,950,000; alpha left = ceil(1e24 / (1e12 + 999,950,000))
		// = ceil(999,001,048,901.6...) = 999,001,048,902; out = 1e12 - that = 998,951,098.
		// T = 1e12 + net + fee = 1,001,000,000,000; volume += net.
		r, err := apply(t, st, p, &Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: e9, Alpha: 998_951_098, Fee: 50_000}) {
			t.Fatalf("receipt %+v", r)
		}
		s := st.Subnet(1)
		if pool(s) != [2]uint64{1_001_000_000_000, 999_001_048_902} || s.AlphaOut != 5e11+998_951_098 || s.VolumeLo != 999_950_000 {
			t.Fatalf("pool %v alpha_out %d volume %d", pool(s), s.AlphaOut, s.VolumeLo)
		}
		// Minting at value per share 1 is exact: alice holds 4e11 + 998,951,098; bob is unchanged.
		if got := st.StakeOf("alice", "h1", 1); got != 4e11+998_951_098 {
			t.Fatalf("alice stake %d", got)
		}
		if got := st.StakeOf("bob", "h1", 1); got != 1e11 {
			t.Fatalf("bob stake %d", got)
		}
		if st.Free["alice"] != 1e13-e9 {
			t.Fatalf("alice free %d", st.Free["alice"])
		}
	})
	t.Run("remove 1 alpha on netuid 1", func(t *testing.T) {
		st, p := fixture()
		// T left = ceil(1e24 / (1e12 + 1e9)) = ceil(999,000,999,000.999) = 999,000,999,001;
		// gross = 999,000,999; net = gross - 50,000 = 998,950,999; T = 999,000,999,001 + fee.
		r, err := apply(t, st, p, &Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 998_950_999, Alpha: e9, Fee: 50_000}) {
			t.Fatalf("receipt %+v", r)
		}
		s := st.Subnet(1)
		if pool(s) != [2]uint64{999_001_049_001, 1_001_000_000_000} || s.AlphaOut != 5e11-e9 || s.VolumeLo != 999_000_999 {
			t.Fatalf("pool %v alpha_out %d volume %d", pool(s), s.AlphaOut, s.VolumeLo)
		}
		if st.Free["alice"] != 1e13+998_950_999 || st.StakeOf("alice", "h1", 1) != 4e11-e9 {
			t.Fatalf("free %d stake %d", st.Free["alice"], st.StakeOf("alice", "h1", 1))
		}
	})
	t.Run("root add is 1:1 and the fee stays in root TAO", func(t *testing.T) {
		st, p := fixture()
		r, err := apply(t, st, p, &Order{Kind: AddStake, Coldkey: "carol", Hotkey: "h1", NetUID: 0, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		// carol pays 1e9, gets 1e9 - 50,000 of root stake; root TAO grows by 1e9, of which 50,000
		// is owned by nobody. carol's free balance is now 0 (deleted).
		if r != (Receipt{TAO: e9, Alpha: 999_950_000, Fee: 50_000}) || st.RootTAO != 1e11+e9 || st.UnnamedRoot != 50_000 {
			t.Fatalf("receipt %+v root %d unnamed %d", r, st.RootTAO, st.UnnamedRoot)
		}
		if st.StakeOf("carol", "h1", 0) != 999_950_000 || st.Free["carol"] != 0 {
			t.Fatalf("stake %d free %d", st.StakeOf("carol", "h1", 0), st.Free["carol"])
		}
	})
	t.Run("root remove is 1:1 minus the fee", func(t *testing.T) {
		st, p := fixture()
		r, err := apply(t, st, p, &Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 0, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: e9 - 50_000, Alpha: e9, Fee: 50_000}) || st.RootTAO != 1e11-e9+50_000 || st.UnnamedRoot != 50_000 {
			t.Fatalf("receipt %+v root %d unnamed %d", r, st.RootTAO, st.UnnamedRoot)
		}
	})
}

func TestMinStakeBoundaries(t *testing.T) {
	cases := []struct {
		name string
		o    Order
		code string
		want Receipt
	}{
		// add: amount >= min_stake + fee = 550,000.
		{"add 549,999", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 549_999}, "AMOUNT_TOO_LOW", Receipt{}},
		// 550,000: net 500,000; alpha left ceil(1e24/(1e12+5e5)) = ceil(999,999,500,000.25) -> out 499,999.
		{"add 550,000", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 550_000}, "", Receipt{TAO: 550_000, Alpha: 499_999, Fee: 50_000}},
		{"root add 549,999", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 0, Amount: 549_999}, "AMOUNT_TOO_LOW", Receipt{}},
		{"root add 550,000", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 0, Amount: 550_000}, "", Receipt{TAO: 550_000, Alpha: 500_000, Fee: 50_000}},
		// remove: the TAO out must be > min_stake (500,000). On netuid 1 gross = a - 1 here:
		// a = 500,001 -> 1e12 - ceil(1e24/(1e12+500,001)) = 500,000 (fails); a = 500,002 -> 500,001.
		{"remove gross 500,000", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 500_001}, "AMOUNT_TOO_LOW", Receipt{}},
		{"remove gross 500,001", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 500_002}, "", Receipt{TAO: 450_001, Alpha: 500_002, Fee: 50_000}},
		{"root remove 500,000", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 0, Amount: 500_000}, "AMOUNT_TOO_LOW", Receipt{}},
		{"root remove 500,001", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 0, Amount: 500_001}, "", Receipt{TAO: 450_001, Alpha: 500_001, Fee: 50_000}},
		{"remove 0", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 0}, "AMOUNT_TOO_LOW", Receipt{}},
		// move: gross > 500,000 and TAO between legs (gross - 25,000) >= 525,000, i.e. gross >= 550,000.
		// a = 549,999 -> gross 549,998 -> 524,998 between the legs.
		{"move between legs 524,998", Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 549_999}, "AMOUNT_TOO_LOW", Receipt{}},
		{"move gross 500,000", Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 500_001}, "AMOUNT_TOO_LOW", Receipt{}},
		// a = 550,001 -> gross 550,000 -> 525,000 between the legs: ok. Second leg on netuid 2:
		// net 500,000; alpha left ceil(2e24/(1e12+5e5)) = ceil(1,999,999,000,000.4999) -> out 999,999.
		{"move between legs 525,000", Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 550_001}, "", Receipt{TAO: 525_000, Alpha: 999_999, Fee: 50_000}},
		// root -> root move: 549,999 -> 524,999 between the legs (fails); 550,000 -> 525,000 and
		// 500,000 lands on the destination.
		{"root move 549,999", Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h2", Amount: 549_999}, "AMOUNT_TOO_LOW", Receipt{}},
		{"root move 550,000", Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h2", Amount: 550_000}, "", Receipt{TAO: 525_000, Alpha: 500_000, Fee: 50_000}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, p := fixture()
			r, err := apply(t, st, p, &tc.o)
			if code(err) != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if err == nil && r != tc.want {
				t.Fatalf("receipt %+v, want %+v", r, tc.want)
			}
		})
	}
}

// Spec 9.10: the error that wins when several apply. Each input is built so that at least two
// errors apply (noted per case); the state must be unchanged.
func TestErrorPrecedence(t *testing.T) {
	lim := func(o Order, l string, partial bool) Order {
		o.HasLimit, o.LimitPrice, o.AllowPartial = true, mustPrice(l), partial
		return o
	}
	add := func(ck string, n dtaod.NetUID, amt uint64) Order {
		return Order{Kind: AddStake, Coldkey: ck, Hotkey: "h1", NetUID: n, Amount: amt}
	}
	rm := func(ck, hk string, n dtaod.NetUID, amt uint64) Order {
		return Order{Kind: RemoveStake, Coldkey: ck, Hotkey: hk, NetUID: n, Amount: amt}
	}
	mv := func(ck, hk string, from, to dtaod.NetUID, amt uint64) Order {
		return Order{Kind: SwapStake, Coldkey: ck, Hotkey: hk, FromNetUID: from, ToNetUID: to, Amount: amt}
	}
	cases := []struct {
		name string
		o    Order
		code string
	}{
		// add_stake: SUBNET_NOT_FOUND, AMOUNT_TOO_LOW, SLIPPAGE_TOO_HIGH, INSUFFICIENT_BALANCE, INSUFFICIENT_LIQUIDITY.
		{"add: not found > too low, balance", add("nobody", 9, 0), "SUBNET_NOT_FOUND"},
		{"add: too low > slippage, balance", lim(add("nobody", 1, 549_999), "0.5", false), "AMOUNT_TOO_LOW"},
		// limit 1.0 at price 1: isqrt(1e24) - 1e12 = 0 fills.
		{"add: slippage > balance", lim(add("nobody", 1, e9), "1", false), "SLIPPAGE_TOO_HIGH"},
		{"add: partial fill 0 < min > balance", lim(add("nobody", 1, e9), "1", true), "SLIPPAGE_TOO_HIGH"},
		{"add: slippage > liquidity (thin pool)", lim(add("alice", 3, e9), "1", false), "SLIPPAGE_TOO_HIGH"},
		{"add: balance > liquidity", add("nobody", 3, e9), "INSUFFICIENT_BALANCE"},
		{"add: balance 1 rao short", add("alice", 1, 1e13+1), "INSUFFICIENT_BALANCE"},
		{"add: liquidity", add("alice", 3, e9), "INSUFFICIENT_LIQUIDITY"},
		// The chain's test_add_stake_insufficient_liquidity: reserves at the minimum, stake
		// 10 x min_stake + fee fails (alpha left ceil(1e14/1.5e7) = 6,666,667 < 1e7).
		{"add: chain test_add_stake_insufficient_liquidity", add("alice", 3, 5_050_000), "INSUFFICIENT_LIQUIDITY"},
		{"add: empty pool", add("alice", 5, e9), "INSUFFICIENT_LIQUIDITY"},
		{"add root: limit below 1", lim(add("alice", 0, e9), "0.999999999999999999", false), "SLIPPAGE_TOO_HIGH"},
		{"add root: limit below 1, partial", lim(add("alice", 0, e9), "0.5", true), "SLIPPAGE_TOO_HIGH"},

		// remove_stake: SUBNET_NOT_FOUND, INSUFFICIENT_LIQUIDITY, AMOUNT_TOO_LOW, SLIPPAGE_TOO_HIGH, INSUFFICIENT_STAKE.
		{"remove: not found > stake", rm("nobody", "h1", 9, e9), "SUBNET_NOT_FOUND"},
		{"remove: liquidity > stake", rm("nobody", "h3", 3, e9), "INSUFFICIENT_LIQUIDITY"},
		// netuid 4, a = 1e10: T left ceil(10,001,000e12/1.01e12) = 9,901,981 < 1e7 (breach) and
		// gross = 99,019 <= 500,000 (too low): liquidity wins.
		{"remove: liquidity > too low", rm("alice", "h4", 4, 1e10), "INSUFFICIENT_LIQUIDITY"},
		{"remove: too low > slippage, stake", lim(rm("nobody", "h1", 1, 500_001), "1", false), "AMOUNT_TOO_LOW"},
		// limit 1.0 at price 1: isqrt(1e24/1) - 1e12 = 0 can be sold.
		{"remove: slippage > stake", lim(rm("nobody", "h1", 1, e9), "1", false), "SLIPPAGE_TOO_HIGH"},
		{"remove: stake", rm("nobody", "h1", 1, e9), "INSUFFICIENT_STAKE"},
		{"remove: stake 1 over", rm("alice", "h1", 1, 4e11+1), "INSUFFICIENT_STAKE"},
		{"remove root: stake", rm("alice", "h1", 0, 1e11+1), "INSUFFICIENT_STAKE"},

		// move/swap/transfer: SUBNET_NOT_FOUND, INSUFFICIENT_STAKE, INSUFFICIENT_LIQUIDITY,
		// AMOUNT_TOO_LOW, SLIPPAGE_TOO_HIGH, then the second leg's AMOUNT_TOO_LOW / INSUFFICIENT_LIQUIDITY.
		{"move: origin not found > stake", mv("nobody", "h1", 9, 1, e9), "SUBNET_NOT_FOUND"},
		{"move: destination not found > stake", mv("nobody", "h1", 1, 9, e9), "SUBNET_NOT_FOUND"},
		{"move: stake > liquidity", mv("nobody", "h3", 3, 1, e9), "INSUFFICIENT_STAKE"},
		{"move: stake > slippage", lim(mv("alice", "h1", 1, 2, 4e11+1), "100", false), "INSUFFICIENT_STAKE"},
		{"move: liquidity > too low", mv("alice", "h4", 4, 1, 1e10), "INSUFFICIENT_LIQUIDITY"},
		{"move: too low > slippage", lim(mv("alice", "h1", 1, 2, 500_001), "100", false), "AMOUNT_TOO_LOW"},
		// ratio price(1)/price(3) = 1 < limit 10: nothing fills; the destination is also thin.
		{"move: slippage > second-leg liquidity", lim(mv("alice", "h1", 1, 3, e9), "10", false), "SLIPPAGE_TOO_HIGH"},
		{"move: partial below min > second-leg liquidity", lim(mv("alice", "h1", 1, 3, e9), "10", true), "SLIPPAGE_TOO_HIGH"},
		{"move: second-leg liquidity", mv("alice", "h1", 1, 3, e9), "INSUFFICIENT_LIQUIDITY"},
		{"move: second-leg empty pool", mv("alice", "h1", 1, 5, e9), "INSUFFICIENT_LIQUIDITY"},
		{"move: second-leg too low", mv("alice", "h1", 1, 2, 549_999), "AMOUNT_TOO_LOW"},
		{"transfer: stake", Order{Kind: TransferStake, Coldkey: "carol", ToColdkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 1, Amount: e9}, "INSUFFICIENT_STAKE"},
		{"transfer: not found", Order{Kind: TransferStake, Coldkey: "alice", ToColdkey: "carol", Hotkey: "h1", FromNetUID: 1, ToNetUID: 7, Amount: e9}, "SUBNET_NOT_FOUND"},
		{"move: other hotkey has no stake", Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h9", ToHotkey: "h1", FromNetUID: 1, ToNetUID: 1, Amount: e9}, "INSUFFICIENT_STAKE"},
		{"unknown kind", Order{Kind: 99}, "INVALID_ARGUMENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, p := fixture()
			if _, err := apply(t, st, p, &tc.o); code(err) != tc.code {
				t.Fatalf("error %v (%s), want %s", err, code(err), tc.code)
			}
		})
	}
}

func TestLimitFills(t *testing.T) {
	type want struct {
		code  string
		r     Receipt
		pool1 [2]uint64
	}
	cases := []struct {
		name string
		o    Order
		w    want
	}{
		// Buy on netuid 1 (T = A = 1e12) with limit 1.21: x_max = isqrt(1e24 * 1.21) - 1e12 =
		// 1.1e12 - 1e12 = 1e11 gross. The fill: net 1e11 - 50,000; alpha left
		// ceil(1e24/(1.1e12 - 50,000)) = 909,090,950,414; out 90,909,049,586; T = 1.1e12.
		// Final price 1.1e12/909,090,950,414 = 1.20999... <= 1.21.
		{"buy partial", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 2e11, HasLimit: true, LimitPrice: mustPrice("1.21"), AllowPartial: true},
			want{"", Receipt{TAO: 1e11, Alpha: 90_909_049_586, Fee: 50_000}, [2]uint64{1_100_000_000_000, 909_090_950_414}}},
		{"buy exactly the max, no partial", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 1e11, HasLimit: true, LimitPrice: mustPrice("1.21")},
			want{"", Receipt{TAO: 1e11, Alpha: 90_909_049_586, Fee: 50_000}, [2]uint64{1_100_000_000_000, 909_090_950_414}}},
		{"buy 1 rao over the max, no partial", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 1e11 + 1, HasLimit: true, LimitPrice: mustPrice("1.21")},
			want{code: "SLIPPAGE_TOO_HIGH"}},
		// limit 1.000000001: isqrt(floor(1e24 * 1.000000001)) - 1e12 = 499 < 550,000.
		{"buy partial below the minimum", Order{Kind: AddStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: e9, HasLimit: true, LimitPrice: mustPrice("1.000000001"), AllowPartial: true},
			want{code: "SLIPPAGE_TOO_HIGH"}},
		// Sell with floor 0.64: a_max = isqrt(1e24/0.64) - 1e12 = 1.25e12 - 1e12 = 2.5e11. T left =
		// ceil(1e24/1.25e12) = 8e11; gross 2e11; net 199,999,950,000; T = 8e11 + 50,000.
		{"sell partial", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 4e11, HasLimit: true, LimitPrice: mustPrice("0.64"), AllowPartial: true},
			want{"", Receipt{TAO: 199_999_950_000, Alpha: 2.5e11, Fee: 50_000}, [2]uint64{800_000_050_000, 1_250_000_000_000}}},
		{"sell over the max, no partial", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: 4e11, HasLimit: true, LimitPrice: mustPrice("0.64")},
			want{code: "SLIPPAGE_TOO_HIGH"}},
		// floor 0.9999999999: a_max = isqrt(floor(1e24/0.9999999999)) - 1e12 = 50 alpha -> gross < min.
		{"sell partial below the minimum", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: e9, HasLimit: true, LimitPrice: mustPrice("0.9999999999"), AllowPartial: true},
			want{code: "SLIPPAGE_TOO_HIGH"}},
		// A zero limit on a sell is no limit: same as the plain remove of 1e9 (see TestAddRemoveStakeExact).
		{"sell limit 0", Order{Kind: RemoveStake, Coldkey: "alice", Hotkey: "h1", NetUID: 1, Amount: e9, HasLimit: true, LimitPrice: mustPrice("0")},
			want{"", Receipt{TAO: 998_950_999, Alpha: e9, Fee: 50_000}, [2]uint64{999_001_049_001, 1_001_000_000_000}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, p := fixture()
			r, err := apply(t, st, p, &tc.o)
			if code(err) != tc.w.code {
				t.Fatalf("error %v, want %q", err, tc.w.code)
			}
			if err != nil {
				return
			}
			if r != tc.w.r || pool(st.Subnet(1)) != tc.w.pool1 {
				t.Fatalf("receipt %+v pool %v; want %+v %v", r, pool(st.Subnet(1)), tc.w.r, tc.w.pool1)
			}
		})
	}
}

func TestMoves(t *testing.T) {
	t.Run("swap across subnets", func(t *testing.T) {
		st, p := fixture()
		// Leg 1 on netuid 1, a = 1e10: T left ceil(1e24/1.01e12) = 990,099,009,901; gross
		// 9,900,990,099; between the legs 9,900,965,099; pool 1 = (990,099,034,901, 1.01e12).
		// Leg 2 on netuid 2: net 9,900,940,099; alpha left ceil(2e24/(1e12 + net)) =
		// 1,980,392,254,912; out 2e12 - that = 19,607,745,088; T2 = 1e12 + 9,900,965,099.
		r, err := apply(t, st, p, &Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 1e10})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 9_900_965_099, Alpha: 19_607_745_088, Fee: 50_000}) {
			t.Fatalf("receipt %+v", r)
		}
		if pool(st.Subnet(1)) != [2]uint64{990_099_034_901, 1_010_000_000_000} || pool(st.Subnet(2)) != [2]uint64{1_009_900_965_099, 1_980_392_254_912} {
			t.Fatalf("pools %v %v", pool(st.Subnet(1)), pool(st.Subnet(2)))
		}
		if st.StakeOf("alice", "h1", 1) != 3.9e11 || st.StakeOf("alice", "h1", 2) != 19_607_745_088 {
			t.Fatalf("stakes %d %d", st.StakeOf("alice", "h1", 1), st.StakeOf("alice", "h1", 2))
		}
		if st.Subnet(1).AlphaOut != 5e11-1e10 || st.Subnet(2).AlphaOut != 1e11+19_607_745_088 {
			t.Fatalf("alpha_out %d %d", st.Subnet(1).AlphaOut, st.Subnet(2).AlphaOut)
		}
	})
	t.Run("move within one subnet goes through its pool", func(t *testing.T) {
		st, p := fixture()
		// Leg 1 as above: pool (990,099,034,901, 1.01e12), 9,900,965,099 between the legs.
		// Leg 2 on that pool: net 9,900,940,099; k' = 990,099,034,901 * 1.01e12; alpha left
		// ceil(k'/(990,099,034,901 + net)) = ceil(k'/999,999,975,000) = 1,000,000,050,251;
		// out = 1.01e12 - that = 9,999,949,749; T = 999,999,975,000 + 25,000 = 1e12.
		r, err := apply(t, st, p, &Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h9", FromNetUID: 1, ToNetUID: 1, Amount: 1e10})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 9_900_965_099, Alpha: 9_999_949_749, Fee: 50_000}) || pool(st.Subnet(1)) != [2]uint64{e12, 1_000_000_050_251} {
			t.Fatalf("receipt %+v pool %v", r, pool(st.Subnet(1)))
		}
		if st.StakeOf("alice", "h9", 1) != 9_999_949_749 || st.StakeOf("alice", "h1", 1) != 3.9e11 {
			t.Fatal("stakes")
		}
		// Volume counts both legs' TAO side: 9,900,990,099 sold + 9,900,940,099 bought.
		if st.Subnet(1).VolumeLo != 9_900_990_099+9_900_940_099 {
			t.Fatalf("volume %d", st.Subnet(1).VolumeLo)
		}
	})
	t.Run("transfer within one subnet", func(t *testing.T) {
		st, p := fixture()
		r, err := apply(t, st, p, &Order{Kind: TransferStake, Coldkey: "alice", ToColdkey: "carol", Hotkey: "h1", FromNetUID: 1, ToNetUID: 1, Amount: 1e10})
		if err != nil {
			t.Fatal(err)
		}
		// Same legs as the move within one subnet; shares are minted at value per share 1.
		if r != (Receipt{TAO: 9_900_965_099, Alpha: 9_999_949_749, Fee: 50_000}) || st.StakeOf("carol", "h1", 1) != 9_999_949_749 || st.StakeOf("alice", "h1", 1) != 3.9e11 {
			t.Fatalf("receipt %+v carol %d", r, st.StakeOf("carol", "h1", 1))
		}
		if st.StakeOf("bob", "h1", 1) != 1e11 {
			t.Fatal("bob's stake moved")
		}
	})
	t.Run("root to subnet", func(t *testing.T) {
		st, p := fixture()
		// Leg 1 root: 1e9 - 25,000 = 999,975,000 between the legs; the 25,000 stays in root TAO.
		// Leg 2 netuid 1: net 999,950,000 -> out 998,951,098 (as the plain add of 1e9).
		r, err := apply(t, st, p, &Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h1", FromNetUID: 0, ToNetUID: 1, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 999_975_000, Alpha: 998_951_098, Fee: 50_000}) || st.RootTAO != 1e11-999_975_000 || st.UnnamedRoot != 25_000 {
			t.Fatalf("receipt %+v root %d unnamed %d", r, st.RootTAO, st.UnnamedRoot)
		}
		if pool(st.Subnet(1)) != [2]uint64{e12 + 999_975_000, 999_001_048_902} {
			t.Fatalf("pool %v", pool(st.Subnet(1)))
		}
	})
	t.Run("subnet to root", func(t *testing.T) {
		st, p := fixture()
		// Leg 1 netuid 1, a = 1e9: gross 999,000,999; between 998,975,999; T = 999,000,999,001 + 25,000.
		// Leg 2 root: 998,975,999 - 25,000 = 998,950,999 of root stake; root TAO += 998,975,999.
		r, err := apply(t, st, p, &Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h1", FromNetUID: 1, ToNetUID: 0, Amount: e9})
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 998_975_999, Alpha: 998_950_999, Fee: 50_000}) || st.RootTAO != 1e11+998_975_999 || st.UnnamedRoot != 25_000 {
			t.Fatalf("receipt %+v root %d unnamed %d", r, st.RootTAO, st.UnnamedRoot)
		}
		if st.StakeOf("alice", "h1", 0) != 1e11+998_950_999 || pool(st.Subnet(1)) != [2]uint64{999_001_024_001, 1_001_000_000_000} {
			t.Fatalf("root stake %d pool %v", st.StakeOf("alice", "h1", 0), pool(st.Subnet(1)))
		}
	})
	t.Run("ratio limit across subnets, partial", func(t *testing.T) {
		st, p := fixture()
		// L = 1.8 on price(1)/price(2) = 2: a_max = floor((isqrt(floor(1e24 * 2e24 / 1.8)) -
		// T2*A1) / (T1+T2)) = floor((1,054,092,553,389,459,777,332,964 - 1e24) / 2e12) = 27,046,276,694.
		// Leg 1: T left ceil(1e24/1,027,046,276,694) = 973,665,961,011; gross 26,334,038,989;
		// between 26,334,013,989. Leg 2: net 26,333,988,989; alpha left ceil(2e24/1,026,333,988,989)
		// = 1,948,683,392,987; out 51,316,607,013. Final ratio 1.80000018 >= 1.8.
		o := Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 1e11, HasLimit: true, LimitPrice: mustPrice("1.8"), AllowPartial: true}
		r, err := apply(t, st, p, &o)
		if err != nil {
			t.Fatal(err)
		}
		if r != (Receipt{TAO: 26_334_013_989, Alpha: 51_316_607_013, Fee: 50_000}) || st.StakeOf("alice", "h1", 1) != 4e11-27_046_276_694 {
			t.Fatalf("receipt %+v stake %d", r, st.StakeOf("alice", "h1", 1))
		}
		if pool(st.Subnet(1)) != [2]uint64{973_665_986_011, 1_027_046_276_694} || pool(st.Subnet(2)) != [2]uint64{1_026_334_013_989, 1_948_683_392_987} {
			t.Fatalf("pools %v %v", pool(st.Subnet(1)), pool(st.Subnet(2)))
		}
		// The final ratio respects the limit: T1*A2 >= 1.8 * A1*T2.
		s1, s2 := st.Subnet(1), st.Subnet(2)
		lhs := new(big.Int).Mul(new(big.Int).SetUint64(uint64(s1.TAOIn)*10), new(big.Int).SetUint64(uint64(s2.AlphaIn)))
		rhs := new(big.Int).Mul(new(big.Int).SetUint64(uint64(s1.AlphaIn)*18), new(big.Int).SetUint64(uint64(s2.TAOIn)))
		if lhs.Cmp(rhs) < 0 {
			t.Fatal("final ratio below the limit")
		}
	})
	t.Run("ratio limit across subnets, no partial", func(t *testing.T) {
		st, p := fixture()
		o := Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 1e11, HasLimit: true, LimitPrice: mustPrice("1.8")}
		if _, err := apply(t, st, p, &o); code(err) != "SLIPPAGE_TOO_HIGH" {
			t.Fatalf("got %v", err)
		}
		// Exactly a_max without partial fills.
		o.Amount = 27_046_276_694
		if r, err := apply(t, st, p, &o); err != nil || r.Alpha != 51_316_607_013 {
			t.Fatalf("got %+v %v", r, err)
		}
	})
	t.Run("ratio limit, partial below the minimum", func(t *testing.T) {
		st, p := fixture()
		// L = 1.99999999: a_max = 1,250 alpha, whose TAO is far below min_stake + fee/2.
		o := Order{Kind: SwapStake, Coldkey: "alice", Hotkey: "h1", FromNetUID: 1, ToNetUID: 2, Amount: 1e11, HasLimit: true, LimitPrice: mustPrice("1.99999999"), AllowPartial: true}
		if _, err := apply(t, st, p, &o); code(err) != "SLIPPAGE_TOO_HIGH" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("within one subnet the ratio is 1", func(t *testing.T) {
		st, p := fixture()
		o := Order{Kind: MoveStake, Coldkey: "alice", FromHotkey: "h1", ToHotkey: "h2", FromNetUID: 1, ToNetUID: 1, Amount: 1e10, HasLimit: true, LimitPrice: mustPrice("1.000000000000000001")}
		if _, err := apply(t, st, p, &o); code(err) != "SLIPPAGE_TOO_HIGH" {
			t.Fatalf("got %v", err)
		}
		o.LimitPrice = mustPrice("1")
		if r, err := apply(t, st, p, &o); err != nil || r.Alpha != 9_999_949_749 {
			t.Fatalf("got %+v %v", r, err)
		}
	})
}
