package engine

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

// Property tests of the engine: random networks run through blocks (coinbase, epochs at small
// tempos, orders) interleaved with orders applied between blocks. After every step: conservation
// and share-pool soundness (Check); after an order, k never shrinks and a failure changes nothing;
// inside a block, failed inputs change nothing (re-running the block without them gives the same
// state); the same scenario run twice gives identical states.

var (
	coldkeys   = []string{"c0", "c1", "c2", "c3"}
	hotkeys    = []string{"h0", "h1", "h2"}
	knownCodes = map[string]bool{"AMOUNT_TOO_LOW": true, "INSUFFICIENT_BALANCE": true, "INSUFFICIENT_STAKE": true,
		"INSUFFICIENT_LIQUIDITY": true, "SLIPPAGE_TOO_HIGH": true, "SUBNET_NOT_FOUND": true, "OVERFLOW": true}
)

// desc is a drawn starting network, built as many times as needed.
type subnetDesc struct {
	netuid         dtaod.NetUID
	t, a, unnamed  uint64
	mp             dtaod.Fixed
	tempo          uint16
	reg            bool
	ownerCK, ownHK string
	registeredAt   dtaod.Block
	neurons        []pools.Neuron
	pend           [4]uint64 // alpha, owner cut, root alpha, root TAO
}

type stakeDesc struct {
	ck, hk string
	n      dtaod.NetUID
	v      uint64
}

type desc struct {
	subnets     []subnetDesc
	stakes      []stakeDesc
	free        map[string]uint64
	unnamedRoot uint64
	extra       uint64
	belowHeld   bool
	params      dtaod.Params
	height      dtaod.Block
}

func reserve(t *rapid.T, label string) uint64 {
	switch rapid.IntRange(0, 9).Draw(t, label+" kind") {
	case 7:
		return rapid.Uint64Range(1e7, 2e7).Draw(t, label)
	case 8:
		return rapid.Uint64Range(0, 1e7).Draw(t, label)
	case 9:
		return 0
	}
	return rapid.Uint64Range(1e9, 1e15).Draw(t, label)
}

func drawDesc(t *rapid.T) desc {
	d := desc{free: map[string]uint64{}, params: dtaod.DefaultParams()}
	seen := map[dtaod.NetUID]bool{}
	for i, n := 0, rapid.IntRange(1, 4).Draw(t, "subnets"); i < n; i++ {
		s := subnetDesc{
			netuid: dtaod.NetUID(rapid.IntRange(1, 6).Draw(t, "netuid")),
			t:      reserve(t, "T"), a: reserve(t, "A"),
			unnamed: rapid.Uint64Range(0, 1e12).Draw(t, "unnamed"),
			mp:      dtaod.Fixed(rapid.Uint64Range(0, dtaod.FixedOne).Draw(t, "mp")),
			tempo:   uint16(rapid.IntRange(0, 5).Draw(t, "tempo")),
			reg:     rapid.IntRange(0, 4).Draw(t, "reg") > 0,
		}
		if seen[s.netuid] {
			continue
		}
		seen[s.netuid] = true
		if rapid.Bool().Draw(t, "owner") {
			s.ownerCK, s.ownHK = rapid.SampledFrom(coldkeys).Draw(t, "owner ck"), rapid.SampledFrom(hotkeys).Draw(t, "owner hk")
		}
		for _, hk := range hotkeys {
			if rapid.IntRange(0, 2).Draw(t, "neuron") > 0 {
				s.neurons = append(s.neurons, pools.Neuron{Hotkey: hk, Coldkey: rapid.SampledFrom(coldkeys).Draw(t, "neuron ck")})
			}
		}
		if rapid.Bool().Draw(t, "pending") {
			for j := range s.pend {
				s.pend[j] = rapid.Uint64Range(0, 1e10).Draw(t, "pend")
			}
		}
		d.subnets = append(d.subnets, s)
	}
	nets := []dtaod.NetUID{dtaod.Root}
	for _, s := range d.subnets {
		nets = append(nets, s.netuid)
	}
	for i, k := 0, rapid.IntRange(0, 12).Draw(t, "stakes"); i < k; i++ {
		d.stakes = append(d.stakes, stakeDesc{
			rapid.SampledFrom(coldkeys).Draw(t, "ck"), rapid.SampledFrom(hotkeys).Draw(t, "hk"), rapid.SampledFrom(nets).Draw(t, "stake netuid"),
			rapid.OneOf(rapid.Uint64Range(0, 1e6), rapid.Uint64Range(1e9, 1e13)).Draw(t, "stake"),
		})
	}
	d.unnamedRoot = rapid.Uint64Range(0, 1e13).Draw(t, "unnamed root")
	for _, ck := range coldkeys {
		d.free[ck] = rapid.OneOf(rapid.Uint64Range(0, 1e9), rapid.Uint64Range(1e9, 1e14)).Draw(t, "free")
	}
	d.extra = rapid.OneOf(rapid.Uint64Range(0, 1e15), rapid.Uint64Range(0, 21e15)).Draw(t, "issuance extra")
	d.belowHeld = rapid.IntRange(0, 4).Draw(t, "issuance below held") == 0
	p := &d.params
	p.MovingPriceAlpha = dtaod.Fixed(rapid.SampledFrom([]uint64{3_000_000_000_000, 1e17, 5e17, dtaod.FixedOne, 0}).Draw(t, "mp alpha"))
	p.MovingPriceHalvingBlocks = rapid.SampledFrom([]uint64{0, 0, 10, 1000}).Draw(t, "mp halving")
	p.EmissionShare = dtaod.EmissionShare(rapid.IntRange(0, 2).Draw(t, "share"))
	p.Halving = dtaod.Halving(rapid.IntRange(0, 1).Draw(t, "halving"))
	p.TAOWeight = dtaod.Fixed(rapid.SampledFrom([]uint64{18e16, 0, 5e17, dtaod.FixedOne}).Draw(t, "tao weight"))
	p.ValidatorTake = dtaod.Fixed(rapid.SampledFrom([]uint64{18e16, 0, dtaod.FixedOne}).Draw(t, "take"))
	p.OwnerCut = dtaod.Fixed(rapid.SampledFrom([]uint64{18e16, 0, dtaod.FixedOne}).Draw(t, "owner cut"))
	p.BlockEmission = dtaod.TAO(rapid.SampledFrom([]uint64{1e9, 1, 1e12}).Draw(t, "block emission"))
	d.height = dtaod.Block(rapid.Uint64Range(0, 1000).Draw(t, "height"))
	return d
}

