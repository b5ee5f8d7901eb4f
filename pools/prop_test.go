package pools

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

// Property tests of the stake operations: random networks (1-4 subnets, a few coldkeys and
// hotkeys, root stake) and random sequences of all five order kinds with random amounts (0,
// small, huge), random limits and partial on/off. After every order: conservation and share-pool
// soundness (Check), k = T*A never shrinks, a failed order changes nothing and carries a stable
// code, and a round trip by a fresh coldkey never returns more TAO than it put in.

var (
	propColdkeys = []string{"c0", "c1", "c2", "c3"}
	propHotkeys  = []string{"h0", "h1", "h2"}
	knownCodes   = map[string]bool{"AMOUNT_TOO_LOW": true, "INSUFFICIENT_BALANCE": true, "INSUFFICIENT_STAKE": true,
		"INSUFFICIENT_LIQUIDITY": true, "SLIPPAGE_TOO_HIGH": true, "SUBNET_NOT_FOUND": true, "OVERFLOW": true}
)

func drawReserve(t *rapid.T, label string) uint64 {
	switch rapid.IntRange(0, 9).Draw(t, label+" kind") {
	case 7:
		return rapid.Uint64Range(1e7, 2e7).Draw(t, label) // thin pools around min_pool_liquidity
	case 8:
		return rapid.Uint64Range(0, 1e7).Draw(t, label)
	case 9:
		return 0
	}
	return rapid.Uint64Range(1e9, 1e16).Draw(t, label)
}

func drawParams(t *rapid.T) *dtaod.Params {
	p := dtaod.DefaultParams()
	if rapid.Bool().Draw(t, "custom params") {
		p.StakingFee = dtaod.TAO(rapid.SampledFrom([]uint64{0, 1, 50_000, 1_000_000}).Draw(t, "fee"))
		p.MinStake = dtaod.TAO(rapid.SampledFrom([]uint64{0, 1, 500_000, 10_000_000}).Draw(t, "min stake"))
		p.MinPoolLiquidity = dtaod.TAO(rapid.SampledFrom([]uint64{0, 1, 10_000_000}).Draw(t, "min liquidity"))
	}
	return &p
}

// drawState builds a sealed random network whose TAO and alpha are all accounted for.
func drawState(t *rapid.T) *State {
	st := NewState()
	n := rapid.IntRange(1, 4).Draw(t, "subnets")
	for i := 0; i < n; i++ {
		netuid := dtaod.NetUID(rapid.IntRange(1, 6).Draw(t, "netuid"))
		s := &Subnet{NetUID: netuid, TAOIn: dtaod.TAO(drawReserve(t, "T")), AlphaIn: dtaod.Alpha(drawReserve(t, "A")),
			Tempo: uint16(rapid.IntRange(0, 5).Draw(t, "tempo")), RegistrationAllowed: rapid.Bool().Draw(t, "reg"),
			MovingPrice:  dtaod.Fixed(rapid.Uint64Range(0, dtaod.FixedOne).Draw(t, "mp")),
			UnnamedStake: dtaod.Alpha(rapid.Uint64Range(0, 1e12).Draw(t, "unnamed"))}
		s.AlphaOut = s.UnnamedStake
		if rapid.Bool().Draw(t, "owner") {
			s.OwnerColdkey, s.OwnerHotkey = rapid.SampledFrom(propColdkeys).Draw(t, "owner ck"), rapid.SampledFrom(propHotkeys).Draw(t, "owner hk")
		}
		for _, hk := range propHotkeys {
			if rapid.Bool().Draw(t, "neuron") {
				s.Neurons = append(s.Neurons, Neuron{Hotkey: hk, Coldkey: rapid.SampledFrom(propColdkeys).Draw(t, "neuron ck")})
			}
		}
		st.AddSubnet(s) // a duplicate netuid is simply not added
	}
	nets := []dtaod.NetUID{dtaod.Root}
	for _, s := range st.Subnets {
		nets = append(nets, s.NetUID)
	}
	for i, k := 0, rapid.IntRange(0, 10).Draw(t, "stakes"); i < k; i++ {
		ck, hk := rapid.SampledFrom(propColdkeys).Draw(t, "ck"), rapid.SampledFrom(propHotkeys).Draw(t, "hk")
		netuid := rapid.SampledFrom(nets).Draw(t, "stake netuid")
		v := rapid.OneOf(rapid.Uint64Range(0, 1e6), rapid.Uint64Range(1e6, 1e13), rapid.Uint64Range(1e9, 1e13)).Draw(t, "stake")
		st.CreditStake(ck, hk, netuid, v)
		if netuid == dtaod.Root {
			st.RootTAO += dtaod.TAO(v)
		} else {
			st.Subnet(netuid).AlphaOut += dtaod.Alpha(v)
		}
	}
	st.UnnamedRoot = dtaod.TAO(rapid.Uint64Range(0, 1e13).Draw(t, "unnamed root"))
	st.RootTAO += st.UnnamedRoot
	held := uint64(st.RootTAO)
	for _, ck := range propColdkeys {
		if v := rapid.OneOf(rapid.Uint64Range(0, 1e9), rapid.Uint64Range(1e9, 1e14)).Draw(t, "free"); v > 0 {
			st.Free[ck] = dtaod.TAO(v)
			held += v
		}
	}
	for _, s := range st.Subnets {
		held += uint64(s.TAOIn)
	}
	st.TotalIssuance = dtaod.TAO(held + rapid.Uint64Range(0, 1e15).Draw(t, "issuance extra"))
	st.Seal()
	if err := st.Check(); err != nil {
		t.Fatalf("generated state: %v", err)
	}
	return st
}

