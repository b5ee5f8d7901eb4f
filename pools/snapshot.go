package pools

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// ErrBadSnapshot is wrapped by every error of FromSnapshot, so a store can tell rows that cannot
// be a state (corrupt or hand-edited data) from its own I/O failures with errors.Is.
var ErrBadSnapshot = errors.New("bad snapshot")

// Snapshot returns the state as sorted rows. It only reads the state, copies every slice (the
// engine mutates weights and bonds in place), and is deterministic: equal states give deep-equal
// snapshots and so equal hashes.
//
// What it leaves out cannot change any future operation: zero free balances (a missing coldkey
// reads 0), share pools with no value and no shares (epochs create them to cache a neuron's
// pool; a missing pool is created on first use), zero share entries, the neurons' cached pool
// pointers, and the journal (the engine's per-block buffer, not state). Empty weights and bonds
// become nil and empty tables nil, the one canonical form.
//
// An unsealed state (never the engine's) is recorded as if sealed now: its current TAO
// imbalance becomes Globals.TAOOffset, since a restored state is always sealed.
func (st *State) Snapshot() *Snapshot {
	s := &Snapshot{Globals: Globals{
		Height:               st.Height,
		TotalIssuance:        st.TotalIssuance,
		RootTAO:              st.RootTAO,
		BurnShortfall:        st.BurnShortfall,
		UnnamedRoot:          st.UnnamedRoot,
		NetworkLastLock:      st.NetworkLastLock,
		NetworkLastLockBlock: st.NetworkLastLockBlock,
		TAOOffset:            st.taoOffset,
	}}
	if !st.sealed {
		s.Globals.TAOOffset = st.taoImbalance()
	}

	nNeurons := 0
	s.Subnets = makeRows[SubnetRow](len(st.Subnets))
	for _, sn := range st.Subnets {
		s.Subnets = append(s.Subnets, subnetRow(sn))
		nNeurons += len(sn.Neurons)
	}
	subnets := st.Subnets
	if !slices.IsSortedFunc(subnets, func(a, b *Subnet) int { return cmp.Compare(a.NetUID, b.NetUID) }) {
		// AddSubnet keeps them sorted; this only guards a caller that appended by hand.
		subnets = slices.Clone(subnets)
		slices.SortFunc(subnets, func(a, b *Subnet) int { return cmp.Compare(a.NetUID, b.NetUID) })
		slices.SortFunc(s.Subnets, func(a, b SubnetRow) int { return cmp.Compare(a.NetUID, b.NetUID) })
	}

	s.Balances = makeRows[BalanceRow](len(st.Free))
	for ck, v := range st.Free {
		if v != 0 {
			s.Balances = append(s.Balances, BalanceRow{Coldkey: ck, Free: v})
		}
	}
	slices.SortFunc(s.Balances, func(a, b BalanceRow) int { return strings.Compare(a.Coldkey, b.Coldkey) })
	s.Balances = nilIfEmpty(s.Balances)

	type keyed struct {
		k  stakeKey
		sp *SharePool
	}
	listed := make([]keyed, 0, len(st.stakes))
	nShares := 0
	for k, sp := range st.stakes {
		if sp.Value == 0 && sp.Denom.IsZero() {
			continue
		}
		listed = append(listed, keyed{k, sp})
		nShares += len(sp.Shares)
	}
	slices.SortFunc(listed, func(a, b keyed) int {
		if c := cmp.Compare(a.k.netuid, b.k.netuid); c != 0 {
			return c
		}
		return strings.Compare(a.k.hotkey, b.k.hotkey)
	})
	s.Pools = makeRows[PoolRow](len(listed))
	s.Shares = makeRows[ShareRow](nShares)
	for _, p := range listed {
		s.Pools = append(s.Pools, PoolRow{NetUID: p.k.netuid, Hotkey: p.k.hotkey, Value: p.sp.Value, Denom: p.sp.Denom})
		from := len(s.Shares)
		for ck, sh := range p.sp.Shares {
			if !sh.IsZero() {
				s.Shares = append(s.Shares, ShareRow{NetUID: p.k.netuid, Hotkey: p.k.hotkey, Coldkey: ck, Shares: *sh})
			}
		}
		slices.SortFunc(s.Shares[from:], func(a, b ShareRow) int { return strings.Compare(a.Coldkey, b.Coldkey) })
	}
	s.Shares = nilIfEmpty(s.Shares)

	s.Neurons = makeRows[NeuronRow](nNeurons)
	for _, sn := range subnets {
		for uid := range sn.Neurons {
			s.Neurons = append(s.Neurons, neuronRow(sn.NetUID, uint16(uid), &sn.Neurons[uid]))
		}
	}
	return s
}

