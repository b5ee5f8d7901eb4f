package yuma

import (
	"fmt"
	"slices"
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// The steady path (steady.go) and the other shortcuts must give the general path's bits. These
// tests run subnets for several epochs twice, once with the steady path disabled, feeding bonds
// and permits back the way the engine does (or aliasing Output.Bonds), and change weights,
// registrations, permits, stakes, hyperparameters and bonds between epochs so that the cache is
// built, reused, invalidated and refused.

// compareOutputs fails when two outputs differ in anything Epoch writes.
func compareOutputs(t interface{ Fatalf(string, ...any) }, what string, got, want *Output) {
	for _, c := range []struct {
		name      string
		got, want []uint16
	}{
		{"rank", got.Rank, want.Rank}, {"trust", got.Trust, want.Trust}, {"consensus", got.Consensus, want.Consensus},
		{"incentive", got.Incentive, want.Incentive}, {"dividends", got.Dividends, want.Dividends},
		{"validator trust", got.ValidatorTrust, want.ValidatorTrust}, {"pruning", got.PruningScores, want.PruningScores},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Fatalf("%s: %s %v, general %v", what, c.name, c.got, c.want)
		}
	}
	for _, c := range []struct {
		name      string
		got, want []fp.I32F32
	}{
		{"stake", got.StakeFixed, want.StakeFixed}, {"active stake", got.ActiveStakeFixed, want.ActiveStakeFixed},
		{"consensus", got.ConsensusFixed, want.ConsensusFixed}, {"incentive", got.IncentiveFixed, want.IncentiveFixed},
		{"dividends", got.DividendsFixed, want.DividendsFixed}, {"server", got.ServerEmissionFixed, want.ServerEmissionFixed},
		{"validator", got.ValidatorEmissionFixed, want.ValidatorEmissionFixed}, {"combined", got.CombinedEmissionFixed, want.CombinedEmissionFixed},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Fatalf("%s: %s %v, general %v", what, c.name, c.got, c.want)
		}
	}
	if !slices.Equal(got.Active, want.Active) || !slices.Equal(got.ValidatorPermit, want.ValidatorPermit) || got.Fallback != want.Fallback {
		t.Fatalf("%s: active %v permits %v fallback %v, general %v %v %v", what, got.Active, got.ValidatorPermit, got.Fallback, want.Active, want.ValidatorPermit, want.Fallback)
	}
	for i := range want.Bonds {
		if !slices.Equal(got.Bonds[i], want.Bonds[i]) {
			t.Fatalf("%s: bonds row %d %v, general %v", what, i, got.Bonds[i], want.Bonds[i])
		}
	}
	for i := range want.ws.rowOf {
		if (got.ws.rowOf[i] < 0) != (want.ws.rowOf[i] < 0) {
			t.Fatalf("%s: uid %d live %v, general %v", what, i, got.ws.rowOf[i] >= 0, want.ws.rowOf[i] >= 0)
		}
	}
}

func cloneInput(in *Input) *Input {
	c := *in
	c.StakeWeight = slices.Clone(in.StakeWeight)
	c.LastUpdate = slices.Clone(in.LastUpdate)
	c.BlockAtRegistration = slices.Clone(in.BlockAtRegistration)
	c.ValidatorPermit = slices.Clone(in.ValidatorPermit)
	c.Weights = make([][]WeightEntry, len(in.Weights))
	c.Bonds = make([][]WeightEntry, len(in.Bonds))
	for i := range in.Weights {
		c.Weights[i] = slices.Clone(in.Weights[i])
		c.Bonds[i] = slices.Clone(in.Bonds[i])
	}
	return &c
}

