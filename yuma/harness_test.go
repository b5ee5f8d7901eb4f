package yuma

import (
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
)

// sim is the slice of chain state an epoch reads, driven the way subtensor's tests/epoch.rs
// drives the pallet: register neurons, set weights (stored max-upscaled, as set_weights does),
// run epochs that store permits and bonds back.
type sim struct {
	in    Input
	out   Output
	alpha []uint64 // stake per uid (root stake is zero in these tests)
}

func newSim(stakes []uint64, regBlock uint64) *sim {
	n := len(stakes)
	s := &sim{alpha: append([]uint64(nil), stakes...)}
	s.in = Input{
		ActivityCutoff: DefaultActivityCutoff, Kappa: DefaultKappa, BondsMovingAverage: DefaultBondsMovingAverage,
		BondsPenalty: 65535, MaxAllowedValidators: DefaultMaxAllowedValidators,
		StakeWeight: make([]fp.I64F64, n), LastUpdate: make([]uint64, n), BlockAtRegistration: make([]uint64, n),
		ValidatorPermit: make([]bool, n), Weights: make([][]WeightEntry, n), Bonds: make([][]WeightEntry, n),
	}
	for i := range stakes {
		s.in.LastUpdate[i], s.in.BlockAtRegistration[i] = regBlock, regBlock
	}
	return s
}

// setWeights stores weights as do_set_weights does: values max-upscaled to u16
// (vec_u16_max_upscale_to_u16), last_update set to the block.
func (s *sim) setWeights(uid int, block uint64, uids []uint16, values []uint16) {
	v := make([]fp.I32F32, len(values))
	for i, x := range values {
		v[i] = fp.I32F32FromU16(x)
	}
	up := make([]uint16, len(values))
	VecMaxUpscaleToU16(v, up)
	row := make([]WeightEntry, len(uids))
	for i, u := range uids {
		row[i] = WeightEntry{u, up[i]}
	}
	s.in.Weights[uid] = row
	s.in.LastUpdate[uid] = block
}

// register replaces uid with a new hotkey at block: registration block set, permit reset, the new
// hotkey's stake in place of the old one's. Weights and bonds rows stay, as at f9254ea63.
func (s *sim) register(uid int, block, stake uint64) {
	s.in.BlockAtRegistration[uid] = block
	s.in.ValidatorPermit[uid] = false
	s.alpha[uid] = stake
}

// epoch runs Epoch at block and writes permits and bonds back like the chain.
func (s *sim) epoch(block uint64) *Output {
	s.in.Block = block
	for i, a := range s.alpha {
		s.in.StakeWeight[i] = StakeWeight(a, 0, fp.I96F32{})
	}
	Epoch(&s.in, &s.out)
	copy(s.in.ValidatorPermit, s.out.ValidatorPermit)
	for i, row := range s.out.Bonds {
		s.in.Bonds[i] = append([]WeightEntry(nil), row...)
	}
	return &s.out
}

// bond returns the stored bond of i on j (0 when absent), like get_bonds.
func (s *sim) bond(i, j int) uint16 {
	for _, e := range s.in.Bonds[i] {
		if int(e.UID) == j {
			return e.Value
		}
	}
	return 0
}

// emission is the chain's Emission storage for an epoch of 1e9 rao.
func emission(out *Output) []uint64 {
	e := make([]uint64, len(out.CombinedEmissionFixed))
	CombinedEmission(out, 1_000_000_000, e)
	return e
}

func seq(from, to int) []uint16 {
	var r []uint16
	for i := from; i < to; i++ {
		r = append(r, uint16(i))
	}
	return r
}

func expectU16(t *testing.T, what string, got, want uint16) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func expectU64(t *testing.T, what string, got, want uint64) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}