func drawNetUID(t *rapid.T, st *State, label string) dtaod.NetUID {
	nets := []dtaod.NetUID{dtaod.Root, 99}
	for _, s := range st.Subnets {
		nets = append(nets, s.NetUID, s.NetUID, s.NetUID) // existing subnets more likely
	}
	return rapid.SampledFrom(nets).Draw(t, label)
}

// drawLimit is a limit near the relevant spot price (or anywhere).
func drawLimit(t *rapid.T, st *State, n dtaod.NetUID) dtaod.Price {
	var spot uint256.Int
	spot.SetUint64(dtaod.FixedOne)
	if s := st.Subnet(n); s != nil && s.AlphaIn > 0 {
		spot.Mul(uint256.NewInt(uint64(s.TAOIn)), uint256.NewInt(dtaod.FixedOne))
		spot.Div(&spot, uint256.NewInt(uint64(s.AlphaIn)))
	}
	var v uint256.Int
	switch rapid.IntRange(0, 3).Draw(t, "limit kind") {
	case 0:
		v.SetUint64(0)
	case 1: // spot * f / 1000, f in [500, 2000]
		v.Mul(&spot, uint256.NewInt(rapid.Uint64Range(500, 2000).Draw(t, "limit factor")))
		v.Div(&v, uint256.NewInt(1000))
	case 2:
		v.SetUint64(rapid.Uint64().Draw(t, "limit raw"))
	case 3:
		v = spot
	}
	return dtaod.PriceFromScaled(&v)
}

func drawAmount(t *rapid.T, st *State, ck, hk string, n dtaod.NetUID, add bool) uint64 {
	have := st.StakeOf(ck, hk, n)
	if add {
		have = uint64(st.Free[ck])
	}
	switch rapid.IntRange(0, 9).Draw(t, "amount kind") {
	case 0:
		return rapid.SampledFrom([]uint64{0, 1, 549_999, 550_000, 550_001, math.MaxUint64}).Draw(t, "amount")
	case 1:
		return rapid.Uint64Range(0, 2_000_000).Draw(t, "amount")
	case 2:
		return rapid.Uint64().Draw(t, "amount")
	case 3:
		return have
	case 4:
		return have + 1
	}
	return rapid.Uint64Range(0, have).Draw(t, "amount")
}

