package engine

import (
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
)

// yumaState: one subnet, validators v0 (3,000 alpha) and v1 (1,000 alpha) weighting miners m0..m2,
// tempo 9; v1 also holds root stake.
func yumaState(withWeights bool) *pools.State {
	st := pools.NewState()
	st.TotalIssuance = 5_000_000 * dtaod.RaoPerTAO
	s := &pools.Subnet{NetUID: 1, TAOIn: 10_000 * dtaod.RaoPerTAO, AlphaIn: 100_000 * dtaod.RaoPerTAO, MovingPrice: 100_000_000_000_000_000,
		Tempo: 9, RegistrationAllowed: true, OwnerColdkey: "own", OwnerHotkey: "own-hk", MaxAllowedUIDs: 16, MaxAllowedValidators: 2}
	st.AddSubnet(s)
	for _, n := range []struct {
		hk, ck string
		alpha  uint64
	}{{"v0", "c0", 3000}, {"v1", "c1", 1000}, {"m0", "k0", 0}, {"m1", "k1", 0}, {"m2", "k2", 0}} {
		// Weights count only when set after the target registered (the chain's outdated mask).
		nr := pools.Neuron{Hotkey: n.hk, Coldkey: n.ck, ValidatorPermit: n.alpha > 0, LastUpdate: 1}
		if withWeights && n.alpha > 0 {
			nr.Weights = []pools.Weight{{UID: 2, Value: 65535}, {UID: 3, Value: 32768}, {UID: 4, Value: 0}}
		}
		s.Neurons = append(s.Neurons, nr)
		if n.alpha > 0 {
			st.CreditStake(n.ck, n.hk, 1, n.alpha*dtaod.RaoPerTAO)
			s.AlphaOut += dtaod.Alpha(n.alpha * dtaod.RaoPerTAO)
		}
	}
	st.CreditStake("nom", "v1", dtaod.Root, 100_000*dtaod.RaoPerTAO)
	st.RootTAO = 100_000 * dtaod.RaoPerTAO
	st.Seal()
	return st
}

func TestYumaEpochsThroughTheEngine(t *testing.T) {
	for _, tc := range []struct {
		name      string
		weights   bool
		consensus dtaod.ConsensusMode
		mode      string
	}{
		{"weights: yuma", true, dtaod.ConsensusYuma, emission.ModeYuma},
		{"no weights: fallback", false, dtaod.ConsensusYuma, emission.ModeFallback},
		{"weights but aggregate forced", true, dtaod.ConsensusAggregate, emission.ModeAggregate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := yumaState(tc.weights)
			p := dtaod.DefaultParams()
			p.Consensus = tc.consensus
			e := New(st, p, 0, nil)
			var res BlockResult
			epochs := 0
			for range 40 {
				if err := e.Next(nil, &res); err != nil {
					t.Fatal(err)
				}
				if err := st.Check(); err != nil {
					t.Fatal(err)
				}
				for _, ep := range res.Epochs {
					epochs++
					if ep.Mode != tc.mode {
						t.Fatalf("mode %s, want %s", ep.Mode, tc.mode)
					}
					var inc, div uint64
					for _, n := range ep.Neurons {
						inc += n.IncentiveAlpha
						div += n.DividendsAlpha
						if n.Emission != n.IncentiveAlpha+n.DividendsAlpha {
							t.Fatalf("uid %d emission %d != incentive + dividends", n.UID, n.Emission)
						}
					}
					minersPaid := ep.Neurons[2].IncentiveAlpha + ep.Neurons[3].IncentiveAlpha + ep.Neurons[4].IncentiveAlpha
					if tc.mode == emission.ModeYuma {
						// Both validators weight m0 above m1 and m2 not at all: incentive follows.
						if minersPaid == 0 || inc != minersPaid || ep.Neurons[2].Incentive <= ep.Neurons[3].Incentive || ep.Neurons[4].IncentiveAlpha != 0 {
							t.Fatalf("incentive %+v", ep.Neurons)
						}
						// Half to miners, half to validators (within the chain's rounding).
						if d := int64(inc) - int64(div); d > 5 || d < -5 {
							t.Fatalf("incentive %d vs dividends %d: not half and half", inc, div)
						}
					} else if inc != 0 {
						t.Fatalf("the stake-only split paid miners %d", inc)
					}
				}
			}
			if epochs != 4 {
				t.Fatalf("%d epochs in 40 blocks at tempo 9, want 4", epochs)
			}
		})
	}
}
