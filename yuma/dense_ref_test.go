package yuma

import (
	"slices"
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// denseEpoch composes the exported math.rs ports step by step over full n x n matrices, the way
// run_epoch.rs reads. Epoch fuses these steps over live rows and columns; the property test below
// checks that both, and the literal sparse transcription, agree.
func denseEpoch(in *Input) refResult {
	n := in.N()
	inactive, forbid := make([]bool, n), make([]bool, n)
	for i, u := range in.LastUpdate {
		s := u + in.ActivityCutoff
		if s < u {
			s = ^uint64(0)
		}
		inactive[i], forbid[i] = s < in.Block, !in.ValidatorPermit[i]
	}
	s64 := slices.Clone(in.StakeWeight)
	InplaceNormalize64(s64)
	stake := make([]fp.I32F32, n)
	for i, v := range s64 {
		stake[i] = v.SaturatingToI32F32()
	}
	permits := make([]bool, n)
	IsTopK(stake, int(in.MaxAllowedValidators), permits, make([]int32, n))
	active := slices.Clone(stake)
	InplaceMaskVector(inactive, active)
	InplaceMaskVector(forbid, active)
	InplaceNormalize(active)

	w := make([]fp.I32F32, n*n)
	for i := 0; i < n; i++ {
		for _, e := range in.Weights[i] {
			if in.ValidatorPermit[i] && int(e.UID) < n && int(e.UID) != i && in.LastUpdate[i] > in.BlockAtRegistration[e.UID] {
				w[i*n+int(e.UID)] = fp.I32F32FromU16(e.Value)
			}
		}
	}
	InplaceRowNormalize(w, n)
	preranks := make([]fp.I32F32, n)
	MatMul(w, n, active, preranks)
	consensus := make([]fp.I32F32, n)
	WeightedMedianCol(active, w, n, fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max), consensus)
	clipped := slices.Clone(w)
	ColClip(clipped, n, consensus)
	vtrust, ranks, trust := make([]fp.I32F32, n), make([]fp.I32F32, n), make([]fp.I32F32, n)
	RowSum(clipped, n, vtrust)
	MatMul(clipped, n, active, ranks)
	VecDiv(ranks, preranks, trust)
	InplaceNormalize(ranks)
	incentive := ranks

	penalty := fp.I32F32FromU16(in.BondsPenalty).SafeDiv(fp.U16Max)
	delta := make([]fp.I32F32, n*n)
	for x := range delta {
		delta[x] = Interpolate(w[x], clipped[x], penalty)
	}
	bonds := make([]fp.I32F32, n*n)
	for i := 0; i < n; i++ {
		for _, e := range in.Bonds[i] {
			if int(e.UID) < n && in.LastUpdate[i] > in.BlockAtRegistration[e.UID] {
				bonds[i*n+int(e.UID)] = fp.I32F32FromU16(e.Value)
			}
		}
	}
	col := make([]fp.I32F32, n)
	InplaceColNormalize(bonds, n, col)
	RowHadamard(delta, n, active)
	InplaceColNormalize(delta, n, col)
	ema := make([]fp.I32F32, n*n)
	MatEMA(delta, bonds, emaAlpha(in.BondsMovingAverage), ema)
	kept := make([]bool, n*n)
	for x, v := range ema {
		if v > 0 {
			kept[x] = true
		} else {
			ema[x] = 0 // the sparse EMA drops non-positive entries
		}
	}
	InplaceColNormalize(ema, n, col)
	dividends := make([]fp.I32F32, n)
	MatMulTranspose(ema, n, incentive, dividends)
	InplaceNormalize(dividends)
	InplaceColMaxUpscale(ema, n, col)

	combined := make([]fp.I32F32, n)
	for i := range combined {
		combined[i] = incentive[i].SaturatingAdd(dividends[i])
	}
	sum := Sum(combined)
	server, validator := slices.Clone(incentive), slices.Clone(dividends)
	InplaceNormalizeUsingSum(server, sum)
	InplaceNormalizeUsingSum(validator, sum)
	if sum == 0 {
		if IsZero(active) {
			copy(validator, stake)
		} else {
			copy(validator, active)
		}
	}
	res := refResult{server: server, validator: validator, permits: permits, bonds: make([][]WeightEntry, n)}
	for i := 0; i < n; i++ {
		switch {
		case permits[i]:
			res.bonds[i] = []WeightEntry{}
			for j := 0; j < n; j++ {
				if kept[i*n+j] {
					res.bonds[i] = append(res.bonds[i], WeightEntry{uint16(j), fp.FixedProportionToU16(ema[i*n+j])})
				}
			}
		case in.ValidatorPermit[i]:
			res.bonds[i] = []WeightEntry{}
		default:
			res.bonds[i] = append([]WeightEntry{}, in.Bonds[i]...)
		}
	}
	for _, p := range []struct {
		dst *[]uint16
		src []fp.I32F32
	}{{&res.rank, ranks}, {&res.trust, trust}, {&res.consensus, consensus}, {&res.incentive, incentive}, {&res.dividends, dividends}, {&res.vtrust, vtrust}} {
		*p.dst = make([]uint16, n)
		for i, v := range p.src {
			(*p.dst)[i] = fp.FixedProportionToU16(v)
		}
	}
	return res
}

// The step-by-step dense composition of the exported functions and the literal sparse
// transcription of the chain agree on random subnets (bonds entries compared as sets of pairs).
func TestDenseStepsMatchSparseReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		d, s := denseEpoch(in), refEpoch(in)
		for _, c := range [][2][]uint16{{d.rank, s.rank}, {d.trust, s.trust}, {d.consensus, s.consensus}, {d.incentive, s.incentive}, {d.dividends, s.dividends}, {d.vtrust, s.vtrust}} {
			if !slices.Equal(c[0], c[1]) {
				t.Fatalf("dense %v, sparse %v", c[0], c[1])
			}
		}
		if !slices.Equal(d.server, s.server) || !slices.Equal(d.validator, s.validator) || !slices.Equal(d.permits, s.permits) {
			t.Fatalf("dense emission %v %v, sparse %v %v", d.server, d.validator, s.server, s.validator)
		}
		for i := range d.bonds {
			if !slices.Equal(d.bonds[i], s.bonds[i]) {
				t.Fatalf("bonds row %d: dense %v, sparse %v", i, d.bonds[i], s.bonds[i])
			}
		}
	})
}

// Feeding Output.Bonds straight back as the next Input.Bonds (aliasing) gives the same epochs as
// copying them.
func TestEpochBondsFeedback(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := drawInput(t)
		b := *a
		b.Bonds = make([][]WeightEntry, len(a.Bonds))
		for i := range a.Bonds {
			b.Bonds[i] = slices.Clone(a.Bonds[i])
		}
		b.ValidatorPermit = slices.Clone(a.ValidatorPermit)
		var oa, ob Output
		for e := 0; e < 3; e++ {
			Epoch(a, &oa)
			Epoch(&b, &ob)
			for i := range oa.Bonds {
				if !slices.Equal(oa.Bonds[i], ob.Bonds[i]) {
					t.Fatalf("epoch %d row %d: %v vs %v", e, i, oa.Bonds[i], ob.Bonds[i])
				}
			}
			a.Bonds = oa.Bonds // aliased
			for i := range ob.Bonds {
				b.Bonds[i] = slices.Clone(ob.Bonds[i])
			}
			copy(a.ValidatorPermit, oa.ValidatorPermit)
			copy(b.ValidatorPermit, ob.ValidatorPermit)
			a.Block++
			b.Block++
		}
	})
}