func drawOrder(t *rapid.T, st *State) *Order {
	o := &Order{
		Kind:    OrderKind(rapid.IntRange(1, 5).Draw(t, "kind")),
		Coldkey: rapid.SampledFrom(propColdkeys).Draw(t, "order ck"),
		Hotkey:  rapid.SampledFrom(propHotkeys).Draw(t, "order hk"),
	}
	o.NetUID = drawNetUID(t, st, "order netuid")
	o.ToColdkey = rapid.SampledFrom(propColdkeys).Draw(t, "to ck")
	o.FromHotkey, o.ToHotkey = rapid.SampledFrom(propHotkeys).Draw(t, "from hk"), rapid.SampledFrom(propHotkeys).Draw(t, "to hk")
	o.FromNetUID, o.ToNetUID = drawNetUID(t, st, "from netuid"), drawNetUID(t, st, "to netuid")
	if stakes := st.Stakes(); len(stakes) > 0 && o.Kind != AddStake && rapid.IntRange(0, 3).Draw(t, "from a stake") > 0 {
		e := rapid.SampledFrom(stakes).Draw(t, "stake entry")
		o.Coldkey, o.Hotkey, o.FromHotkey, o.NetUID, o.FromNetUID = e.Coldkey, e.Hotkey, e.Hotkey, e.NetUID, e.NetUID
	}
	switch o.Kind {
	case AddStake:
		o.Amount = drawAmount(t, st, o.Coldkey, o.Hotkey, o.NetUID, true)
	case RemoveStake:
		o.Amount = drawAmount(t, st, o.Coldkey, o.Hotkey, o.NetUID, false)
	case MoveStake:
		o.Amount = drawAmount(t, st, o.Coldkey, o.FromHotkey, o.FromNetUID, false)
	default:
		o.Amount = drawAmount(t, st, o.Coldkey, o.Hotkey, o.FromNetUID, false)
	}
	if o.HasLimit = rapid.IntRange(0, 2).Draw(t, "has limit") == 0; o.HasLimit {
		ln := o.NetUID
		if o.Kind != AddStake && o.Kind != RemoveStake {
			ln = o.FromNetUID
		}
		o.LimitPrice = drawLimit(t, st, ln)
		o.AllowPartial = rapid.Bool().Draw(t, "partial")
	}
	return o
}

func kWide(s *Subnet) uint256.Int {
	var k uint256.Int
	k.Mul(uint256.NewInt(uint64(s.TAOIn)), uint256.NewInt(uint64(s.AlphaIn)))
	return k
}

// checkOrder applies o and asserts the per-order invariants. It returns the error.
func checkOrder(t *rapid.T, st *State, p *dtaod.Params, o *Order) (Receipt, error) {
	before := st.Clone()
	r, err := st.Apply(p, o)
	if cerr := st.Check(); cerr != nil {
		t.Fatalf("%s %+v: %v", o.Kind, *o, cerr)
	}
	if err != nil {
		if c := dtaod.CodeOf(err); !knownCodes[c] {
			t.Fatalf("%s: error without a stable code: %v (%s)", o.Kind, err, c)
		}
		if !reflect.DeepEqual(before, st) {
			t.Fatalf("%s %+v failed with %v but changed the state", o.Kind, *o, err)
		}
		return r, err
	}
	for _, s := range st.Subnets {
		b := before.Subnet(s.NetUID)
		kb, ka := kWide(b), kWide(s)
		if ka.Lt(&kb) {
			t.Fatalf("%s %+v: k of netuid %d shrank from %s to %s", o.Kind, *o, s.NetUID, kb.Dec(), ka.Dec())
		}
	}
	// A fill of 0 (possible only with min_stake + fee = 0) moves nothing and may sit on either
	// side of its limit.
	if filled := r.TAO > 0 || r.Alpha > 0; o.HasLimit && filled {
		checkLimit(t, st, o)
	}
	// Accounting of the receipt against the coldkey's balances.
	switch o.Kind {
	case AddStake:
		if before.Free[o.Coldkey]-st.Free[o.Coldkey] != r.TAO || uint64(r.TAO) > o.Amount {
			t.Fatalf("add: free %d -> %d, receipt %+v", before.Free[o.Coldkey], st.Free[o.Coldkey], r)
		}
	case RemoveStake:
		if st.Free[o.Coldkey]-before.Free[o.Coldkey] != r.TAO || uint64(r.Alpha) > o.Amount {
			t.Fatalf("remove: free %d -> %d, receipt %+v", before.Free[o.Coldkey], st.Free[o.Coldkey], r)
		}
		if got := before.StakeOf(o.Coldkey, o.Hotkey, o.NetUID) - st.StakeOf(o.Coldkey, o.Hotkey, o.NetUID); got < uint64(r.Alpha) {
			t.Fatalf("remove: stake fell by %d < %d sold", got, r.Alpha)
		}
	default:
		if !reflect.DeepEqual(before.Free, st.Free) {
			t.Fatalf("%s changed free balances", o.Kind)
		}
	}
	return r, nil
}