// drawWeightRow draws a validator's weights over the miners [nv, n): dense or sparse, sometimes
// with a self-weight, a weight on another validator or a UID past n, zero values included.
func drawWeightRow(t *rapid.T, i, nv, n int) []WeightEntry {
	var row []WeightEntry
	dense := rapid.IntRange(0, 3).Draw(t, "dense") > 0
	val := rapid.OneOf(rapid.Uint16(), rapid.Uint16Range(0, 3), rapid.Just(uint16(65535)))
	for j := nv; j < n; j++ {
		if dense || rapid.Bool().Draw(t, "has") {
			row = append(row, WeightEntry{uint16(j), val.Draw(t, "w")})
		}
	}
	switch rapid.IntRange(0, 9).Draw(t, "extra") {
	case 0:
		row = append(row, WeightEntry{uint16(i), val.Draw(t, "self")})
	case 1:
		row = append(row, WeightEntry{uint16(rapid.IntRange(0, nv-1).Draw(t, "v")), val.Draw(t, "wv")})
	case 2:
		row = append(row, WeightEntry{uint16(n + rapid.IntRange(0, 3).Draw(t, "past")), val.Draw(t, "wp")})
	}
	// set_weights rejects duplicate UIDs
	seen := map[uint16]bool{}
	return slices.DeleteFunc(row, func(e WeightEntry) bool {
		d := seen[e.UID]
		seen[e.UID] = true
		return d
	})
}

func drawSteadyInput(t *rapid.T) (*Input, int) {
	nv := rapid.IntRange(2, 12).Draw(t, "validators")
	nm := rapid.IntRange(0, 24).Draw(t, "miners")
	n := nv + nm
	in := &Input{Block: 10_000,
		ActivityCutoff:       rapid.SampledFrom([]uint64{DefaultActivityCutoff, 500}).Draw(t, "cutoff"),
		Kappa:                rapid.SampledFrom([]uint16{DefaultKappa, 0, 1, 65535, 50_000, 10_000}).Draw(t, "kappa"),
		BondsMovingAverage:   rapid.SampledFrom([]uint64{DefaultBondsMovingAverage, DefaultBondsMovingAverage, DefaultBondsMovingAverage, 1, 500_000, 999_999, 0, 1_000_000}).Draw(t, "bma"),
		BondsPenalty:         rapid.SampledFrom([]uint16{0, 0, 0, 65535, 65535, 30_000}).Draw(t, "penalty"),
		MaxAllowedValidators: uint16(rapid.IntRange(1, n+1).Draw(t, "maxval"))}
	tw := TaoWeight(rapid.Uint64().Draw(t, "tw"))
	for i := 0; i < n; i++ {
		var alpha, root uint64
		var row []WeightEntry
		if i < nv {
			alpha = rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(1, 1<<52)).Draw(t, "alpha")
			root = rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(0, 1<<40)).Draw(t, "root")
			row = drawWeightRow(t, i, nv, n)
		} else if rapid.IntRange(0, 7).Draw(t, "minerStake") == 0 {
			alpha = rapid.Uint64Range(0, 1<<40).Draw(t, "malpha")
		}
		in.StakeWeight = append(in.StakeWeight, StakeWeight(alpha, root, tw))
		in.LastUpdate = append(in.LastUpdate, rapid.SampledFrom([]uint64{9_900, 9_900, 9_000, 200}).Draw(t, "lu"))
		in.BlockAtRegistration = append(in.BlockAtRegistration, rapid.SampledFrom([]uint64{0, 0, 100, 9_500}).Draw(t, "reg"))
		in.ValidatorPermit = append(in.ValidatorPermit, i < nv && rapid.IntRange(0, 9).Draw(t, "permit") > 0)
		in.Weights = append(in.Weights, row)
		in.Bonds = append(in.Bonds, nil)
	}
	return in, nv
}