func build(d desc) *pools.State {
	st := pools.NewState()
	for _, s := range d.subnets {
		st.AddSubnet(&pools.Subnet{NetUID: s.netuid, TAOIn: dtaod.TAO(s.t), AlphaIn: dtaod.Alpha(s.a), MovingPrice: s.mp, Tempo: s.tempo,
			RegistrationAllowed: s.reg, OwnerColdkey: s.ownerCK, OwnerHotkey: s.ownHK, RegisteredAt: s.registeredAt,
			Neurons: append([]pools.Neuron(nil), s.neurons...), UnnamedStake: dtaod.Alpha(s.unnamed),
			AlphaOut:     dtaod.Alpha(s.unnamed + s.pend[0] + s.pend[1]),
			PendingAlpha: dtaod.Alpha(s.pend[0]), PendingOwnerCut: dtaod.Alpha(s.pend[1]),
			PendingRootAlpha: dtaod.Alpha(s.pend[2]), PendingRootTAO: dtaod.TAO(s.pend[3])})
	}
	for _, k := range d.stakes {
		st.CreditStake(k.ck, k.hk, k.n, k.v)
		if k.n == dtaod.Root {
			st.RootTAO += dtaod.TAO(k.v)
		} else {
			st.Subnet(k.n).AlphaOut += dtaod.Alpha(k.v)
		}
	}
	st.UnnamedRoot = dtaod.TAO(d.unnamedRoot)
	st.RootTAO += st.UnnamedRoot
	held := uint64(st.RootTAO)
	for _, ck := range coldkeys {
		if v := d.free[ck]; v > 0 {
			st.Free[ck] = dtaod.TAO(v)
			held += v
		}
	}
	for _, s := range st.Subnets {
		held += uint64(s.TAOIn) + uint64(s.PendingRootTAO)
	}
	if d.belowHeld {
		// A scenario may declare less issuance than the TAO it lists (its default is 0).
		st.TotalIssuance = dtaod.TAO(d.extra % (held + 1))
	} else {
		st.TotalIssuance = dtaod.TAO(held + d.extra)
	}
	st.Seal()
	return st
}

