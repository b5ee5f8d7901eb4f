package pools

import (
	"fmt"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// Seal records the starting state's TAO imbalance: a scenario's total_issuance is taken as given
// (it drives the halving) and need not equal the TAO the state lists, so conservation is checked
// on every change from here, not on the absolute numbers.
func (st *State) Seal() {
	st.taoOffset = st.taoImbalance()
	st.sealed = true
}

// taoImbalance is total_issuance - burn shortfall - (free + all tao_in + root TAO + pending root TAO), mod 2^256.
func (st *State) taoImbalance() uint256.Int {
	var held, x uint256.Int
	for _, v := range st.Free {
		held.Add(&held, x.SetUint64(uint64(v)))
	}
	for _, s := range st.Subnets {
		held.Add(&held, x.SetUint64(uint64(s.TAOIn)))
		held.Add(&held, x.SetUint64(uint64(s.PendingRootTAO)))
	}
	held.Add(&held, x.SetUint64(uint64(st.RootTAO)))
	var d uint256.Int
	d.SetUint64(uint64(st.TotalIssuance))
	d.Sub(&d, x.SetUint64(uint64(st.BurnShortfall))) // issuance below zero, in effect
	d.Sub(&d, &held)
	return d
}

// BurnTAO removes burned TAO from total_issuance. A partial starting state may declare less
// issuance than the TAO it holds; then a burn can exceed total_issuance, which stops at 0 and
// the rest is counted in BurnShortfall instead of wrapping the u64.
func (st *State) BurnTAO(amount dtaod.TAO) {
	if amount <= st.TotalIssuance {
		st.TotalIssuance -= amount
		return
	}
	st.BurnShortfall += amount - st.TotalIssuance
	st.TotalIssuance = 0
}

// Check verifies the conservation identities of the economics spec and the share pools'
// soundness. It walks every stake, so it is for tests and for the live service's pre-commit
// assertion, not for a backtest's inner loop.
//   - TAO: total_issuance - (free + tao_in + root TAO + pending root TAO) is what it was at Seal.
//   - Each subnet: alpha_out = named stake + unnamed stake + pending alpha + pending owner cut.
//   - Root: root TAO = named root stake + unnamed root TAO.
//   - Each share pool: shares sum to the denominator and stakes sum to at most the value.
func (st *State) Check() error {
	if st.sealed {
		if d := st.taoImbalance(); d != st.taoOffset {
			return fmt.Errorf("TAO not conserved: imbalance moved from %s to %s", st.taoOffset.Dec(), d.Dec())
		}
	}
	named := make(map[dtaod.NetUID]uint64)
	for k, sp := range st.stakes {
		named[k.netuid] += sp.Value
		var sum uint256.Int
		var staked uint64
		for ck, s := range sp.Shares {
			sum.Add(&sum, s)
			staked += sp.StakeOf(ck)
		}
		if sum != sp.Denom {
			return fmt.Errorf("share pool (%s, %d): shares sum to %s, denominator %s", k.hotkey, k.netuid, sum.Dec(), sp.Denom.Dec())
		}
		if staked > sp.Value {
			return fmt.Errorf("share pool (%s, %d): stakes %d exceed its value %d", k.hotkey, k.netuid, staked, sp.Value)
		}
	}
	for _, s := range st.Subnets {
		want := named[s.NetUID] + uint64(s.UnnamedStake) + uint64(s.PendingAlpha) + uint64(s.PendingOwnerCut)
		if uint64(s.AlphaOut) != want {
			return fmt.Errorf("netuid %d: alpha_out %d != stake + pending %d", s.NetUID, s.AlphaOut, want)
		}
	}
	if want := named[dtaod.Root] + uint64(st.UnnamedRoot); uint64(st.RootTAO) != want {
		return fmt.Errorf("root: root TAO %d != root stake %d + unnamed %d", st.RootTAO, named[dtaod.Root], st.UnnamedRoot)
	}
	return nil
}