// mutate changes in between epochs the way a simulation does, and sometimes in ways the steady
// path must notice (bonds edited, weights replaced in place).
func mutate(t *rapid.T, in *Input, nv int) {
	n := in.N()
	in.Block += uint64(rapid.SampledFrom([]int{1, 360, 600}).Draw(t, "dt"))
	for i := range in.StakeWeight { // emission: stakes grow a little, mostly
		h, l := in.StakeWeight[i].Bits()
		if h >= 0 && h < 1<<60 && rapid.IntRange(0, 3).Draw(t, "grow") > 0 {
			add := rapid.Uint64Range(0, 1<<20).Draw(t, "add")
			nl := l + add<<20
			if nl < l {
				h++
			}
			in.StakeWeight[i] = fp.I64F64FromBits(h, nl)
		}
	}
	for range rapid.IntRange(0, 2).Draw(t, "changes") {
		i := rapid.IntRange(0, n-1).Draw(t, "uid")
		switch rapid.IntRange(0, 12).Draw(t, "change") {
		case 0: // set_weights: a new row and last update
			in.Weights[i] = drawWeightRow(t, i, nv, n)
			in.LastUpdate[i] = in.Block
		case 1: // set_weights with the same values: only the last update moves
			in.LastUpdate[i] = in.Block
		case 2: // registration: new hotkey, permit reset, weights and bonds stay
			in.BlockAtRegistration[i] = in.Block
			in.ValidatorPermit[i] = false
			in.StakeWeight[i] = StakeWeight(rapid.Uint64Range(0, 1<<40).Draw(t, "regstake"), 0, fp.I96F32{})
		case 3: // a weight value edited in place
			if len(in.Weights[i]) > 0 {
				x := rapid.IntRange(0, len(in.Weights[i])-1).Draw(t, "x")
				in.Weights[i][x].Value = rapid.Uint16().Draw(t, "nv")
			}
		case 4: // a bond value edited in place (possibly in an aliased Output row)
			if len(in.Bonds[i]) > 0 {
				x := rapid.IntRange(0, len(in.Bonds[i])-1).Draw(t, "bx")
				in.Bonds[i][x].Value = rapid.Uint16().Draw(t, "bv")
			}
		case 5: // bonds dropped
			in.Bonds[i] = nil
		case 6: // a bond outside the weights' structure
			in.Bonds[i] = append(slices.Clone(in.Bonds[i]), WeightEntry{uint16(rapid.IntRange(0, n-1).Draw(t, "bj")), rapid.Uint16Range(1, 65535).Draw(t, "bnew")})
			slices.SortFunc(in.Bonds[i], func(a, b WeightEntry) int { return int(a.UID) - int(b.UID) })
			in.Bonds[i] = slices.CompactFunc(in.Bonds[i], func(a, b WeightEntry) bool { return a.UID == b.UID })
		case 7: // a permit flipped
			in.ValidatorPermit[i] = !in.ValidatorPermit[i]
		case 8: // hyperparameters
			in.Kappa = rapid.SampledFrom([]uint16{DefaultKappa, 0, 65535, 40_000}).Draw(t, "kappa2")
			in.BondsMovingAverage = rapid.SampledFrom([]uint64{DefaultBondsMovingAverage, 0, 1_000_000, 100_000}).Draw(t, "bma2")
			in.BondsPenalty = rapid.SampledFrom([]uint16{0, 65535, 12_345}).Draw(t, "penalty2")
		case 10: // a duplicate UID (set_weights rejects them; the general path adds them up)
			if len(in.Weights[i]) > 0 {
				in.Weights[i] = append(slices.Clone(in.Weights[i]), in.Weights[i][0])
			}
		case 9: // a stake vanishes or dominates
			in.StakeWeight[i] = StakeWeight(rapid.SampledFrom([]uint64{0, 1 << 62}).Draw(t, "extreme"), 0, fp.I96F32{})
		}
	}
}

