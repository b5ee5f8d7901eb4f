package pools

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"pgregory.net/rapid"
)

// Property tests of the snapshot codec on random networks (prop_test.go's drawState, with every
// field the snapshot carries set at random) after random sequences of every order kind and of
// emission-like credits through the neurons' cached pools.

// drawSnapState is drawState with every remaining field of the state, its subnets and neurons
// drawn, plus the things Snapshot must leave out (zero balances, empty cached pools).
func drawSnapState(t *rapid.T) *State {
	st := drawState(t)
	u64 := func(label string, hi uint64) uint64 { return rapid.Uint64Range(0, hi).Draw(t, label) }
	st.Height = dtaod.Block(u64("height", 1e6))
	st.NetworkLastLock = dtaod.TAO(u64("last lock", 1e12))
	st.NetworkLastLockBlock = dtaod.Block(u64("last lock block", uint64(st.Height)))
	st.BurnShortfall = dtaod.TAO(u64("shortfall", 1e9))
	for _, s := range st.Subnets {
		s.MaxAllowedUIDs = uint16(u64("max uids", 5))
		s.MaxAllowedValidators = uint16(u64("max validators", 5))
		s.RegisteredAt = dtaod.Block(u64("registered", 1e6))
		s.VolumeHi, s.VolumeLo = u64("volume hi", 3), rapid.Uint64().Draw(t, "volume lo")
		s.PendingAlpha = dtaod.Alpha(u64("pending alpha", 1e12))
		s.PendingOwnerCut = dtaod.Alpha(u64("pending owner", 1e12))
		s.AlphaOut += s.PendingAlpha + s.PendingOwnerCut
		s.PendingRootAlpha = dtaod.Alpha(u64("pending root alpha", 1e12))
		s.PendingRootTAO = dtaod.TAO(u64("pending root tao", 1e12))
		s.LastTAOInEmission, s.LastRootDivsTAO = dtaod.TAO(u64("last tao in", 1e9)), dtaod.TAO(u64("last root divs", 1e9))
		s.LastAlphaInEmission, s.LastAlphaOutEmission = dtaod.Alpha(u64("last alpha in", 1e9)), dtaod.Alpha(u64("last alpha out", 1e9))
		s.LastOwnerCut = dtaod.Alpha(u64("last owner cut", 1e9))
		for i := range s.Neurons {
			n := &s.Neurons[i]
			n.RegisteredAt = dtaod.Block(u64("n registered", uint64(st.Height)))
			n.LastUpdate = dtaod.Block(u64("n last update", uint64(st.Height)))
			n.ValidatorPermit, n.Active = rapid.Bool().Draw(t, "permit"), rapid.Bool().Draw(t, "active")
			n.Weights = drawWeights(t, len(s.Neurons), "weights")
			n.Bonds = drawWeights(t, len(s.Neurons), "bonds")
			for _, f := range []*uint16{&n.Rank, &n.Trust, &n.Consensus, &n.Incentive, &n.Dividends, &n.ValidatorTrust, &n.PruningScore} {
				*f = uint16(u64("u16 result", 65535))
			}
			n.Emission = dtaod.Alpha(u64("n emission", 1e9))
			if rapid.Bool().Draw(t, "cache pools") {
				st.NeuronStake(s, i) // creates (possibly empty) pools and caches them
			}
		}
	}
	if rapid.Bool().Draw(t, "zero balance") {
		st.Free["zero"] = 0
	}
	st.Seal() // again: pending root TAO and the shortfall are part of the starting imbalance
	if err := st.Check(); err != nil {
		t.Fatalf("generated state: %v", err)
	}
	return st
}

// drawWeights is a sparse row sorted by uid over n neurons; sometimes empty but not nil.
func drawWeights(t *rapid.T, n int, label string) []Weight {
	if n > 0 && rapid.IntRange(0, 5).Draw(t, label+" empty") == 0 {
		return []Weight{}
	}
	var w []Weight
	for uid := 0; uid < n; uid++ {
		if rapid.Bool().Draw(t, label) {
			w = append(w, Weight{UID: uint16(uid), Value: uint16(rapid.IntRange(0, 65535).Draw(t, label+" value"))})
		}
	}
	return w
}

