package yuma

import (
	"slices"
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// The bucketed search over packed keys returns exactly what the chain's recursive
// weighted_median returns, for up to keyRows rows, ties, zero stakes and out-of-range
// minorities included.
func TestMedianKeysMatchesChain(t *testing.T) {
	var sc medianScratch
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.IntRange(0, keyRows).Draw(t, "k")
		stake, score := make([]fp.I32F32, k), make([]fp.I32F32, k)
		levels := rapid.SampledFrom([]int{1, 3, 6, 1 << 10, 1 << 30}).Draw(t, "levels")
		shift := rapid.IntRange(0, 24).Draw(t, "shift")
		base := fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "base"))
		for i := range score {
			score[i] = base + fp.I32F32(rapid.IntRange(0, levels).Draw(t, "score"))<<shift
			stake[i] = rapid.OneOf(rapid.Just(fp.I32F32(0)), rapid.Custom(func(t *rapid.T) fp.I32F32 {
				return fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "s"))
			})).Draw(t, "stake")
		}
		InplaceNormalize(stake)
		total := Sum(stake)
		minority := rapid.OneOf(
			rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(-1<<32, 2<<32).Draw(t, "m")) }),
			rapid.Just(total), rapid.Just(total-1), rapid.Just(fp.I32F32(0)), rapid.Just(fp.I32F32(-1)),
		).Draw(t, "minority")
		part := make([]int, k)
		for i := range part {
			part[i] = i
		}
		want := refWeightedMedian(stake, score, part, minority, 0, total)
		copy(sc.keyStake[:], stake)
		mn, mx, _ := gatherKeys(sc.keys[:k], score)
		got := sc.medianKeys(k, mn>>keyBits, mx>>keyBits, minority, total)
		if got != want {
			t.Fatalf("median %s, chain %s (minority %s of %s)", got, want, minority, total)
		}
	})
}

// The packed-key top-k gives the chain's stable-sort permits, ties and out-of-range values
// (which fall back to IsTopK) included.
func TestIsTopKKeysMatches(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		k := rapid.IntRange(0, n+2).Draw(t, "k")
		v := make([]fp.I32F32, n)
		for i := range v {
			v[i] = rapid.OneOf(rapid.Just(fp.I32F32(0)), rapid.Just(fp.I32F32(1<<31)),
				rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "x")) }),
				rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64().Draw(t, "y")) }),
			).Draw(t, "v")
		}
		want, got := make([]bool, n), make([]bool, n)
		IsTopK(v, k, want, make([]int32, n))
		isTopK(v, k, got, make([]int32, n), make([]uint64, n))
		if !slices.Equal(got, want) {
			t.Fatalf("isTopK %v, IsTopK %v", got, want)
		}
	})
}

