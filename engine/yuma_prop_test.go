package engine

import (
	"fmt"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
	"pgregory.net/rapid"
)

// pendingSpy wraps the engine's consensus and remembers, per epoch, what was pending when the
// split was asked for (before anything was paid).
type pendingSpy struct {
	inner   emission.Consensus
	pending []uint64
}

func (c *pendingSpy) Split(st *pools.State, p *dtaod.Params, s *pools.Subnet, w []emission.StakeWeight, a uint64, inc, div []uint64) string {
	c.pending = append(c.pending, uint64(s.PendingAlpha)+uint64(s.PendingOwnerCut))
	return c.inner.Split(st, p, s, w, a, inc, div)
}

// TestPropYumaEpochPaysWhatIsPending: on random subnets with random validators, miners, stakes and
// weights, every epoch accounts for exactly what was pending: alpha paid + owner cut paid +
// undistributed = pending alpha + pending owner cut, and TAO and alpha are conserved every block.
func TestPropYumaEpochPaysWhatIsPending(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		st, _ := yumaNetwork(t, true, 6, 10)
		st.Seal()
		e := New(st, dtaod.DefaultParams(), 0, nil)
		spy := &pendingSpy{inner: e.Consensus}
		e.Consensus = spy
		var res BlockResult
		for range rapid.IntRange(1, 30).Draw(t, "blocks") {
			spy.pending = spy.pending[:0]
			if err := e.Next(nil, &res); err != nil {
				t.Fatal(err)
			}
			if err := st.Check(); err != nil {
				t.Fatal(err)
			}
			for i, ep := range res.Epochs {
				got := int64(ep.AlphaPaid) + int64(ep.OwnerCutPaid) + ep.Undistributed
				if got != int64(spy.pending[i]) {
					t.Fatalf("epoch %d (%s): paid %d + owner %d + undistributed %d = %d, pending was %d",
						ep.Block, ep.Mode, ep.AlphaPaid, ep.OwnerCutPaid, ep.Undistributed, got, spy.pending[i])
				}
			}
		}
	})
}

// yumaNetwork draws one subnet (netuid 1) running Yuma: up to maxV validators with weights on
// up to maxM miners, alpha and root stake, and an owner when owned. It returns the unsealed
// state and the validator count (miners' uids follow the validators').
func yumaNetwork(t *rapid.T, owned bool, maxV, maxM int) (*pools.State, int) {
	st := pools.NewState()
	st.TotalIssuance = 5_000_000 * dtaod.RaoPerTAO
	s := &pools.Subnet{NetUID: 1, TAOIn: dtaod.TAO(rapid.Uint64Range(1e10, 1e15).Draw(t, "tao")),
		AlphaIn: dtaod.Alpha(rapid.Uint64Range(1e10, 1e15).Draw(t, "alpha")), MovingPrice: 100_000_000_000_000_000,
		Tempo: uint16(rapid.IntRange(1, 6).Draw(t, "tempo")), RegistrationAllowed: true, MaxAllowedUIDs: 64,
		MaxAllowedValidators: uint16(rapid.IntRange(1, 6).Draw(t, "max validators"))}
	if owned {
		s.OwnerColdkey, s.OwnerHotkey = "own", "own-hk"
	}
	st.AddSubnet(s)
	nv, nm := rapid.IntRange(1, maxV).Draw(t, "validators"), rapid.IntRange(1, maxM).Draw(t, "miners")
	for v := range nv {
		hk := fmt.Sprint("v", v)
		nr := pools.Neuron{Hotkey: hk, Coldkey: fmt.Sprint("c", v), ValidatorPermit: true, LastUpdate: 1, Active: true}
		for m := range nm {
			if val := rapid.Uint16().Draw(t, "w"); val > 0 && rapid.Bool().Draw(t, "set") {
				nr.Weights = append(nr.Weights, pools.Weight{UID: uint16(nv + m), Value: val})
			}
		}
		s.Neurons = append(s.Neurons, nr)
		if a := rapid.Uint64Range(0, 1e13).Draw(t, "stake"); a > 0 {
			st.CreditStake(nr.Coldkey, hk, 1, a)
			s.AlphaOut += dtaod.Alpha(a)
		}
		if r := rapid.Uint64Range(0, 1e14).Draw(t, "root"); r > 0 {
			st.CreditStake("nom", hk, dtaod.Root, r)
			st.RootTAO += dtaod.TAO(r)
		}
	}
	for m := range nm {
		s.Neurons = append(s.Neurons, pools.Neuron{Hotkey: fmt.Sprint("m", m), Coldkey: fmt.Sprint("k", m), Active: true})
	}
	return st, nv
}
