package fixedpoint

import (
	"math"
	"testing"
)

// The expected bit patterns below are worked out by hand; value = bits / 2^32.
func TestI32F32HandValues(t *testing.T) {
	half := I32F32(1 << 31) // 0.5 = 2^31 / 2^32
	third := I32F32(1431655765)
	cases := []struct {
		name string
		got  I32F32
		want int64
	}{
		// 0.5*0.5: 2^31 * 2^31 = 2^62, >> 32 = 2^30 = 0.25
		{"half*half", half.Mul(half), 1 << 30},
		// 1 ulp * 0.5 = 2^-33 exactly; floor to 32 bits = 0
		{"ulp*half", I32F32(1).Mul(half), 0},
		// -1 ulp * 0.5 = -2^-33; floor rounds toward -inf, to -1 ulp (truncation would give 0)
		{"-ulp*half", I32F32(-1).Mul(half), -1},
		// 3 * 5 = 15: (3<<32)*(5<<32) = 15<<64, >> 32 = 15<<32
		{"3*5", I32F32(3 << 32).Mul(I32F32(5 << 32)), 15 << 32},
		// 1/3: (1<<32 << 32) / (3<<32) = 2^32/3 = 1431655765.33.. -> 1431655765 (0x55555555)
		{"1/3", I32F32One.Div(I32F32(3 << 32)), 1431655765},
		// -1/3 truncates toward zero: -1431655765 (floor would give -1431655766)
		{"-1/3", (-I32F32One).Div(I32F32(3 << 32)), -1431655765},
		// 1/3 * 3: 1431655765*3 = 4294967295 = 2^32-1 (bits), i.e. 0.99999999977
		{"third*3", third.Mul(I32F32(3 << 32)), 1<<32 - 1},
		// 0.999..(2^32-1) / 0.999..: exact 1
		{"x/x", I32F32(1<<32 - 1).Div(I32F32(1<<32 - 1)), 1 << 32},
		// 7 ulp / 2.0: (7<<32)/(2<<32) = 3.5 -> 3 ulp
		{"7ulp/2", I32F32(7).Div(I32F32(2 << 32)), 3},
		// u16 proportion 32767/65535: 2^32 = 65535*65537 + 1, so 32767*2^32/65535 =
		// 32767*65537 + 32767/65535 -> floor 32767*65537 = 2147450879
		{"u16prop(32767)", U16ProportionToFixed(32767), 2147450879},
		// 65535/65535 = 1 exactly
		{"u16prop(65535)", U16ProportionToFixed(65535), 1 << 32},
		// round: 2.5 -> 3, -2.5 -> -3 (ties away from zero), 2.5-ulp -> 2
		{"round 2.5", I32F32(5 << 31).Round(), 3 << 32},
		{"round -2.5", I32F32(-5 << 31).Round(), -3 << 32},
		{"round 2.5-ulp", I32F32(5<<31 - 1).Round(), 2 << 32},
		{"sat add", I32F32Max.SaturatingAdd(1), math.MaxInt64},
		{"sat sub", I32F32Min.SaturatingSub(1), math.MinInt64},
		// 2^30 * 2^30 (as values, bits 2^62 each) overflows: saturate by sign
		{"sat mul +", I32F32(1 << 62).SaturatingMul(I32F32(1 << 62)), math.MaxInt64},
		{"sat mul -", I32F32(-1 << 62).SaturatingMul(I32F32(1 << 62)), math.MinInt64},
		// 2^30 / 2^-32 = 2^62 does not fit: saturate
		{"sat div", I32F32(1 << 62).SaturatingDiv(1), math.MaxInt64},
		{"safe div by 0", half.SafeDiv(0), 0},
		{"safe div overflow", I32F32(1 << 62).SafeDiv(1), 0},
	}
	for _, c := range cases {
		if c.got.Bits() != c.want {
			t.Errorf("%s: got %d (%s), want %d", c.name, c.got.Bits(), c.got, c.want)
		}
	}
}

func TestI32F32Conversions(t *testing.T) {
	// fixed_proportion_to_u16(0.5): 2^31 * (65535<<32) = 65535<<63, >>32 = 65535<<31 = 32767.5 -> 32767
	if got := FixedProportionToU16(I32F32(1 << 31)); got != 32767 {
		t.Errorf("fixed_proportion_to_u16(0.5) = %d", got)
	}
	// 1.0 -> 65535; anything above clamps; negative clamps to 0
	if got := FixedProportionToU16(I32F32One); got != 65535 {
		t.Errorf("fixed_proportion_to_u16(1) = %d", got)
	}
	if got := FixedProportionToU16(I32F32(2 << 32)); got != 65535 {
		t.Errorf("fixed_proportion_to_u16(2) = %d", got)
	}
	if got := FixedProportionToU16(-1); got != 0 {
		t.Errorf("fixed_proportion_to_u16(-ulp) = %d", got)
	}
	// 0.1 as the epoch gets it from 1/10: floor(2^32/10) = 429496729 bits;
	// * 1e9 rao in I96F32 = 429496729e9 / 2^32 = 99999999.97.. -> 99999999 (test_10_graph)
	tenth := I32F32One.Div(I32F32(10 << 32))
	if tenth != 429496729 {
		t.Fatalf("1/10 = %d", tenth)
	}
	if got := tenth.ToI96F32().SaturatingMul(I96F32FromU64(1_000_000_000)).SaturatingToU64(); got != 99999999 {
		t.Errorf("0.1 * 1e9 = %d", got)
	}
	if v, ok := I32F32FromInt(1 << 31); ok {
		t.Errorf("2^31 fits: %v", v)
	}
	if v, ok := I32F32FromInt(-(1 << 31)); !ok || v != I32F32Min {
		t.Errorf("-2^31 = %v %v", v, ok)
	}
	if I32F32SaturatingFromU64(math.MaxUint64) != I32F32Max || I32F32SaturatingFromInt(math.MinInt64) != I32F32Min {
		t.Error("saturating from_num")
	}
	if x := I32F32(-1).SaturatingToU64(); x != 0 {
		t.Errorf("negative to u64 = %d", x)
	}
	if _, ok := I32F32(-1).ToU64(); ok {
		t.Error("checked to_num of a negative value")
	}
	if s := I32F32(5 << 31).String(); s != "2.5" {
		t.Errorf("String = %s", s)
	}
	if s := I32F32(-1).String(); s != "-0.00000000023283064365386962890625" {
		t.Errorf("String = %s", s)
	}
	if I32F32(3).Min(2) != 2 || I32F32(3).Max(2) != 3 {
		t.Error("min/max")
	}
}