func TestSteadyMatchesGeneral(t *testing.T) {
	steadyRuns, epochs := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		base, nv := drawSteadyInput(t)
		// fast and general each run their own copy of the input; alias feeds Output.Bonds
		// straight back to the fast one
		fastIn, genIn := cloneInput(base), cloneInput(base)
		alias := rapid.Bool().Draw(t, "alias")
		copyPermits := rapid.IntRange(0, 4).Draw(t, "copyPermits") > 0
		var fast, gen Output
		gen.ws.noSteady = true
		for e := range rapid.IntRange(3, 12).Draw(t, "epochs") {
			before := fast.ws.steadyN
			fast.ws.steady.noAsm = rapid.IntRange(0, 3).Draw(t, "noAsm") == 0 // the reference kernels
			fast.ws.steady.noAVX512 = rapid.Bool().Draw(t, "noAVX512")
			Epoch(fastIn, &fast)
			Epoch(genIn, &gen)
			compareOutputs(t, fmt.Sprintf("epoch %d (steady %v)", e, fast.ws.steadyN > before), &fast, &gen)
			if fast.ws.steadyN > before {
				steadyRuns++
			}
			epochs++
			if (e == 0 || rapid.IntRange(0, 5).Draw(t, "ref") == 0) && !hasDuplicates(genIn.Weights) {
				ref := refEpoch(genIn)
				if !slices.Equal(gen.Rank, ref.rank) || !slices.Equal(gen.Dividends, ref.dividends) {
					t.Fatalf("general path differs from the sparse reference")
				}
			}
			for i := range gen.Bonds {
				genIn.Bonds[i] = append(genIn.Bonds[i][:0], gen.Bonds[i]...)
			}
			if alias {
				fastIn.Bonds = fast.Bonds
			} else {
				for i := range fast.Bonds {
					fastIn.Bonds[i] = append(fastIn.Bonds[i][:0], fast.Bonds[i]...)
				}
			}
			if copyPermits {
				copy(genIn.ValidatorPermit, gen.ValidatorPermit)
				copy(fastIn.ValidatorPermit, fast.ValidatorPermit)
			}
			if rapid.IntRange(0, 3).Draw(t, "mutate") < 3 {
				// only the stakes and the block move, as in most epochs of a simulation
				for i := range genIn.StakeWeight {
					genIn.StakeWeight[i] = genIn.StakeWeight[i].SaturatingAdd(fp.I64F64SaturatingFromU64(uint64(i) * 1000))
				}
				genIn.Block++
			} else {
				mutate(t, genIn, nv)
			}
			// apply the same changes to the fast input: the general input is the model
			fastIn.Block, fastIn.Kappa, fastIn.BondsMovingAverage, fastIn.BondsPenalty = genIn.Block, genIn.Kappa, genIn.BondsMovingAverage, genIn.BondsPenalty
			copy(fastIn.StakeWeight, genIn.StakeWeight)
			copy(fastIn.LastUpdate, genIn.LastUpdate)
			copy(fastIn.BlockAtRegistration, genIn.BlockAtRegistration)
			copy(fastIn.ValidatorPermit, genIn.ValidatorPermit)
			for i := range genIn.Weights {
				if !slices.Equal(fastIn.Weights[i], genIn.Weights[i]) {
					if len(fastIn.Weights[i]) == len(genIn.Weights[i]) && rapid.Bool().Draw(t, "inplace") {
						copy(fastIn.Weights[i], genIn.Weights[i]) // edited in place
					} else {
						fastIn.Weights[i] = slices.Clone(genIn.Weights[i])
					}
				}
				if !slices.Equal(fastIn.Bonds[i], genIn.Bonds[i]) {
					if len(fastIn.Bonds[i]) == len(genIn.Bonds[i]) {
						copy(fastIn.Bonds[i], genIn.Bonds[i]) // edited in place (in Output's row when aliased)
					} else {
						fastIn.Bonds[i] = slices.Clone(genIn.Bonds[i])
					}
				}
			}
		}
	})
	t.Logf("steady path ran %d of %d epochs", steadyRuns, epochs)
	if steadyRuns < epochs/8 {
		t.Fatalf("steady path ran only %d of %d epochs", steadyRuns, epochs)
	}
}

