package yuma

import (
	"math"
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// fx is the Rust tests' fixed(f32) / vec_to_fixed: I32F32::from_num of an f32, which rounds to
// the nearest representable value. Float is used only here, to write the chain's test vectors.
func fx(v float32) fp.I32F32 {
	return fp.I32F32(int64(math.RoundToEven(float64(v) * (1 << 32))))
}

func fxs(vs ...float32) []fp.I32F32 {
	r := make([]fp.I32F32, len(vs))
	for i, v := range vs {
		r[i] = fx(v)
	}
	return r
}

func iota32(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(i)
	}
	return r
}

func median(stake, score []fp.I32F32, majority fp.I32F32) fp.I32F32 {
	return WeightedMedian(stake, score, iota32(len(stake)), make([]int32, len(stake)), fp.I32F32One-majority, 0, Sum(stake))
}

// tests/math.rs test_math_weighted_median, the fixed cases.
func TestWeightedMedianChainCases(t *testing.T) {
	norm := func(v []fp.I32F32) []fp.I32F32 { InplaceNormalize(v); return v }
	cases := []struct {
		stake, score []fp.I32F32
		want         fp.I32F32
	}{
		{nil, nil, 0},
		{norm(fxs(0.51)), fxs(1), fx(1)},
		{fxs(0.49, 0.51), fxs(0.5, 1), fx(1)},
		{fxs(0.51, 0.49), fxs(0.5, 1), fx(0.5)},
		{fxs(0.49, 0, 0.51), fxs(0.5, 0.7, 1), fx(1)},
		{fxs(0.49, 0.01, 0.5), fxs(0.5, 0.7, 1), fx(0.7)},
		{fxs(0.49, 0.51, 0), fxs(0.5, 0.7, 1), fx(0.7)},
		{fxs(0, 0.49, 0.51), fxs(0.5, 0.7, 1), fx(1)},
		{fxs(0, 0.49, 0, 0.51), fxs(0.5, 0.5, 1, 1), fx(1)},
		{fxs(0, 0.49, 0, 0.51, 0), fxs(0.5, 0.5, 1, 1, 0.5), fx(1)},
		{fxs(0.2, 0.2, 0.2, 0.2, 0.2), fxs(0.8, 0.2, 1, 0.6, 0.4), fx(0.6)},
		{fxs(0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1), fxs(0.8, 0.8, 0.2, 0.2, 1, 1, 0.6, 0.6, 0.4, 0.4), fx(0.6)},
	}
	for i, c := range cases {
		if got := median(c.stake, c.score, fx(0.51)); got != c.want {
			t.Errorf("case %d: median %s, want %s", i, got, c.want)
		}
	}
}

// tests/math.rs test_math_weighted_median_col and _col_sparse: 4 rows (stake) x 3 columns.
func TestWeightedMedianColChainCases(t *testing.T) {
	w := fxs(0, 0.1, 0, 0, 0.2, 0.4, 0, 0.3, 0.1, 0, 0.4, 0.5)
	for _, c := range []struct {
		stake    []fp.I32F32
		w        []fp.I32F32
		majority float32
		want     []fp.I32F32
	}{
		{fxs(0, 0.75, 0.25, 0), w, 0.24, fxs(0, 0.3, 0.4)},
		{fxs(0, 0.75, 0.25, 0), w, 0.26, fxs(0, 0.2, 0.4)},
		{fxs(0, 0.75, 0.25, 0), w, 0.76, fxs(0, 0.2, 0.1)},
		{fxs(0, 0.3, 0.2, 0.5), fxs(0, 0.1, 0, 0, 0.2, 0.4, 0, 0.3, 0.1, 0, 0, 0.5), 0.51, fxs(0, 0, 0.4)},
		{fxs(0, 0), fxs(0, 0, 0, 0), 0.5, fxs(0, 0)},
	} {
		cols := len(c.w) / len(c.stake)
		got := make([]fp.I32F32, cols)
		WeightedMedianCol(c.stake, c.w, cols, fx(c.majority), got)
		for j := range got {
			if got[j] != c.want[j] {
				t.Errorf("stake %v majority %v: median %v, want %v", c.stake, c.majority, got, c.want)
				break
			}
		}
	}
}