// snapStep is one thing that can happen to a state: an order at a height, or an epoch-like
// payment to a neuron through its cached pool. It is drawn once and applied to several states.
type snapStep struct {
	height dtaod.Block
	order  *Order
	// emission: credit (or distribute, when coldkey is "") amount on neuron uid of netuid.
	netuid  dtaod.NetUID
	uid     int
	root    bool
	coldkey string
	amount  uint64
}

func drawSnapStep(t *rapid.T, st *State) snapStep {
	s := snapStep{height: st.Height + dtaod.Block(rapid.Uint64Range(0, 150).Draw(t, "blocks"))}
	hotkeys := append(slices.Clone(propHotkeys), "h9")
	switch rapid.IntRange(0, 9).Draw(t, "step kind") {
	case 0:
		s.order = &Order{Kind: RegisterNeuron, Coldkey: rapid.SampledFrom(propColdkeys).Draw(t, "reg ck"),
			Hotkey: rapid.SampledFrom(hotkeys).Draw(t, "reg hk"), NetUID: drawNetUID(t, st, "reg netuid")}
	case 1:
		s.order = &Order{Kind: SetWeights, Hotkey: rapid.SampledFrom(hotkeys).Draw(t, "w hk"), NetUID: drawNetUID(t, st, "w netuid")}
		for i, k := 0, rapid.IntRange(0, 4).Draw(t, "w n"); i < k; i++ {
			s.order.Weights = append(s.order.Weights, Weight{UID: uint16(rapid.IntRange(0, 5).Draw(t, "w uid")),
				Value: uint16(rapid.IntRange(0, 65535).Draw(t, "w value"))})
		}
	case 2:
		s.order = &Order{Kind: RegisterSubnet, Coldkey: rapid.SampledFrom(propColdkeys).Draw(t, "sub ck"),
			Hotkey: rapid.SampledFrom(hotkeys).Draw(t, "sub hk")}
	case 3, 4:
		var subs []*Subnet
		for _, sn := range st.Subnets {
			if len(sn.Neurons) > 0 {
				subs = append(subs, sn)
			}
		}
		if len(subs) == 0 {
			return s
		}
		sn := rapid.SampledFrom(subs).Draw(t, "emit subnet")
		s.netuid, s.uid = sn.NetUID, rapid.IntRange(0, len(sn.Neurons)-1).Draw(t, "emit uid")
		s.root = rapid.Bool().Draw(t, "emit root")
		if rapid.Bool().Draw(t, "emit credit") {
			s.coldkey = rapid.SampledFrom(propColdkeys).Draw(t, "emit ck")
		}
		s.amount = rapid.Uint64Range(0, 1e11).Draw(t, "emit amount")
	default:
		s.order = drawOrder(t, st)
	}
	return s
}

// apply runs the step, keeping conservation: emitted alpha joins alpha_out, emitted root TAO is
// minted (issuance and root TAO grow together).
func (s snapStep) apply(st *State, p *dtaod.Params) (Receipt, error) {
	st.Height = s.height
	if s.order != nil {
		o := *s.order
		o.Weights = slices.Clone(s.order.Weights)
		return st.Apply(p, &o)
	}
	sn := st.Subnet(s.netuid)
	if sn == nil {
		return Receipt{}, nil
	}
	if s.coldkey != "" {
		st.CreditNeuron(sn, s.uid, s.root, s.coldkey, s.amount)
	} else {
		st.DistributeNeuron(sn, s.uid, s.root, s.amount)
	}
	if s.root {
		st.RootTAO += dtaod.TAO(s.amount)
		st.TotalIssuance += dtaod.TAO(s.amount)
	} else {
		sn.AlphaOut += dtaod.Alpha(s.amount)
	}
	return Receipt{}, nil
}

// drawHistory is a random state after a random history.
func drawHistory(t *rapid.T) (*State, *dtaod.Params) {
	st, p := drawSnapState(t), drawParams(t)
	for i, n := 0, rapid.IntRange(0, 25).Draw(t, "history"); i < n; i++ {
		drawSnapStep(t, st).apply(st, p)
	}
	if err := st.Check(); err != nil {
		t.Fatalf("history: %v", err)
	}
	return st, p
}

