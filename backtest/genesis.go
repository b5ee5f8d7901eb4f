// Package backtest drives the engine from a scenario file (shared/specs/scenario.md): it builds
// the starting state, feeds each block its actions, and writes the contract's records.
package backtest

import (
	"fmt"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// Genesis builds the engine's state from a scenario's validated starting state. Subnets given in
// a state count as started at block 0 (the moving-price ramp); what the state does not attribute
// (root TAO or alpha_out beyond the listed stakes) becomes unnamed stake that never moves.
// Neurons without given validator permits get them as an epoch would: top-k by stake weight.
func Genesis(s *scenario.State, p *dtaod.Params) (*pools.State, error) {
	st := pools.NewState()
	st.TotalIssuance = s.TotalIssuance
	st.RootTAO = s.RootTAO
	for _, sn := range s.Subnets {
		ok := st.AddSubnet(&pools.Subnet{
			NetUID:               sn.NetUID,
			TAOIn:                sn.TAOIn,
			AlphaIn:              sn.AlphaIn,
			AlphaOut:             sn.AlphaOut,
			MovingPrice:          sn.MovingPrice,
			Tempo:                sn.Tempo,
			RegistrationAllowed:  sn.RegistrationAllowed,
			OwnerColdkey:         sn.OwnerColdkey,
			OwnerHotkey:          sn.OwnerHotkey,
			MaxAllowedUIDs:       sn.MaxAllowedUIDs,
			MaxAllowedValidators: sn.MaxAllowedValidators,
		})
		if !ok {
			return nil, fmt.Errorf("state.subnets: netuid %d is root or listed twice", sn.NetUID)
		}
		if uint64(sn.AlphaIn)+uint64(sn.AlphaOut) < uint64(sn.AlphaIn) {
			return nil, fmt.Errorf("state.subnets: netuid %d: alpha_in + alpha_out exceeds u64", sn.NetUID)
		}
	}
	for _, b := range s.Balances {
		st.Free[b.Coldkey] = b.Free
	}
	named := make(map[dtaod.NetUID]uint64)
	for _, k := range s.Stakes {
		if !st.Exists(k.NetUID) {
			return nil, fmt.Errorf("state.stakes: netuid %d is not a subnet", k.NetUID)
		}
		st.CreditStake(k.Coldkey, k.Hotkey, k.NetUID, k.Alpha)
		named[k.NetUID] += k.Alpha
	}
	if named[dtaod.Root] > uint64(s.RootTAO) {
		return nil, fmt.Errorf("state.root_tao: %d is below the root stakes listed (%d)", s.RootTAO, named[dtaod.Root])
	}
	st.UnnamedRoot = s.RootTAO - dtaod.TAO(named[dtaod.Root])
	for _, sn := range st.Subnets {
		if named[sn.NetUID] > uint64(sn.AlphaOut) {
			return nil, fmt.Errorf("state.subnets: netuid %d: alpha_out %d is below the stakes listed (%d)", sn.NetUID, sn.AlphaOut, named[sn.NetUID])
		}
		sn.UnnamedStake = sn.AlphaOut - dtaod.Alpha(named[sn.NetUID])
	}
	explicit := make(map[dtaod.NetUID]bool) // subnets whose permits the state gives
	for _, n := range s.Neurons {
		sn := st.Subnet(n.NetUID)
		if sn == nil {
			return nil, fmt.Errorf("state.neurons: netuid %d is not a subnet", n.NetUID)
		}
		nr := pools.Neuron{Hotkey: n.Hotkey, Coldkey: n.Coldkey, RegisteredAt: n.RegisteredAt, LastUpdate: n.LastUpdate, Active: true}
		if n.ValidatorPermit != nil {
			nr.ValidatorPermit = *n.ValidatorPermit
			explicit[n.NetUID] = true
		}
		sn.Neurons = append(sn.Neurons, nr)
	}
	for _, rows := range []struct {
		rows  []scenario.WeightRow
		bonds bool
	}{{s.Weights, false}, {s.Bonds, true}} {
		for _, r := range rows.rows {
			sn := st.Subnet(r.NetUID)
			uid := -1
			if sn != nil {
				uid = sn.UID(r.Hotkey)
			}
			if uid < 0 {
				return nil, fmt.Errorf("state: %s on netuid %d is not a neuron", r.Hotkey, r.NetUID)
			}
			if rows.bonds {
				sn.Neurons[uid].Bonds = append([]pools.Weight(nil), r.Entries...)
				continue
			}
			sn.Neurons[uid].Weights = append([]pools.Weight(nil), r.Entries...)
			if sn.Neurons[uid].LastUpdate == 0 {
				// Weights in a state count as set after every listed neuron registered, so the
				// chain's outdated-weights mask (set at or before the target's registration)
				// does not silently drop them.
				var last dtaod.Block
				for _, n := range sn.Neurons {
					last = max(last, n.RegisteredAt)
				}
				sn.Neurons[uid].LastUpdate = last + 1
			}
		}
	}
	for _, sn := range st.Subnets {
		if !explicit[sn.NetUID] { // permits as if an epoch had just run
			emission.InitPermits(st, p, sn)
		}
	}
	st.NetworkLastLock, st.NetworkLastLockBlock = s.NetworkLastLock, s.NetworkLastLockBlock
	st.Seal()
	return st, nil
}