// Epoch matches the literal sparse transcription on bigger, mostly dense subnets, where the
// epoch's fast paths (keyed medians over contiguous columns, 64-bit products, fused bond
// columns) all run, alongside sparse rows, duplicates-free random UIDs and validators without
// permits.
func TestEpochMatchesSparseReferenceDense(t *testing.T) {
	var out Output
	rapid.Check(t, func(t *rapid.T) {
		nv := rapid.IntRange(1, 24).Draw(t, "validators")
		nm := rapid.IntRange(1, 40).Draw(t, "miners")
		n := nv + nm
		in := &Input{Block: 10_000, ActivityCutoff: DefaultActivityCutoff,
			Kappa:                rapid.OneOf(rapid.Just(uint16(DefaultKappa)), rapid.Uint16()).Draw(t, "kappa"),
			BondsMovingAverage:   rapid.OneOf(rapid.Just(uint64(DefaultBondsMovingAverage)), rapid.Uint64Range(0, 1_000_000)).Draw(t, "bma"),
			BondsPenalty:         rapid.OneOf(rapid.Just(uint16(0)), rapid.Just(uint16(65535)), rapid.Uint16()).Draw(t, "penalty"),
			MaxAllowedValidators: uint16(rapid.IntRange(1, n).Draw(t, "maxval"))}
		tw := TaoWeight(rapid.Uint64().Draw(t, "tw"))
		for i := 0; i < n; i++ {
			var alpha uint64
			var wrow, brow []WeightEntry
			if i < nv {
				alpha = rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(1, 1<<52)).Draw(t, "alpha")
				dense := rapid.Bool().Draw(t, "dense")
				for j := nv; j < n; j++ {
					if dense || rapid.Bool().Draw(t, "has") {
						wrow = append(wrow, WeightEntry{uint16(j), rapid.Uint16().Draw(t, "w")})
					}
					if rapid.IntRange(0, 3).Draw(t, "hasb") > 0 {
						brow = append(brow, WeightEntry{uint16(j), rapid.Uint16().Draw(t, "b")})
					}
				}
			}
			in.StakeWeight = append(in.StakeWeight, StakeWeight(alpha, 0, tw))
			in.LastUpdate = append(in.LastUpdate, rapid.SampledFrom([]uint64{9_900, 9_000, 4_000}).Draw(t, "lu"))
			in.BlockAtRegistration = append(in.BlockAtRegistration, rapid.SampledFrom([]uint64{0, 100, 9_500}).Draw(t, "reg"))
			in.ValidatorPermit = append(in.ValidatorPermit, i < nv && rapid.IntRange(0, 7).Draw(t, "permit") > 0)
			in.Weights = append(in.Weights, wrow)
			in.Bonds = append(in.Bonds, brow)
		}
		Epoch(in, &out)
		ref := refEpoch(in)
		for _, c := range []struct {
			name      string
			got, want []uint16
		}{
			{"rank", out.Rank, ref.rank}, {"trust", out.Trust, ref.trust}, {"consensus", out.Consensus, ref.consensus},
			{"incentive", out.Incentive, ref.incentive}, {"dividends", out.Dividends, ref.dividends},
			{"validator trust", out.ValidatorTrust, ref.vtrust},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Fatalf("%s: %v, reference %v", c.name, c.got, c.want)
			}
		}
		if !slices.Equal(out.ServerEmissionFixed, ref.server) || !slices.Equal(out.ValidatorEmissionFixed, ref.validator) {
			t.Fatalf("emission differs from the reference")
		}
		for i := range ref.bonds {
			if !slices.Equal(out.Bonds[i], ref.bonds[i]) {
				t.Fatalf("bonds row %d: %v, reference %v", i, out.Bonds[i], ref.bonds[i])
			}
		}
	})
}

// BenchmarkConsensus is the consensus step of BenchmarkEpoch's subnet alone: 256 stake-weighted
// medians over 64 validators.
func BenchmarkConsensus(b *testing.B) {
	in := benchInput()
	var out Output
	Epoch(in, &out)
	Epoch(in, &out) // wT holds the bonds delta after an epoch: reload the weights
	ws := &out.ws
	ws.resize(in.N())
	ws.load(in, in.N(), out.ActiveStakeFixed)
	C := len(ws.cols)
	kappa := fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		weightedMedianCol(out.ActiveStakeFixed, ws.rowOf, ws.wT, 1, ws.cs, C, kappa, ws.cons, &ws.med)
	}
}

// InplaceNormalizeUsingSum (reciprocal for shares below 1.0) and prop16 (inline for
// proportions) give the crate's safe_div and fixed_proportion_to_u16 for any values.
func TestNormalizeAndProp16MatchCrate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		val := rapid.OneOf(
			rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "unit")) }),
			rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64().Draw(t, "any")) }),
			rapid.SampledFrom([]fp.I32F32{0, 1, 1<<32 - 1, 1 << 32, -1, fp.I32F32Max, fp.I32F32Min}),
		)
		x := rapid.SliceOfN(val, 0, 20).Draw(t, "x")
		sum := rapid.OneOf(val, rapid.Just(Sum(x))).Draw(t, "sum")
		got := slices.Clone(x)
		InplaceNormalizeUsingSum(got, sum)
		for i, v := range x {
			want := v
			if sum != 0 && v != 0 {
				want = v.SafeDiv(sum)
			}
			if got[i] != want {
				t.Fatalf("%s / %s = %s, want %s", v, sum, got[i], want)
			}
			if prop16(v) != fp.FixedProportionToU16(v) {
				t.Fatalf("prop16(%s) = %d, want %d", v, prop16(v), fp.FixedProportionToU16(v))
			}
		}
	})
}