// mustRestore is FromSnapshot(st.Snapshot()), failing the test on an error.
func mustRestore(t interface{ Fatalf(string, ...any) }, st *State) *State {
	r, err := FromSnapshot(st.Snapshot())
	if err != nil {
		t.Fatalf("FromSnapshot of a valid state: %v", err)
	}
	return r
}

// normState is a copy of st without what a snapshot deliberately drops, for a DeepEqual of a
// state with its restored copy: zero balances, empty pools, zero shares, cached pools, the
// journal, and the difference between nil and empty weights.
func normState(st *State) *State {
	c := st.Clone()
	v := reflect.ValueOf(c).Elem()
	for name, in := range snapshotFields[reflect.TypeFor[State]()] {
		if f := v.FieldByName(name); !in && f.IsValid() && f.CanSet() {
			f.SetZero()
		}
	}
	for ck, b := range c.Free {
		if b == 0 {
			delete(c.Free, ck)
		}
	}
	for k, sp := range c.stakes {
		for ck, sh := range sp.Shares {
			if sh.IsZero() {
				delete(sp.Shares, ck)
			}
		}
		if sp.Value == 0 && sp.Denom.IsZero() {
			delete(c.stakes, k)
		}
	}
	for _, s := range c.Subnets {
		for i := range s.Neurons {
			n := &s.Neurons[i]
			n.alphaPool, n.rootPool = nil, nil
			n.Weights, n.Bonds = canonWeights(n.Weights), canonWeights(n.Bonds)
		}
	}
	return c
}

// (a) state -> Snapshot -> FromSnapshot -> Snapshot is the identity, on the rows, the hash and
// the state itself; the snapshot shares no memory with either state.
func TestPropSnapshotRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, _ := drawHistory(t)
		snap := st.Snapshot()
		if again := st.Snapshot(); !reflect.DeepEqual(snap, again) {
			t.Fatalf("two snapshots of one state differ")
		}
		kept := snap.Clone()
		restored, err := FromSnapshot(snap)
		if err != nil {
			t.Fatalf("FromSnapshot: %v", err)
		}
		if !reflect.DeepEqual(snap, kept) {
			t.Fatalf("FromSnapshot changed its input")
		}
		snap2 := restored.Snapshot()
		if !reflect.DeepEqual(snap, snap2) {
			t.Fatalf("round trip changed the rows:\n%+v\n%+v", snap, snap2)
		}
		if snap.Hash() != snap2.Hash() {
			t.Fatalf("round trip changed the hash")
		}
		if !reflect.DeepEqual(normState(st), normState(restored)) {
			t.Fatalf("restored state differs from the original")
		}
		if !restored.sealed || restored.taoOffset != st.taoOffset {
			t.Fatalf("restored seal %v %s, want true %s", restored.sealed, restored.taoOffset.Dec(), st.taoOffset.Dec())
		}
		// No aliasing: the engine rewrites bonds and weights in place.
		for _, states := range [][2]*State{{st, restored}, {restored, st}} {
			for _, s := range states[0].Subnets {
				for i := range s.Neurons {
					n := &s.Neurons[i]
					for j := range n.Bonds {
						n.Bonds[j].Value ^= 0xffff
					}
					for j := range n.Weights {
						n.Weights[j].Value ^= 0xffff
					}
				}
			}
		}
		if !reflect.DeepEqual(snap, kept) || !reflect.DeepEqual(snap2, kept) {
			t.Fatalf("a snapshot shares weights or bonds with a state")
		}
	})
}