func subnetRow(sn *Subnet) SubnetRow {
	return SubnetRow{
		NetUID:               sn.NetUID,
		TAOIn:                sn.TAOIn,
		AlphaIn:              sn.AlphaIn,
		AlphaOut:             sn.AlphaOut,
		MovingPrice:          sn.MovingPrice,
		Tempo:                sn.Tempo,
		RegistrationAllowed:  sn.RegistrationAllowed,
		OwnerColdkey:         sn.OwnerColdkey,
		OwnerHotkey:          sn.OwnerHotkey,
		RegisteredAt:         sn.RegisteredAt,
		MaxAllowedUIDs:       sn.MaxAllowedUIDs,
		MaxAllowedValidators: sn.MaxAllowedValidators,
		VolumeHi:             sn.VolumeHi,
		VolumeLo:             sn.VolumeLo,
		PendingAlpha:         sn.PendingAlpha,
		PendingOwnerCut:      sn.PendingOwnerCut,
		PendingRootAlpha:     sn.PendingRootAlpha,
		PendingRootTAO:       sn.PendingRootTAO,
		LastTAOInEmission:    sn.LastTAOInEmission,
		LastAlphaInEmission:  sn.LastAlphaInEmission,
		LastAlphaOutEmission: sn.LastAlphaOutEmission,
		LastOwnerCut:         sn.LastOwnerCut,
		LastRootDivsTAO:      sn.LastRootDivsTAO,
		UnnamedStake:         sn.UnnamedStake,
	}
}

func subnetFromRow(r *SubnetRow) *Subnet {
	return &Subnet{
		NetUID:               r.NetUID,
		TAOIn:                r.TAOIn,
		AlphaIn:              r.AlphaIn,
		AlphaOut:             r.AlphaOut,
		MovingPrice:          r.MovingPrice,
		Tempo:                r.Tempo,
		RegistrationAllowed:  r.RegistrationAllowed,
		OwnerColdkey:         r.OwnerColdkey,
		OwnerHotkey:          r.OwnerHotkey,
		RegisteredAt:         r.RegisteredAt,
		MaxAllowedUIDs:       r.MaxAllowedUIDs,
		MaxAllowedValidators: r.MaxAllowedValidators,
		VolumeHi:             r.VolumeHi,
		VolumeLo:             r.VolumeLo,
		PendingAlpha:         r.PendingAlpha,
		PendingOwnerCut:      r.PendingOwnerCut,
		PendingRootAlpha:     r.PendingRootAlpha,
		PendingRootTAO:       r.PendingRootTAO,
		LastTAOInEmission:    r.LastTAOInEmission,
		LastAlphaInEmission:  r.LastAlphaInEmission,
		LastAlphaOutEmission: r.LastAlphaOutEmission,
		LastOwnerCut:         r.LastOwnerCut,
		LastRootDivsTAO:      r.LastRootDivsTAO,
		UnnamedStake:         r.UnnamedStake,
	}
}

func neuronRow(n dtaod.NetUID, uid uint16, nr *Neuron) NeuronRow {
	return NeuronRow{
		NetUID:          n,
		UID:             uid,
		Hotkey:          nr.Hotkey,
		Coldkey:         nr.Coldkey,
		RegisteredAt:    nr.RegisteredAt,
		LastUpdate:      nr.LastUpdate,
		ValidatorPermit: nr.ValidatorPermit,
		Weights:         canonWeights(nr.Weights),
		Bonds:           canonWeights(nr.Bonds),
		Rank:            nr.Rank,
		Trust:           nr.Trust,
		Consensus:       nr.Consensus,
		Incentive:       nr.Incentive,
		Dividends:       nr.Dividends,
		ValidatorTrust:  nr.ValidatorTrust,
		PruningScore:    nr.PruningScore,
		Active:          nr.Active,
		Emission:        nr.Emission,
	}
}

func neuronFromRow(r *NeuronRow) Neuron {
	return Neuron{
		Hotkey:          r.Hotkey,
		Coldkey:         r.Coldkey,
		RegisteredAt:    r.RegisteredAt,
		LastUpdate:      r.LastUpdate,
		ValidatorPermit: r.ValidatorPermit,
		Weights:         canonWeights(r.Weights),
		Bonds:           canonWeights(r.Bonds),
		Rank:            r.Rank,
		Trust:           r.Trust,
		Consensus:       r.Consensus,
		Incentive:       r.Incentive,
		Dividends:       r.Dividends,
		ValidatorTrust:  r.ValidatorTrust,
		PruningScore:    r.PruningScore,
		Active:          r.Active,
		Emission:        r.Emission,
	}
}

// canonWeights copies w, nil when empty (the canonical form of "no entries").
func canonWeights(w []Weight) []Weight {
	if len(w) == 0 {
		return nil
	}
	return slices.Clone(w)
}