// roundTrip mints x TAO to a fresh coldkey (issuance grows with it, so conservation holds), stakes
// it and unstakes everything: the TAO back must not exceed x.
func roundTrip(t *rapid.T, st *State, p *dtaod.Params, i int) {
	ck := fmt.Sprintf("fresh%d", i)
	x := rapid.OneOf(rapid.Uint64Range(0, 2_000_000), rapid.Uint64Range(0, 1e13)).Draw(t, "round trip amount")
	st.Free[ck] += dtaod.TAO(x)
	st.TotalIssuance += dtaod.TAO(x)
	if st.Free[ck] == 0 {
		delete(st.Free, ck)
	}
	hk := rapid.SampledFrom(propHotkeys).Draw(t, "rt hk")
	n := drawNetUID(t, st, "rt netuid")
	o := &Order{Kind: AddStake, Coldkey: ck, Hotkey: hk, NetUID: n, Amount: x}
	if _, err := checkOrder(t, st, p, o); err != nil {
		return
	}
	if rapid.Bool().Draw(t, "rt move first") {
		// Optionally move it once before unstaking: a move must not create value either.
		to := drawNetUID(t, st, "rt to")
		mv := &Order{Kind: SwapStake, Coldkey: ck, Hotkey: hk, FromNetUID: n, ToNetUID: to, Amount: st.StakeOf(ck, hk, n)}
		if _, err := checkOrder(t, st, p, mv); err == nil {
			n = to
		}
	}
	rm := &Order{Kind: RemoveStake, Coldkey: ck, Hotkey: hk, NetUID: n, Amount: st.StakeOf(ck, hk, n)}
	checkOrder(t, st, p, rm)
	if back := uint64(st.Free[ck]); back > x {
		t.Fatalf("round trip of %d TAO on netuid %d returned %d", x, n, back)
	}
}

func TestPropOrders(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := drawState(t)
		p := drawParams(t)
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			if rapid.IntRange(0, 5).Draw(t, "round trip?") == 0 {
				roundTrip(t, st, p, i)
				continue
			}
			checkOrder(t, st, p, drawOrder(t, st))
		}
	})
}

// A failed order of each kind on a random state: the state is deep-equal to its clone.
func TestPropFailureChangesNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st := drawState(t)
		p := drawParams(t)
		o := drawOrder(t, st)
		o.Amount = rapid.SampledFrom([]uint64{0, 1, math.MaxUint64, math.MaxUint64 / 2}).Draw(t, "bad amount")
		checkOrder(t, st, p, o)
	})
}

func priceRat(s *Subnet) *big.Rat {
	if s == nil {
		return big.NewRat(1, 1) // root is 1:1
	}
	return new(big.Rat).SetFrac(new(big.Int).SetUint64(uint64(s.TAOIn)), new(big.Int).SetUint64(uint64(s.AlphaIn)))
}

// checkLimit asserts that a filled limit order left the final price (with fees added back) on
// the right side of its limit (spec 4 and 9.8): at most L after a buy, at least L after a sell,
// and price(origin)/price(destination) at least L after a move between two subnets.
func checkLimit(t *rapid.T, st *State, o *Order) {
	l := o.LimitPrice.Scaled()
	lim := new(big.Rat).SetFrac(l.ToBig(), new(big.Int).SetUint64(dtaod.FixedOne))
	switch o.Kind {
	case AddStake:
		if s := st.Subnet(o.NetUID); s != nil && priceRat(s).Cmp(lim) > 0 {
			t.Fatalf("buy with limit %s left the price at %s", o.LimitPrice, priceRat(s).FloatString(18))
		}
	case RemoveStake:
		if s := st.Subnet(o.NetUID); s != nil && lim.Sign() > 0 && priceRat(s).Cmp(lim) < 0 {
			t.Fatalf("sell with limit %s left the price at %s", o.LimitPrice, priceRat(s).FloatString(18))
		}
	default:
		if o.FromNetUID == o.ToNetUID || lim.Sign() == 0 {
			return
		}
		ratio := new(big.Rat).Quo(priceRat(st.Subnet(o.FromNetUID)), priceRat(st.Subnet(o.ToNetUID)))
		if ratio.Cmp(lim) < 0 {
			t.Fatalf("move %d -> %d with limit %s left the ratio at %s", o.FromNetUID, o.ToNetUID, o.LimitPrice, ratio.FloatString(18))
		}
	}
}
