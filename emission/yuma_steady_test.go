package emission_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/engine"
	"github.com/dtaod/dtaod/pools"
	"pgregory.net/rapid"
)

// freshAuto is the engine's consensus with a new Auto (so a new yuma.Output) for every epoch:
// yuma.Epoch then always takes its general path (the steady path needs an epoch with the same
// weights before it), and the glue never promises rows unchanged.
type freshAuto struct{}

func (freshAuto) Split(st *pools.State, p *dtaod.Params, s *pools.Subnet, w []emission.StakeWeight, a uint64, inc, div []uint64) string {
	return emission.NewAuto().Split(st, p, s, w, a, inc, div)
}

// yumaSim draws a state of one or two subnets of validators (with weights) and miners; build
// returns a fresh copy of it, so that two engines start from equal states.
type yumaSim struct {
	subnets                        int
	tempo                          []uint16
	maxVal                         []uint16
	nv, nm                         []int
	stake, root                    [][]uint64
	weights                        [][][]pools.Weight
	maxUIDs                        []uint16
	burn, rateLimit, cutoff, takes uint64
}

func drawYumaSim(t *rapid.T) *yumaSim {
	y := &yumaSim{subnets: rapid.IntRange(1, 2).Draw(t, "subnets"),
		burn: rapid.SampledFrom([]uint64{0, 1_000_000}).Draw(t, "burn"), rateLimit: rapid.SampledFrom([]uint64{0, 5, 100}).Draw(t, "rate"),
		cutoff: rapid.SampledFrom([]uint64{5000, 40}).Draw(t, "cutoff")}
	for s := range y.subnets {
		nv, nm := rapid.IntRange(1, 8).Draw(t, "validators"), rapid.IntRange(1, 12).Draw(t, "miners")
		y.nv, y.nm = append(y.nv, nv), append(y.nm, nm)
		y.tempo = append(y.tempo, uint16(rapid.IntRange(1, 4).Draw(t, "tempo")))
		y.maxVal = append(y.maxVal, uint16(rapid.IntRange(1, nv+2).Draw(t, "max validators")))
		y.maxUIDs = append(y.maxUIDs, uint16(nv+nm+rapid.IntRange(0, 2).Draw(t, "spare uids")))
		var st, rt []uint64
		var ws [][]pools.Weight
		for v := range nv {
			st = append(st, rapid.Uint64Range(0, 1e13).Draw(t, "stake"))
			rt = append(rt, rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(0, 1e14)).Draw(t, "root"))
			var row []pools.Weight
			for m := range nm {
				if rapid.IntRange(0, 3).Draw(t, "has") > 0 {
					row = append(row, pools.Weight{UID: uint16(nv + m), Value: rapid.Uint16().Draw(t, "w")})
				}
			}
			if rapid.IntRange(0, 9).Draw(t, "self") == 0 {
				row = append(row, pools.Weight{UID: uint16(v), Value: 65535})
			}
			ws = append(ws, row)
		}
		y.stake, y.root, y.weights = append(y.stake, st), append(y.root, rt), append(y.weights, ws)
		_ = s
	}
	return y
}

func (y *yumaSim) build() *pools.State {
	st := pools.NewState()
	st.TotalIssuance = 5_000_000 * dtaod.RaoPerTAO
	for s := range y.subnets {
		net := dtaod.NetUID(s + 1)
		sn := &pools.Subnet{NetUID: net, TAOIn: 1e13, AlphaIn: 2e13, MovingPrice: 100_000_000_000_000_000,
			Tempo: y.tempo[s], RegistrationAllowed: true, OwnerColdkey: "own", OwnerHotkey: "own-hk",
			MaxAllowedUIDs: y.maxUIDs[s], MaxAllowedValidators: y.maxVal[s]}
		st.AddSubnet(sn)
		for v := range y.nv[s] {
			hk := fmt.Sprint(net, "v", v)
			nr := pools.Neuron{Hotkey: hk, Coldkey: fmt.Sprint("c", v), ValidatorPermit: true, LastUpdate: 1, Active: true,
				Weights: slices.Clone(y.weights[s][v])}
			slices.SortFunc(nr.Weights, func(a, b pools.Weight) int { return int(a.UID) - int(b.UID) })
			sn.Neurons = append(sn.Neurons, nr)
			if a := y.stake[s][v]; a > 0 {
				st.CreditStake(nr.Coldkey, hk, net, a)
				sn.AlphaOut += dtaod.Alpha(a)
			}
			if r := y.root[s][v]; r > 0 {
				st.CreditStake("nom", hk, dtaod.Root, r)
				st.RootTAO += dtaod.TAO(r)
			}
		}
		for m := range y.nm[s] {
			sn.Neurons = append(sn.Neurons, pools.Neuron{Hotkey: fmt.Sprint(net, "m", m), Coldkey: fmt.Sprint("k", m), Active: true})
		}
	}
	st.Free["rich"] = 1e15
	st.TotalIssuance += 1e15
	st.Seal()
	return st
}