// The benchmark subnet, run for many epochs with bonds fed back and stakes growing, gives the same
// bits on the steady path as on the general path.
func TestSteadyMatchesGeneralBench(t *testing.T) {
	fastIn := benchInput()
	genIn := cloneInput(fastIn)
	var fast, gen Output
	gen.ws.noSteady = true
	for e := 0; e < 12; e++ {
		fast.ws.steady.noAsm, fast.ws.steady.noAVX512 = e%3 == 2, e%3 == 1
		Epoch(fastIn, &fast)
		Epoch(genIn, &gen)
		compareOutputs(t, fmt.Sprintf("epoch %d", e), &fast, &gen)
		fastIn.Bonds = fast.Bonds
		for i := range gen.Bonds {
			genIn.Bonds[i] = append(genIn.Bonds[i][:0], gen.Bonds[i]...)
		}
		copy(fastIn.ValidatorPermit, fast.ValidatorPermit)
		copy(genIn.ValidatorPermit, gen.ValidatorPermit)
		for i := range genIn.StakeWeight {
			x := genIn.StakeWeight[i].SaturatingAdd(fp.I64F64SaturatingFromU64(uint64(e*i) * 1_000_003))
			genIn.StakeWeight[i], fastIn.StakeWeight[i] = x, x
		}
		genIn.Block += 361
		fastIn.Block += 361
	}
	if fast.ws.steadyN < 10 {
		t.Fatalf("steady path ran %d epochs of 12", fast.ws.steadyN)
	}
}

// normalizeStake gives inplace_normalize_64 then vec_fixed64_to_fixed32 for any stake weights.
func TestNormalizeStakeMatchesCrate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.OneOf(
			rapid.Custom(func(t *rapid.T) fp.I64F64 {
				return StakeWeight(rapid.Uint64Range(0, 1<<62).Draw(t, "a"), rapid.Uint64Range(0, 1<<62).Draw(t, "r"), TaoWeight(rapid.Uint64().Draw(t, "tw")))
			}),
			rapid.Custom(func(t *rapid.T) fp.I64F64 {
				return fp.I64F64SaturatingFromU64(rapid.Uint64Range(0, 1<<50).Draw(t, "whole"))
			}),
			rapid.Custom(func(t *rapid.T) fp.I64F64 { return fp.I64F64FromBits(0, rapid.Uint64().Draw(t, "frac")) }),
			rapid.Custom(func(t *rapid.T) fp.I64F64 {
				return fp.I64F64FromBits(rapid.Int64().Draw(t, "hi"), rapid.Uint64().Draw(t, "lo"))
			}),
			rapid.Just(fp.I64F64{}),
		)
		x := rapid.SliceOfN(gen, 0, 40).Draw(t, "x")
		want := slices.Clone(x)
		InplaceNormalize64(want)
		got := make([]fp.I32F32, len(x))
		normalizeStake(x, got, make([]fp.I64F64, len(x)))
		for i := range x {
			if w := want[i].SaturatingToI32F32(); got[i] != w {
				t.Fatalf("stake %d of %v: %s, want %s", i, x, got[i], w)
			}
		}
	})
}