func netuid(t *rapid.T, st *pools.State, label string) dtaod.NetUID {
	nets := []dtaod.NetUID{dtaod.Root, 99}
	for _, s := range st.Subnets {
		nets = append(nets, s.NetUID, s.NetUID, s.NetUID)
	}
	return rapid.SampledFrom(nets).Draw(t, label)
}

func amount(t *rapid.T, have uint64) uint64 {
	switch rapid.IntRange(0, 9).Draw(t, "amount kind") {
	case 0:
		return rapid.SampledFrom([]uint64{0, 1, 549_999, 550_000, 550_001, math.MaxUint64}).Draw(t, "amount")
	case 1:
		return rapid.Uint64Range(0, 2_000_000).Draw(t, "amount")
	case 2:
		return rapid.Uint64().Draw(t, "amount")
	case 3:
		return have
	}
	return rapid.Uint64Range(0, have).Draw(t, "amount")
}

func limit(t *rapid.T, st *pools.State, n dtaod.NetUID) dtaod.Price {
	var spot, v uint256.Int
	spot.SetUint64(dtaod.FixedOne)
	if s := st.Subnet(n); s != nil && s.AlphaIn > 0 {
		spot.Mul(uint256.NewInt(uint64(s.TAOIn)), uint256.NewInt(dtaod.FixedOne))
		spot.Div(&spot, uint256.NewInt(uint64(s.AlphaIn)))
	}
	switch rapid.IntRange(0, 2).Draw(t, "limit kind") {
	case 0:
		v.Mul(&spot, uint256.NewInt(rapid.Uint64Range(500, 2000).Draw(t, "limit factor")))
		v.Div(&v, uint256.NewInt(1000))
	case 1:
		v.SetUint64(rapid.Uint64().Draw(t, "limit raw"))
	}
	return dtaod.PriceFromScaled(&v)
}

func order(t *rapid.T, st *pools.State) *pools.Order {
	o := &pools.Order{
		Kind:    pools.OrderKind(rapid.IntRange(1, 5).Draw(t, "kind")),
		Coldkey: rapid.SampledFrom(coldkeys).Draw(t, "order ck"), Hotkey: rapid.SampledFrom(hotkeys).Draw(t, "order hk"),
		ToColdkey: rapid.SampledFrom(coldkeys).Draw(t, "to ck"), ToHotkey: rapid.SampledFrom(hotkeys).Draw(t, "to hk"),
	}
	o.FromHotkey = o.Hotkey
	o.NetUID, o.FromNetUID, o.ToNetUID = netuid(t, st, "order netuid"), netuid(t, st, "from netuid"), netuid(t, st, "to netuid")
	if stakes := st.Stakes(); len(stakes) > 0 && o.Kind != pools.AddStake && rapid.IntRange(0, 3).Draw(t, "from a stake") > 0 {
		e := rapid.SampledFrom(stakes).Draw(t, "stake entry")
		o.Coldkey, o.Hotkey, o.FromHotkey, o.NetUID, o.FromNetUID = e.Coldkey, e.Hotkey, e.Hotkey, e.NetUID, e.NetUID
	}
	if o.Kind == pools.AddStake {
		o.Amount = amount(t, uint64(st.Free[o.Coldkey]))
	} else if o.Kind == pools.RemoveStake {
		o.Amount = amount(t, st.StakeOf(o.Coldkey, o.Hotkey, o.NetUID))
	} else {
		o.Amount = amount(t, st.StakeOf(o.Coldkey, o.Hotkey, o.FromNetUID))
	}
	if o.HasLimit = rapid.IntRange(0, 2).Draw(t, "has limit") == 0; o.HasLimit {
		ln := o.NetUID
		if o.Kind != pools.AddStake && o.Kind != pools.RemoveStake {
			ln = o.FromNetUID
		}
		o.LimitPrice = limit(t, st, ln)
		o.AllowPartial = rapid.Bool().Draw(t, "partial")
	}
	return o
}

func patch(t *rapid.T) *dtaod.ParamsPatch {
	var q dtaod.ParamsPatch
	switch rapid.IntRange(0, 3).Draw(t, "patch") {
	case 0:
		s := dtaod.EmissionShare(rapid.IntRange(0, 2).Draw(t, "patch share"))
		q.EmissionShare = &s
	case 1:
		w := dtaod.Fixed(rapid.Uint64Range(0, dtaod.FixedOne).Draw(t, "patch tw"))
		q.TAOWeight = &w
	case 2:
		f := dtaod.TAO(rapid.SampledFrom([]uint64{0, 50_000, 1_000_000}).Draw(t, "patch fee"))
		q.StakingFee = &f
	case 3:
		h := dtaod.Halving(rapid.IntRange(0, 1).Draw(t, "patch halving"))
		q.Halving = &h
	}
	return &q
}

