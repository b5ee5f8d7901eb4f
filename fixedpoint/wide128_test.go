package fixedpoint

import (
	"math"
	"testing"
)

func TestI64F64HandValues(t *testing.T) {
	// bonds_moving_average 900_000 / 1_000_000 in I64F64: (900000<<64 << 64) / (1000000<<64)
	// = floor(0.9 * 2^64) = floor(16602069666338596454.4) = 16602069666338596454 = 0xE666666666666666
	bma, _ := I64F64FromU64(900_000)
	mil, _ := I64F64FromU64(1_000_000)
	r := bma.SafeDiv(mil)
	if hi, lo := r.Bits(); hi != 0 || lo != 0xE666666666666666 {
		t.Fatalf("0.9 = %x:%x", hi, lo)
	}
	// to I32F32 drops the low 32 bits: 0xE6666666 = 3865470566 = floor(0.9 * 2^32)
	if got := r.SaturatingToI32F32(); got != 3865470566 {
		t.Fatalf("0.9 as I32F32 = %d", got)
	}
	// 1/3 of 1: floor(2^64/3) = 0x5555555555555555; 2/3 of 1: 0xAAAAAAAAAAAAAAAA
	one, _ := I64F64FromU64(1)
	three, _ := I64F64FromU64(3)
	if hi, lo := one.SafeDiv(three).Bits(); hi != 0 || lo != 0x5555555555555555 {
		t.Fatalf("1/3 = %x:%x", hi, lo)
	}
	two, _ := I64F64FromU64(2)
	if hi, lo := two.SafeDiv(three).Bits(); hi != 0 || lo != 0xAAAAAAAAAAAAAAAA {
		t.Fatalf("2/3 = %x:%x", hi, lo)
	}
	if !one.SafeDiv(I64F64{}).IsZero() {
		t.Fatal("safe_div by zero")
	}
	// 3 * 0.5 = 1.5: (3<<64)*(1<<63) = 3<<127, >> 64 = 3<<63 = 1.5
	h := I64F64FromBits(0, 1<<63)
	if hi, lo := three.SaturatingMul(h).Bits(); hi != 1 || lo != 1<<63 {
		t.Fatalf("3*0.5 = %x:%x", hi, lo)
	}
	if got := three.SaturatingMul(h).SaturatingToU64(); got != 1 {
		t.Fatalf("floor(1.5) = %d", got)
	}
	big := I64F64SaturatingFromU64(math.MaxUint64)
	if big.Cmp(I64F64{i128Max}) != 0 || big.SaturatingAdd(one).Cmp(big) != 0 {
		t.Fatal("saturation")
	}
	if s := h.String(); s != "0.5" {
		t.Fatalf("String %s", s)
	}
}

func TestI96F32HandValues(t *testing.T) {
	// 0.25 (2^30 as I32F32) * 1e9 = 250000000 exactly
	q := I32F32(1 << 30).ToI96F32().SaturatingMul(I96F32FromU64(1_000_000_000))
	if v, ok := q.ToU64(); !ok || v != 250_000_000 {
		t.Fatalf("0.25 * 1e9 = %d", v)
	}
	// the launch TAO weight 971_718_665_099_567_868 / (2^64-1) in I96F32:
	// floor(w * 2^32 / (2^64-1)); since 2^64-1 < 2^64 the quotient is floor(w / 2^32) or one more:
	// w = 226245882 * 2^32 + 1054892796, so w/2^32 = 226245882.245..; dividing by 2^64-1 instead of
	// 2^64 adds w*2^32/2^128 (< 1e-10 of a bit): still 226245882 bits
	w := I96F32FromU64(971_718_665_099_567_868)
	tw := w.SaturatingDiv(I96F32FromU64(math.MaxUint64))
	if hi, lo := tw.Bits(); hi != 0 || lo != 226245882 {
		t.Fatalf("tao weight bits %d:%d", hi, lo)
	}
	if v := I96F32FromU64(math.MaxUint64).SaturatingMul(I96F32FromU64(2)).SaturatingToU64(); v != math.MaxUint64 {
		t.Fatalf("clamp %d", v)
	}
	if _, ok := I96F32FromU64(math.MaxUint64).SaturatingMul(I96F32FromU64(2)).ToU64(); ok {
		t.Fatal("checked to_num above u64")
	}
	if _, ok := I96F32FromU64(1).CheckedDiv(I96F32{}); ok {
		t.Fatal("division by zero")
	}
	if s := I32F32(-3 << 31).ToI96F32().String(); s != "-1.5" {
		t.Fatalf("String %s", s)
	}
}