// cloneExact copies s keeping nil and empty apart, so a clone is reflect.DeepEqual to s.
func cloneExact[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func makeRows[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// The row orders. Strings compare bytewise (Go's < on strings), the order a store must keep.

func cmpPoolKey(a, b PoolKey) int {
	if c := cmp.Compare(a.NetUID, b.NetUID); c != 0 {
		return c
	}
	return strings.Compare(a.Hotkey, b.Hotkey)
}

func cmpShareKey(a, b ShareKey) int {
	if c := cmp.Compare(a.NetUID, b.NetUID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Hotkey, b.Hotkey); c != 0 {
		return c
	}
	return strings.Compare(a.Coldkey, b.Coldkey)
}

func cmpNeuronKey(a, b NeuronKey) int {
	if c := cmp.Compare(a.NetUID, b.NetUID); c != 0 {
		return c
	}
	return cmp.Compare(a.UID, b.UID)
}

func subnetKey(r *SubnetRow) dtaod.NetUID { return r.NetUID }
func balanceKey(r *BalanceRow) string     { return r.Coldkey }
func poolKey(r *PoolRow) PoolKey          { return PoolKey{r.NetUID, r.Hotkey} }
func shareKey(r *ShareRow) ShareKey       { return ShareKey{r.NetUID, r.Hotkey, r.Coldkey} }
func neuronKey(r *NeuronRow) NeuronKey    { return NeuronKey{r.NetUID, r.UID} }

// describeKey names a row's key in an error message.
func describeKey(k any) string {
	switch k := k.(type) {
	case dtaod.NetUID:
		return fmt.Sprintf("netuid %d", k)
	case string:
		return fmt.Sprintf("coldkey %q", k)
	case PoolKey:
		return fmt.Sprintf("netuid %d, hotkey %q", k.NetUID, k.Hotkey)
	case ShareKey:
		return fmt.Sprintf("netuid %d, hotkey %q, coldkey %q", k.NetUID, k.Hotkey, k.Coldkey)
	case NeuronKey:
		return fmt.Sprintf("netuid %d, uid %d", k.NetUID, k.UID)
	}
	return fmt.Sprint(k)
}

// badRow is the error naming a row by table, index and key.
func badRow(table string, i int, key any, format string, args ...any) error {
	return fmt.Errorf("%w: %s[%d] (%s): %s", ErrBadSnapshot, table, i, describeKey(key), fmt.Sprintf(format, args...))
}

// FromSnapshot rebuilds the state a snapshot was taken of: it applies every future operation
// exactly as that state would (same conservation offset, sealed, pools and neurons in order;
// the neurons' cached pools are filled again on first use). It validates the rows rather than
// trust them, since they come from storage: order and uniqueness of keys, references to subnets
// that exist, contiguous uids, shares that sum to their pool's denominator, and finally the
// state's own Check. Every error wraps ErrBadSnapshot and names the offending row. The state
// shares no memory with s.
func FromSnapshot(s *Snapshot) (*State, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: nil snapshot", ErrBadSnapshot)
	}
	st := NewState()
	g := &s.Globals
	st.Height, st.TotalIssuance, st.RootTAO = g.Height, g.TotalIssuance, g.RootTAO
	st.BurnShortfall, st.UnnamedRoot = g.BurnShortfall, g.UnnamedRoot
	st.NetworkLastLock, st.NetworkLastLockBlock = g.NetworkLastLock, g.NetworkLastLockBlock
	st.taoOffset, st.sealed = g.TAOOffset, true

	if len(s.Subnets) > 0 {
		st.Subnets = make([]*Subnet, 0, len(s.Subnets))
	}
	for i := range s.Subnets {
		r := &s.Subnets[i]
		if r.NetUID == dtaod.Root {
			return nil, badRow("subnets", i, r.NetUID, "root is not a subnet (it has no pool)")
		}
		if i > 0 && r.NetUID <= s.Subnets[i-1].NetUID {
			return nil, badRow("subnets", i, r.NetUID, "out of order or duplicated (after netuid %d)", s.Subnets[i-1].NetUID)
		}
		sn := subnetFromRow(r)
		st.Subnets = append(st.Subnets, sn) // in netuid order, as AddSubnet keeps them
		st.byNet[r.NetUID] = sn
	}

	for i := range s.Balances {
		r := &s.Balances[i]
		if i > 0 && r.Coldkey <= s.Balances[i-1].Coldkey {
			return nil, badRow("balances", i, r.Coldkey, "out of order or duplicated (after coldkey %q)", s.Balances[i-1].Coldkey)
		}
		if r.Free == 0 {
			return nil, badRow("balances", i, r.Coldkey, "zero balance (zero balances are not listed)")
		}
		st.Free[r.Coldkey] = r.Free
	}

	pools := make([]*SharePool, len(s.Pools))
	for i := range s.Pools {
		r := &s.Pools[i]
		k := poolKey(r)
		if i > 0 && cmpPoolKey(k, poolKey(&s.Pools[i-1])) <= 0 {
			return nil, badRow("pools", i, k, "out of order or duplicated (after %s)", describeKey(poolKey(&s.Pools[i-1])))
		}
		if !st.Exists(r.NetUID) {
			return nil, badRow("pools", i, k, "netuid %d is not a subnet", r.NetUID)
		}
		if r.Value == 0 && r.Denom.IsZero() {
			return nil, badRow("pools", i, k, "empty pool (no value and no shares; empty pools are not listed)")
		}
		sp := &SharePool{Value: r.Value, Denom: r.Denom, Shares: make(map[string]*uint256.Int)}
		st.stakes[stakeKey{r.Hotkey, r.NetUID}] = sp
		pools[i] = sp
	}

	sums := make([]uint256.Int, len(s.Pools))
	vals := make([]uint256.Int, len(s.Shares)) // one allocation for every share entry
	// A merge-walk: shares and pools are in the same (netuid, hotkey) order.
	pi := 0
	for i := range s.Shares {
		r := &s.Shares[i]
		k := shareKey(r)
		if i > 0 && cmpShareKey(k, shareKey(&s.Shares[i-1])) <= 0 {
			return nil, badRow("shares", i, k, "out of order or duplicated (after %s)", describeKey(shareKey(&s.Shares[i-1])))
		}
		if !st.Exists(r.NetUID) {
			return nil, badRow("shares", i, k, "netuid %d is not a subnet", r.NetUID)
		}
		if r.Shares.IsZero() {
			return nil, badRow("shares", i, k, "zero shares (zero entries are not listed)")
		}
		pk := PoolKey{r.NetUID, r.Hotkey}
		for pi < len(s.Pools) && cmpPoolKey(poolKey(&s.Pools[pi]), pk) < 0 {
			pi++
		}
		if pi == len(s.Pools) || cmpPoolKey(poolKey(&s.Pools[pi]), pk) != 0 {
			return nil, badRow("shares", i, k, "no pool row for (%s)", describeKey(pk))
		}
		if _, over := sums[pi].AddOverflow(&sums[pi], &r.Shares); over {
			return nil, badRow("shares", i, k, "the pool's shares overflow 256 bits")
		}
		vals[i] = r.Shares
		pools[pi].Shares[r.Coldkey] = &vals[i]
	}
	for i := range s.Pools {
		if r := &s.Pools[i]; sums[i] != r.Denom {
			return nil, badRow("pools", i, poolKey(r), "shares sum to %s, the denominator is %s", sums[i].Dec(), r.Denom.Dec())
		}
	}

	for i := range s.Neurons {
		r := &s.Neurons[i]
		k := neuronKey(r)
		if i > 0 && cmpNeuronKey(k, neuronKey(&s.Neurons[i-1])) <= 0 {
			return nil, badRow("neurons", i, k, "out of order or duplicated (after %s)", describeKey(neuronKey(&s.Neurons[i-1])))
		}
		sn := st.byNet[r.NetUID]
		if sn == nil {
			return nil, badRow("neurons", i, k, "netuid %d is not a subnet", r.NetUID)
		}
		if int(r.UID) != len(sn.Neurons) {
			return nil, badRow("neurons", i, k, "expected uid %d: a subnet's uids run 0..n-1 without gaps", len(sn.Neurons))
		}
		sn.Neurons = append(sn.Neurons, neuronFromRow(r))
	}

	if err := st.Check(); err != nil {
		return nil, fmt.Errorf("%w: the rebuilt state fails its check: %w", ErrBadSnapshot, err)
	}
	return st, nil
}

// Clone returns a deep copy sharing no memory with s, reflect.DeepEqual to it: the in-memory
// store hands out copies so a caller cannot change what it holds.
func (s *Snapshot) Clone() *Snapshot {
	c := &Snapshot{
		Globals:  s.Globals,
		Subnets:  cloneExact(s.Subnets),
		Balances: cloneExact(s.Balances),
		Pools:    cloneExact(s.Pools),
		Shares:   cloneExact(s.Shares),
		Neurons:  cloneExact(s.Neurons),
		Params:   copyParams(s.Params),
	}
	for i := range c.Neurons {
		c.Neurons[i].Weights = cloneExact(c.Neurons[i].Weights)
		c.Neurons[i].Bonds = cloneExact(c.Neurons[i].Bonds)
	}
	return c
}