func kOf(s *pools.Subnet) uint256.Int {
	var k uint256.Int
	k.Mul(uint256.NewInt(uint64(s.TAOIn)), uint256.NewInt(uint64(s.AlphaIn)))
	return k
}

// applyOrder applies one order between blocks with the per-order checks.
func applyOrder(t *rapid.T, e *Engine, o *pools.Order) error {
	st := e.State
	before := st.Clone()
	_, err := st.Apply(&e.Params, o)
	if cerr := st.Check(); cerr != nil {
		t.Fatalf("%s %+v: %v", o.Kind, *o, cerr)
	}
	if err != nil {
		if c := dtaod.CodeOf(err); !knownCodes[c] {
			t.Fatalf("%s: error without a stable code: %v", o.Kind, err)
		}
		if !reflect.DeepEqual(before, st) {
			t.Fatalf("%s %+v failed with %v but changed the state", o.Kind, *o, err)
		}
		return err
	}
	for _, s := range st.Subnets {
		b := before.Subnet(s.NetUID)
		kb, ka := kOf(b), kOf(s)
		if ka.Lt(&kb) {
			t.Fatalf("%s: k of netuid %d shrank", o.Kind, s.NetUID)
		}
	}
	return nil
}

// roundTrip: a fresh coldkey, funded by a mint, stakes and unstakes everything; it never gets
// back more TAO than it put in.
func roundTrip(t *rapid.T, e *Engine, i int) {
	st := e.State
	ck := fmt.Sprintf("fresh%d", i)
	x := rapid.Uint64Range(0, 1e13).Draw(t, "round trip")
	if x == 0 {
		return
	}
	st.Free[ck] += dtaod.TAO(x)
	st.TotalIssuance += dtaod.TAO(x)
	hk := rapid.SampledFrom(hotkeys).Draw(t, "rt hk")
	n := netuid(t, st, "rt netuid")
	if applyOrder(t, e, &pools.Order{Kind: pools.AddStake, Coldkey: ck, Hotkey: hk, NetUID: n, Amount: x}) != nil {
		return
	}
	applyOrder(t, e, &pools.Order{Kind: pools.RemoveStake, Coldkey: ck, Hotkey: hk, NetUID: n, Amount: st.StakeOf(ck, hk, n)})
	if back := uint64(st.Free[ck]); back > x {
		t.Fatalf("round trip of %d on netuid %d returned %d", x, n, back)
	}
}

// block runs one engine block with random inputs and checks it.
func block(t *rapid.T, e *Engine, res *BlockResult) {
	st := e.State
	var inputs []Input
	for i, n := 0, rapid.IntRange(0, 4).Draw(t, "inputs"); i < n; i++ {
		if rapid.IntRange(0, 7).Draw(t, "input kind") == 0 {
			inputs = append(inputs, Input{Params: patch(t)})
		} else {
			inputs = append(inputs, Input{Order: order(t, st)})
		}
	}
	before, params, height := st.Clone(), e.Params, e.Height
	issuance := st.TotalIssuance
	if err := e.Next(inputs, res); err != nil {
		t.Fatalf("block %d: %v", height+1, err)
	}
	if err := st.Check(); err != nil {
		t.Fatalf("block %d: %v", res.Block, err)
	}
	if res.Block != height+1 || e.Height != res.Block || len(res.Outcomes) != len(inputs) {
		t.Fatalf("block %d result %+v", height+1, res)
	}
	if want := emission.BlockEmission(&params, uint64(issuance)); uint64(res.Emission) != want {
		t.Fatalf("block %d: emission %d, want %d", res.Block, res.Emission, want)
	}
	// Epochs: exactly the subnets due, in netuid order, each leaving nothing pending.
	var due []dtaod.NetUID
	for _, s := range st.Subnets {
		if emission.IsEpochBlock(res.Block, s.NetUID, s.Tempo) {
			due = append(due, s.NetUID)
			if s.PendingAlpha != 0 || s.PendingOwnerCut != 0 || s.PendingRootAlpha != 0 || s.PendingRootTAO != 0 {
				t.Fatalf("block %d: netuid %d still has pending after its epoch", res.Block, s.NetUID)
			}
		}
	}
	if len(due) != len(res.Epochs) {
		t.Fatalf("block %d: %d epochs, %d due", res.Block, len(res.Epochs), len(due))
	}
	for i, r := range res.Epochs {
		if r.NetUID != due[i] || r.Block != res.Block || r.Mode != emission.ModeFallback {
			t.Fatalf("block %d: epoch record %+v", res.Block, r)
		}
	}
	// Failed inputs changed nothing: the same block without them gives the same state.
	var kept []Input
	var keptOut []Outcome
	failed := false
	for i, in := range inputs {
		if err := res.Outcomes[i].Err; err != nil {
			if c := dtaod.CodeOf(err); !knownCodes[c] {
				t.Fatalf("block %d: error without a stable code: %v", res.Block, err)
			}
			failed = true
			continue
		}
		kept = append(kept, in)
		keptOut = append(keptOut, res.Outcomes[i])
	}
	if failed {
		e2 := New(before, params, height, nil)
		var res2 BlockResult
		if err := e2.Next(kept, &res2); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(e2.State, st) || !reflect.DeepEqual(e2.Params, e.Params) {
			t.Fatalf("block %d: failed inputs changed the state", res.Block)
		}
		for i := range keptOut {
			if res2.Outcomes[i].Err != nil || res2.Outcomes[i].Receipt != keptOut[i].Receipt {
				t.Fatalf("block %d: input %d gave %+v without the failed inputs, %+v with them", res.Block, i, res2.Outcomes[i], keptOut[i])
			}
		}
	}
}