// The randomized part of test_math_weighted_median as a property: with stakes of 0 or 1 and
// non-decreasing scores, the result is one of the scores at the minority crossing of the
// cumulative stake, whatever the order of the rows.
func TestWeightedMedianProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 60).Draw(t, "n")
		majority := rapid.SampledFrom(fxs(0, 0.0000001, 0.25, 0.49, 0.5, 0.51, 0.9999999, 1)).Draw(t, "majority")
		stake := make([]fp.I32F32, n)
		score := make([]fp.I32F32, n)
		last := fp.I32F32(0)
		for i := 0; i < n; i++ {
			if rapid.Bool().Draw(t, "s") {
				stake[i] = fp.I32F32One
			}
			if rapid.Bool().Draw(t, "up") {
				last += fp.I32F32One
			}
			score[i] = last
		}
		InplaceNormalize(stake)
		total := Sum(stake)
		minority := total - majority
		if minority < 0 {
			minority = 0
		}
		var medians []fp.I32F32
		var cum, medianStake fp.I32F32
		set := false
		for i := 0; i < n; i++ {
			cum += stake[i]
			if !set && cum >= minority {
				medianStake, set = cum, true
			}
			if set {
				if medianStake < cum {
					if medianStake == minority && !contains(medians, score[i]) {
						medians = append(medians, score[i])
					}
					break
				}
				if !contains(medians, score[i]) {
					medians = append(medians, score[i])
				}
			}
		}
		if len(medians) == 0 {
			medians = append(medians, 0)
		}
		perm := rapid.Permutation(iota32(n)).Draw(t, "perm")
		ps, pc := make([]fp.I32F32, n), make([]fp.I32F32, n)
		for i, p := range perm {
			ps[i], pc[i] = stake[p], score[p]
		}
		for _, v := range [][2][]fp.I32F32{{stake, score}, {ps, pc}} {
			got := WeightedMedian(v[0], v[1], iota32(n), make([]int32, n), minority, 0, total)
			if !contains(medians, got) {
				t.Fatalf("median %s not in %v", got, medians)
			}
		}
	})
}

func contains(s []fp.I32F32, v fp.I32F32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestIsTopK(t *testing.T) {
	check := func(v []fp.I32F32, k int, want []bool) {
		t.Helper()
		got := make([]bool, len(v))
		IsTopK(v, k, got, make([]int32, len(v)))
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("is_topk(%v, %d) = %v, want %v", v, k, got, want)
				return
			}
		}
	}
	check(fxs(1, 5, 3, 4, 2), 2, []bool{false, true, false, true, false})
	// ties: the stable ascending sort clears the lower UIDs first
	check(fxs(0, 0, 0, 0), 2, []bool{false, false, true, true})
	check(fxs(1, 0, 1, 0), 3, []bool{true, false, true, true})
	// n <= k: everyone, zero stake included
	check(fxs(0, 0, 1), 3, []bool{true, true, true})
	check(fxs(0, 0, 1), 5, []bool{true, true, true})
	check(fxs(3, 1), 0, []bool{false, false})
}