// (b) the restored state and the original do the same thing with every further step: the same
// receipts and errors, the same hash after each, and both pass Check. The restored state starts
// with no cached pools, the original with some, so the lazy cache is exercised.
func TestPropSnapshotRestoreBehavesIdentically(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, p := drawHistory(t)
		restored := mustRestore(t, st)
		for i, n := 0, rapid.IntRange(1, 30).Draw(t, "steps"); i < n; i++ {
			step := drawSnapStep(t, st)
			r1, err1 := step.apply(st, p)
			r2, err2 := step.apply(restored, p)
			if r1 != r2 || (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
				t.Fatalf("step %d %+v: original %+v, %v; restored %+v, %v", i, step, r1, err1, r2, err2)
			}
			for _, s := range []*State{st, restored} {
				if err := s.Check(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			if h1, h2 := st.Snapshot().Hash(), restored.Snapshot().Hash(); h1 != h2 {
				t.Fatalf("step %d %+v: hashes differ", i, step)
			}
			if rapid.IntRange(0, 4).Draw(t, "restore again") == 0 {
				restored = mustRestore(t, restored)
			}
		}
		if !reflect.DeepEqual(normState(st), normState(restored)) {
			t.Fatalf("states differ after the same steps")
		}
	})
}

// (c) prev.Apply(Diff(prev, next)) == next for snapshots a history apart; Diff of equal
// snapshots is empty; the changes come sorted and are applied in any order.
func TestPropSnapshotDiffApply(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, p := drawHistory(t)
		prev := st.Snapshot()
		for i, n := 0, rapid.IntRange(0, 10).Draw(t, "steps"); i < n; i++ {
			drawSnapStep(t, st).apply(st, p)
		}
		next := st.Snapshot()
		checkDiffApply(t, prev, next, next)
		if c := Diff(next, next.Clone()); !c.Empty() {
			t.Fatalf("Diff of equal snapshots: %+v", c)
		}
		if len(prev.Subnets) == len(next.Subnets) { // backwards too, when no subnet appeared
			checkDiffApply(t, next, prev, prev)
		}
	})
}

// Diff and Apply between unrelated states: rows of every table come and go. Subnets are never
// deleted, so prev's extra subnets stay.
func TestPropSnapshotDiffApplyUnrelated(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, _ := drawHistory(t)
		b, _ := drawHistory(t)
		prev, next := a.Snapshot(), b.Snapshot()
		want := next.Clone()
		for _, r := range prev.Subnets {
			if _, ok := slices.BinarySearchFunc(next.Subnets, r.NetUID, func(x SubnetRow, n dtaod.NetUID) int { return cmpNetUID(x.NetUID, n) }); !ok {
				want.Subnets = append(want.Subnets, r)
			}
		}
		slices.SortFunc(want.Subnets, func(x, y SubnetRow) int { return cmpNetUID(x.NetUID, y.NetUID) })
		checkDiffApply(t, prev, next, want)
	})
}

func checkDiffApply(t *rapid.T, prev, next, want *Snapshot) {
	c := Diff(prev, next)
	if !slices.IsSortedFunc(c.Shares, func(a, b ShareRow) int { return cmpShareKey(shareKey(&a), shareKey(&b)) }) ||
		!slices.IsSortedFunc(c.DeleteShares, cmpShareKey) || !slices.IsSortedFunc(c.DeleteBalances, strings.Compare) {
		t.Fatalf("Diff's changes are not sorted")
	}
	got := prev.Clone()
	if err := got.Apply(c); err != nil {
		t.Fatalf("Apply(Diff): %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Apply(Diff(prev, next)) != next:\n got %+v\nwant %+v\nchanges %+v", got, want, c)
	}
	if got.Hash() != want.Hash() {
		t.Fatalf("hash after Apply differs")
	}
	// The same changes in reverse order give the same result, and the result owns its rows.
	rev := cloneChanges(c)
	for _, s := range []any{rev.Subnets, rev.Balances, rev.DeleteBalances, rev.Pools, rev.DeletePools, rev.Shares, rev.DeleteShares, rev.Neurons, rev.DeleteNeurons} {
		swap := reflect.Swapper(s)
		for i, j := 0, reflect.ValueOf(s).Len()-1; i < j; i, j = i+1, j-1 {
			swap(i, j)
		}
	}
	got2 := prev.Clone()
	if err := got2.Apply(rev); err != nil {
		t.Fatalf("Apply(reversed changes): %v", err)
	}
	for i := range rev.Neurons {
		for j := range rev.Neurons[i].Bonds {
			rev.Neurons[i].Bonds[j].Value ^= 1
		}
	}
	if !reflect.DeepEqual(got2, want) {
		t.Fatalf("Apply of reversed changes differs, or shares memory with the changes")
	}
}