// compareNeurons fails when two states' neurons differ in anything an epoch writes.
func compareNeurons(t *rapid.T, block dtaod.Block, a, b *pools.State) {
	for x, sa := range a.Subnets {
		sb := b.Subnets[x]
		if len(sa.Neurons) != len(sb.Neurons) {
			t.Fatalf("block %d netuid %d: %d neurons, general %d", block, sa.NetUID, len(sa.Neurons), len(sb.Neurons))
		}
		for i := range sa.Neurons {
			na, nb := &sa.Neurons[i], &sb.Neurons[i]
			if !slices.Equal(na.Bonds, nb.Bonds) || !slices.Equal(na.Weights, nb.Weights) || na.ValidatorPermit != nb.ValidatorPermit ||
				na.Rank != nb.Rank || na.Trust != nb.Trust || na.Consensus != nb.Consensus || na.Incentive != nb.Incentive ||
				na.Dividends != nb.Dividends || na.ValidatorTrust != nb.ValidatorTrust || na.PruningScore != nb.PruningScore ||
				na.Active != nb.Active || na.Emission != nb.Emission {
				t.Fatalf("block %d netuid %d uid %d:\n%+v\ngeneral path:\n%+v", block, sa.NetUID, i, *na, *nb)
			}
		}
	}
}

// The engine's consensus (emission.Auto: yuma's steady path, the glue's promises of unchanged rows,
// bonds written straight into the neurons' rows) gives the same neurons, payouts and records,
// block after block, as yuma's general path with nothing carried between epochs, while validators
// set weights, neurons register (and replace pruned ones) and stake moves.
func TestAutoMatchesGeneralPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		y := drawYumaSim(t)
		p := dtaod.DefaultParams()
		p.RegistrationBurn, p.WeightsRateLimit, p.ActivityCutoff = dtaod.TAO(y.burn), y.rateLimit, y.cutoff
		fast := engine.New(y.build(), p, 0, nil)
		gen := engine.New(y.build(), p, 0, nil)
		gen.Consensus = freshAuto{}
		var rf, rg engine.BlockResult
		for range rapid.IntRange(10, 60).Draw(t, "blocks") {
			var in []engine.Input
			for range rapid.IntRange(0, 1).Draw(t, "orders") {
				if rapid.IntRange(0, 3).Draw(t, "quiet") > 0 {
					continue
				}
				s := rapid.IntRange(0, y.subnets-1).Draw(t, "subnet")
				net := dtaod.NetUID(s + 1)
				n := len(fast.State.Subnets[s].Neurons)
				switch rapid.IntRange(0, 2).Draw(t, "kind") {
				case 0:
					hk := fast.State.Subnets[s].Neurons[rapid.IntRange(0, n-1).Draw(t, "who")].Hotkey
					var w []pools.Weight
					for j := range n {
						if rapid.Bool().Draw(t, "set") {
							w = append(w, pools.Weight{UID: uint16(j), Value: rapid.Uint16().Draw(t, "value")})
						}
					}
					in = append(in, engine.Input{Order: &pools.Order{Kind: pools.SetWeights, Hotkey: hk, NetUID: net, Weights: w}})
				case 1:
					in = append(in, engine.Input{Order: &pools.Order{Kind: pools.RegisterNeuron, Coldkey: "rich",
						Hotkey: fmt.Sprint(net, "new", rapid.IntRange(0, 5).Draw(t, "new")), NetUID: net}})
				case 2:
					hk := fast.State.Subnets[s].Neurons[rapid.IntRange(0, n-1).Draw(t, "to")].Hotkey
					in = append(in, engine.Input{Order: &pools.Order{Kind: pools.AddStake, Coldkey: "rich", Hotkey: hk, NetUID: net,
						Amount: rapid.Uint64Range(1e9, 1e12).Draw(t, "amount")}})
				}
			}
			if err := fast.Next(in, &rf); err != nil {
				t.Fatal(err)
			}
			if err := gen.Next(in, &rg); err != nil {
				t.Fatal(err)
			}
			if len(rf.Epochs) != len(rg.Epochs) {
				t.Fatalf("block %d: %d epochs, general %d", rf.Block, len(rf.Epochs), len(rg.Epochs))
			}
			for x := range rf.Epochs {
				ef, eg := rf.Epochs[x], rg.Epochs[x]
				if ef.Mode != eg.Mode || ef.AlphaPaid != eg.AlphaPaid || ef.RootTAOPaid != eg.RootTAOPaid ||
					ef.OwnerCutPaid != eg.OwnerCutPaid || ef.Undistributed != eg.Undistributed {
					t.Fatalf("block %d epoch %d: %+v, general %+v", rf.Block, x, ef, eg)
				}
			}
			for x := range rf.Outcomes {
				if (rf.Outcomes[x].Err == nil) != (rg.Outcomes[x].Err == nil) {
					t.Fatalf("block %d order %d: %v, general %v", rf.Block, x, rf.Outcomes[x].Err, rg.Outcomes[x].Err)
				}
			}
			compareNeurons(t, rf.Block, fast.State, gen.State)
			if err := fast.State.Check(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