// Hand-computed values of the smaller math.rs ports.
func TestMathHandValues(t *testing.T) {
	// mat_ema with alpha = 0.1 (429496730 bits, as emaAlpha(900000) gives):
	// 0.1*1.0 + 0.9*0.5: alpha*1 = 429496730; (2^32-429496730)=3865470566 * 2^31 >> 32 = 1932735283
	// sum 2362232013
	if a := emaAlpha(900_000); a != 429496730 {
		t.Fatalf("alpha %d", a)
	}
	out := make([]fp.I32F32, 1)
	MatEMA([]fp.I32F32{fp.I32F32One}, []fp.I32F32{1 << 31}, 429496730, out)
	if out[0] != 2362232013 {
		t.Errorf("ema %d", out[0])
	}
	// interpolate: ratio 0 and 1 return the inputs; 0.5 between 0.75 and 0.25:
	// 0.25-0.75 = -2^31, * 2^31 -> -2^62 >> 32 = -2^30, + 0.75 (3*2^30) = 2^31 = 0.5
	if Interpolate(fx(0.75), fx(0.25), 0) != fx(0.75) || Interpolate(fx(0.75), fx(0.25), fp.I32F32One) != fx(0.25) {
		t.Error("interpolate endpoints")
	}
	if got := Interpolate(fx(0.75), fx(0.25), 1<<31); got != 1<<31 {
		t.Errorf("interpolate 0.5 = %s", got)
	}
	// 1 ulp to 0 at ratio 0.5: -1 * 2^31 >> 32 floors to -1, so 1 - 1 = 0 and the entry drops
	if got := Interpolate(1, 0, 1<<31); got != 0 {
		t.Errorf("interpolate floors: %d", got)
	}
	// max-upscale of stored weights [43690, 21845]: max > 32768, factor 65535/43690 = 1.5 exactly;
	// 21845 * 1.5 = 32767.5 rounds away from zero to 32768
	up := make([]uint16, 3)
	VecMaxUpscaleToU16([]fp.I32F32{fp.I32F32FromU16(43690), fp.I32F32FromU16(21845), 0}, up)
	if up[0] != 65535 || up[1] != 32768 || up[2] != 0 {
		t.Errorf("max upscale %v", up)
	}
	// max <= 32768 branch: [1, 2] -> 1*65535/2 = 32767.5 -> 32768, 2 -> 65535
	VecMaxUpscaleToU16([]fp.I32F32{fp.I32F32FromU16(1), fp.I32F32FromU16(2)}, up)
	if up[0] != 32768 || up[1] != 65535 {
		t.Errorf("max upscale small %v", up)
	}
	// normalize_64 of [1, 2]: 1/3 = 0x5555..55, 2/3 = 0xAAAA..AA; to I32F32 0x55555555, 0xAAAAAAAA
	st := []fp.I64F64{StakeWeight(1, 0, fp.I96F32{}), StakeWeight(2, 0, fp.I96F32{})}
	InplaceNormalize64(st)
	if st[0].SaturatingToI32F32() != 0x55555555 || st[1].SaturatingToI32F32() != 0xAAAAAAAA {
		t.Errorf("normalize64 %v", st)
	}
	// stake weight with the launch tao weight (226245882 / 2^32): 10 alpha + 2^32 root =
	// 10 + 226245882 exactly
	tw := TaoWeight(971_718_665_099_567_868)
	sw := StakeWeight(10, 1<<32, tw)
	if hi, lo := sw.Bits(); hi != 226245892 || lo != 0 {
		t.Errorf("stake weight %d:%d", hi, lo)
	}
	// vecdiv by zero is zero; col normalize skips zero columns
	d := make([]fp.I32F32, 2)
	VecDiv(fxs(0.5, 0.5), fxs(0, 0.5), d)
	if d[0] != 0 || d[1] != fp.I32F32One {
		t.Errorf("vecdiv %v", d)
	}
	m := fxs(0.25, 0, 0.75, 0)
	InplaceColNormalize(m, 2, make([]fp.I32F32, 2))
	if m[0] != fx(0.25) || m[2] != fx(0.75) || m[1] != 0 {
		t.Errorf("col normalize %v", m)
	}
}

// The epoch's median search (other pivots, branch-free partitions) returns exactly what the
// chain's recursive weighted_median returns, ties, zero stakes and out-of-range minorities
// included.
func TestMedianPairsMatchesChain(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		k := rapid.IntRange(0, 40).Draw(t, "k")
		pairs := make([]scoreStake, k)
		stake, score := make([]fp.I32F32, k), make([]fp.I32F32, k)
		levels := rapid.IntRange(1, 6).Draw(t, "levels") // few distinct scores: many ties
		for i := range pairs {
			score[i] = fp.I32F32(rapid.IntRange(0, levels).Draw(t, "score")) << 29
			stake[i] = rapid.OneOf(rapid.Just(fp.I32F32(0)), rapid.Custom(func(t *rapid.T) fp.I32F32 {
				return fp.I32F32(rapid.Int64Range(0, 1<<32).Draw(t, "s"))
			})).Draw(t, "stake")
		}
		InplaceNormalize(stake)
		for i := range pairs {
			pairs[i] = scoreStake{score[i], stake[i]}
		}
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
		got := weightedMedianPairs(pairs, make([]scoreStake, k), minority, total)
		if got != want {
			t.Fatalf("median %s, chain %s (minority %s of %s)", got, want, minority, total)
		}
		if k > 0 {
			if got2 := WeightedMedian(stake, score, iota32(k), make([]int32, k), minority, 0, total); got2 != want {
				t.Fatalf("WeightedMedian %s, chain %s", got2, want)
			}
		}
	})
}