func cloneChanges(c *Changes) *Changes {
	d := *c
	d.Subnets, d.Balances, d.DeleteBalances = slices.Clone(c.Subnets), slices.Clone(c.Balances), slices.Clone(c.DeleteBalances)
	d.Pools, d.DeletePools = slices.Clone(c.Pools), slices.Clone(c.DeletePools)
	d.Shares, d.DeleteShares = slices.Clone(c.Shares), slices.Clone(c.DeleteShares)
	d.Neurons, d.DeleteNeurons = slices.Clone(c.Neurons), slices.Clone(c.DeleteNeurons)
	for i := range d.Neurons {
		d.Neurons[i] = copyNeuronRow(&d.Neurons[i])
	}
	return &d
}

// FromSnapshot of a randomly corrupted snapshot never panics; when it accepts one, the state's
// own snapshot hashes the same (the accepted rows were canonical).
func TestPropFromSnapshotCorrupt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, _ := drawHistory(t)
		s := st.Snapshot()
		for i, n := 0, rapid.IntRange(1, 3).Draw(t, "corruptions"); i < n; i++ {
			snapCorrupt(t, s)
		}
		restored, err := FromSnapshot(s)
		if err != nil {
			return
		}
		if restored.Snapshot().Hash() != s.Hash() {
			t.Fatalf("accepted a snapshot whose state hashes differently")
		}
	})
}

// snapCorrupt changes one thing in s: a field of a row (through reflection, so every field is
// reachable), or a row dropped, duplicated or swapped with its neighbour.
func snapCorrupt(t *rapid.T, s *Snapshot) {
	tables := []reflect.Value{reflect.ValueOf(&s.Subnets).Elem(), reflect.ValueOf(&s.Balances).Elem(),
		reflect.ValueOf(&s.Pools).Elem(), reflect.ValueOf(&s.Shares).Elem(), reflect.ValueOf(&s.Neurons).Elem()}
	tab := tables[rapid.IntRange(0, len(tables)-1).Draw(t, "table")]
	if tab.Len() == 0 {
		snapMutateField(t, reflect.ValueOf(&s.Globals).Elem())
		return
	}
	i := rapid.IntRange(0, tab.Len()-1).Draw(t, "row")
	switch rapid.IntRange(0, 5).Draw(t, "corruption") {
	case 0: // drop
		tab.Set(reflect.AppendSlice(tab.Slice(0, i), tab.Slice(i+1, tab.Len())))
	case 1: // duplicate
		row := reflect.New(tab.Type().Elem()).Elem()
		row.Set(tab.Index(i))
		tab.Set(reflect.Append(tab, row))
		reflect.Swapper(tab.Interface())(i, tab.Len()-1)
	case 2: // swap with the next
		if i+1 < tab.Len() {
			reflect.Swapper(tab.Interface())(i, i+1)
		}
	default:
		snapMutateField(t, tab.Index(i))
	}
}

// snapMutateField sets one random field of the struct v to a random value of its kind.
func snapMutateField(t *rapid.T, v reflect.Value) {
	f := v.Field(rapid.IntRange(0, v.NumField()-1).Draw(t, "field"))
	small := rapid.Bool().Draw(t, "small")
	switch f.Kind() {
	case reflect.Uint16, reflect.Uint64:
		if small {
			f.SetUint(uint64(rapid.IntRange(0, 3).Draw(t, "small uint")))
		} else {
			f.SetUint(f.Uint() + 1)
		}
	case reflect.Bool:
		f.SetBool(!f.Bool())
	case reflect.String:
		f.SetString(rapid.SampledFrom([]string{"", "c0", "h0", "h1", "zz"}).Draw(t, "string"))
	case reflect.Array: // uint256.Int
		f.Index(0).SetUint(f.Index(0).Uint() ^ uint64(rapid.IntRange(1, 3).Draw(t, "word flip")))
	case reflect.Slice: // weights: a uid past the subnet, or dropped
		if small {
			f.SetZero()
		} else {
			f.Set(reflect.Append(f, reflect.ValueOf(Weight{UID: 9, Value: 1})))
		}
	}
}