// The steady path's medians (walking each column's order) equal weightedMedianCol, with ties,
// zero and equal stakes, rows outside the matrix, and minorities on the exact edges of the
// stake integral, below zero and at or above the total.
func TestSteadyMediansMatch(t *testing.T) {
	var st steady
	rapid.Check(t, func(t *rapid.T) {
		R := rapid.IntRange(1, 20).Draw(t, "rows")
		C := rapid.IntRange(1, 6).Draw(t, "cols")
		extra := rapid.IntRange(0, 3).Draw(t, "extra") // uids outside the matrix
		n := R + extra
		active := make([]fp.I32F32, n)
		stakeGen := rapid.OneOf(rapid.Just(fp.I32F32(0)), rapid.SampledFrom([]fp.I32F32{1 << 28, 1 << 29, 3 << 27}),
			rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(0, 1<<32-1).Draw(t, "s")) }))
		for i := range active {
			active[i] = stakeGen.Draw(t, "stake")
		}
		InplaceNormalize(active)
		// uids: rows first at random positions among the extra uids
		perm := rapid.Permutation(seqInts(n)).Draw(t, "perm")
		st.rows, st.cols = st.rows[:0], st.cols[:0]
		st.rowOf = make([]int32, n)
		for i := range st.rowOf {
			st.rowOf[i] = -1
		}
		isRow := make([]bool, n)
		for _, u := range perm[:R] {
			isRow[u] = true
		}
		for u := 0; u < n; u++ {
			if isRow[u] {
				st.rowOf[u] = int32(len(st.rows))
				st.rows = append(st.rows, int32(u))
			}
		}
		levels := rapid.SampledFrom([]int{1, 2, 3, 1000}).Draw(t, "levels")
		st.rp = (R + 3) &^ 3
		st.w64 = make([]uint64, C*st.rp)
		score := make([]fp.I32F32, n*C) // row-major over uids for weightedMedianCol
		for c := 0; c < C; c++ {
			st.cols = append(st.cols, int32(c))
			for k, u := range st.rows {
				var v uint64
				switch l := rapid.IntRange(0, levels).Draw(t, "level"); {
				case l == levels && rapid.Bool().Draw(t, "one"):
					v = 1 << 32
				default:
					v = uint64(l) << 20
				}
				st.w64[c*st.rp+k] = v
				score[int(u)*C+c] = fp.I32F32(v)
			}
		}
		st.wide = slices.Contains(st.w64, 1<<32)
		st.w32 = make([]uint32, C*st.rp)
		for x, v := range st.w64 {
			st.w32[x] = uint32(v)
		}
		st.sortColumns()
		// the median's stakes, to pick minorities on the edges
		var ms []fp.I32F32
		for _, s := range active {
			if s > 0 {
				ms = append(ms, s)
			}
		}
		InplaceNormalize(ms)
		total := Sum(ms)
		var partial fp.I32F32
		for _, s := range ms[:rapid.IntRange(0, len(ms)).Draw(t, "upto")] {
			partial += s
		}
		minority := rapid.OneOf(rapid.Just(partial), rapid.Just(partial-1), rapid.Just(partial+1), rapid.Just(total),
			rapid.Just(fp.I32F32(-1)), rapid.Just(total+1),
			rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(-1<<32, 2<<32).Draw(t, "m")) }),
		).Draw(t, "minority")
		kappa := total - minority // minority = total.SaturatingSub(kappa)
		st.cons = make([]uint64, C)
		st.medians(active, kappa)
		want := make([]fp.I32F32, C)
		rowOf := make([]int32, n)
		for i := range rowOf {
			rowOf[i] = int32(i)
		}
		var sc medianScratch
		weightedMedianCol(active, rowOf, score, C, 1, C, kappa, want, &sc)
		for c := 0; c < C; c++ {
			if fp.I32F32(st.cons[c]) != want[c] {
				t.Fatalf("column %d: median %d, weightedMedianCol %d (minority %d of %d)", c, st.cons[c], want[c], minority, total)
			}
		}
	})
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// BenchmarkEpochSteady is BenchmarkEpoch as the engine runs it: the bonds of each epoch fed
// back as the next input's, the stakes growing, and the rows promised unchanged
// (Input.WeightsUnchanged, Input.BondsUnchanged), so every epoch takes the steady path with its
// bonds carried over and nothing compared.
func BenchmarkEpochSteady(b *testing.B) {
	in := benchInput()
	var out Output
	feed := func(e int) {
		for i := range in.Bonds {
			in.Bonds[i] = append(in.Bonds[i][:0], out.Bonds[i]...)
		}
		copy(in.ValidatorPermit, out.ValidatorPermit)
		for i, w := range in.StakeWeight { // dividends to validators, incentive to miners
			h, _ := w.Bits()
			add := uint64(h)>>12 + uint64(e%7)
			if i >= 64 {
				add = 1_000_003 * uint64(i)
			}
			in.StakeWeight[i] = w.SaturatingAdd(fp.I64F64SaturatingFromU64(add))
		}
		in.Block += 361
	}
	for e := 0; e < 3; e++ {
		Epoch(in, &out)
		feed(e)
	}
	in.WeightsUnchanged, in.BondsUnchanged = true, true
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Epoch(in, &out)
		b.StopTimer()
		feed(i)
		b.StartTimer()
	}
	if out.ws.steadyN < b.N {
		b.Fatalf("steady path ran %d of %d epochs", out.ws.steadyN, b.N)
	}
}