func TestPropEngine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := drawDesc(t)
		st := build(d)
		if err := st.Check(); err != nil {
			t.Fatal(err)
		}
		e := New(st, d.params, d.height, nil)
		var res BlockResult
		for i, n := 0, rapid.IntRange(1, 25).Draw(t, "steps"); i < n; i++ {
			switch rapid.IntRange(0, 5).Draw(t, "step") {
			case 0, 1, 2:
				block(t, e, &res)
			case 3, 4:
				applyOrder(t, e, order(t, st))
			case 5:
				roundTrip(t, e, i)
			}
		}
	})
}

// Determinism: the same scenario (starting network, parameters, regimes, inputs) run twice on two
// independently built states gives identical states and results after every block.
func TestPropDeterminism(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := drawDesc(t)
		var regimes []Regime
		if rapid.Bool().Draw(t, "regimes") {
			for i, n := 0, rapid.IntRange(1, 3).Draw(t, "regime count"); i < n; i++ {
				regimes = append(regimes, Regime{From: d.height + dtaod.Block(rapid.IntRange(0, 12).Draw(t, "regime from")), Params: *patch(t)})
			}
		}
		a, b := New(build(d), d.params, d.height, regimes), New(build(d), d.params, d.height, regimes)
		var ra, rb BlockResult
		for i, n := 0, rapid.IntRange(1, 15).Draw(t, "blocks"); i < n; i++ {
			var inputs []Input
			for j, m := 0, rapid.IntRange(0, 4).Draw(t, "inputs"); j < m; j++ {
				if rapid.IntRange(0, 7).Draw(t, "input kind") == 0 {
					inputs = append(inputs, Input{Params: patch(t)})
				} else {
					inputs = append(inputs, Input{Order: order(t, a.State)})
				}
			}
			ea, eb := a.Next(inputs, &ra), b.Next(inputs, &rb)
			if (ea == nil) != (eb == nil) {
				t.Fatalf("block %d: errors differ: %v / %v", ra.Block, ea, eb)
			}
			if ea != nil {
				t.Fatalf("block %d: %v", ra.Block, ea)
			}
			if !reflect.DeepEqual(a.State, b.State) || a.Params != b.Params || a.Height != b.Height {
				t.Fatalf("block %d: the two runs diverged", ra.Block)
			}
			if ra.Emission != rb.Emission || !reflect.DeepEqual(ra.Epochs, rb.Epochs) || len(ra.Outcomes) != len(rb.Outcomes) {
				t.Fatalf("block %d: results differ", ra.Block)
			}
			for j := range ra.Outcomes {
				if ra.Outcomes[j].Receipt != rb.Outcomes[j].Receipt || dtaod.CodeOf(ra.Outcomes[j].Err) != dtaod.CodeOf(rb.Outcomes[j].Err) {
					t.Fatalf("block %d input %d: outcomes differ", ra.Block, j)
				}
			}
			if err := a.State.Check(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