// hasDuplicates reports a row listing a UID twice, which set_weights rejects (the sparse reference
// does not model them; the general path adds them up).
func hasDuplicates(rows [][]WeightEntry) bool {
	for _, row := range rows {
		seen := map[uint16]bool{}
		for _, e := range row {
			if seen[e.UID] {
				return true
			}
			seen[e.UID] = true
		}
	}
	return false
}

// Split's product of a share and the epoch's amount equals the crate's I96F32 arithmetic for
// every share (the inline form covers [0, 1.0]) and amount.
func TestScaleAmountMatchesCrate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x := fp.I32F32(rapid.OneOf(rapid.Int64Range(0, 1<<32), rapid.Int64(),
			rapid.SampledFrom([]int64{0, 1, 1 << 32, 1<<32 - 1, 1<<32 + 1, -1})).Draw(t, "x"))
		a := rapid.OneOf(rapid.Uint64(), rapid.SampledFrom([]uint64{0, 1, 1<<64 - 1, 1 << 63})).Draw(t, "a")
		amount := fp.I96F32FromU64(a)
		want := x.ToI96F32().SaturatingMul(amount).SaturatingToU64()
		if got := scaleAmount(x, a, amount); got != want {
			t.Fatalf("%s * %d = %d, crate %d", x, a, got, want)
		}
	})
}

// isTopKWarm gives IsTopK's permits from any starting order, call after call with changing
// stakes (its order carried over), the fallbacks to the crate's sort included.
func TestIsTopKWarmMatches(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		var order []uint16
		v := make([]fp.I32F32, n)
		for i := range v {
			v[i] = fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "v"))
		}
		for range rapid.IntRange(1, 5).Draw(t, "calls") {
			k := rapid.IntRange(0, n+2).Draw(t, "k")
			for range rapid.IntRange(0, n).Draw(t, "changes") {
				i := rapid.IntRange(0, n-1).Draw(t, "i")
				v[i] = rapid.OneOf(rapid.Just(fp.I32F32(0)), rapid.Just(v[(i+1)%n]),
					rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "x")) }),
					rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64().Draw(t, "y")) }),
				).Draw(t, "new")
			}
			if rapid.IntRange(0, 4).Draw(t, "reverse") == 0 { // far from the previous order
				slices.Reverse(v)
			}
			want, got := make([]bool, n), make([]bool, n)
			IsTopK(v, k, want, make([]int32, n))
			isTopKWarm(v, k, got, make([]int32, n), make([]uint64, n), &order)
			if !slices.Equal(got, want) {
				t.Fatalf("isTopKWarm %v, IsTopK %v", got, want)
			}
		}
	})
}

// StakeWeight's shortcut for no root stake is the crate's a + 0 * tao weight.
func TestStakeWeightNoRoot(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alpha := rapid.OneOf(rapid.Uint64(), rapid.Just(uint64(1<<63)), rapid.Just(uint64(1<<64-1))).Draw(t, "alpha")
		tw := TaoWeight(rapid.Uint64().Draw(t, "tw"))
		a := fp.I64F64SaturatingFromU64(alpha)
		want := a.SaturatingAdd(fp.I64F64SaturatingFromU64(0).SaturatingMul(tw.SaturatingToI64F64()))
		if got := StakeWeight(alpha, 0, tw); got.Cmp(want) != 0 {
			t.Fatalf("StakeWeight(%d, 0) = %s, want %s", alpha, got, want)
		}
	})
}
