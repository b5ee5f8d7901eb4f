package fixedpoint

import (
	"math"
	"math/bits"
)

// I32F32 is substrate-fixed's I32F32: a signed 64-bit two's-complement integer read as value =
// bits / 2^32. The Yuma epoch does all its per-neuron math in this type, so its rounding is part
// of consensus: multiplication floors (rounds toward negative infinity, an arithmetic shift of
// the 128-bit product) and division truncates toward zero (integer division of bits<<32). The
// named int64 holds the raw bits; comparisons with < and == are the crate's comparisons.
type I32F32 int64

// I32F32 constants. One is 1.0 (bits 2^32); Max and Min are the crate's max_value/min_value.
const (
	I32F32Zero I32F32 = 0
	I32F32One  I32F32 = 1 << 32
	I32F32Max  I32F32 = math.MaxInt64
	I32F32Min  I32F32 = math.MinInt64
)

// I32F32FromBits reinterprets raw bits, like the crate's from_bits.
func I32F32FromBits(b int64) I32F32 { return I32F32(b) }

// Bits returns the raw two's-complement bits, like the crate's to_bits.
func (x I32F32) Bits() int64 { return int64(x) }

// I32F32FromU16 is from_num of a u16, always exact (u16 weights and proportions fit).
func I32F32FromU16(v uint16) I32F32 { return I32F32(int64(v) << 32) }

// I32F32FromInt is checked from_num of an integer: false when v is outside [-2^31, 2^31).
func I32F32FromInt(v int64) (I32F32, bool) {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return I32F32(v << 32), true
}

// I32F32SaturatingFromInt is saturating_from_num of an integer.
func I32F32SaturatingFromInt(v int64) I32F32 {
	if v < math.MinInt32 {
		return I32F32Min
	}
	if v > math.MaxInt32 {
		return I32F32Max
	}
	return I32F32(v << 32)
}

// I32F32SaturatingFromU64 is saturating_from_num of a u64.
func I32F32SaturatingFromU64(v uint64) I32F32 {
	if v > math.MaxInt32 {
		return I32F32Max
	}
	return I32F32(int64(v) << 32)
}

// Add is the crate's `+` as compiled into the runtime (release, no overflow checks): wrapping.
// The epoch's `.iter().sum()` folds with it.
func (x I32F32) Add(y I32F32) I32F32 { return x + y }

// CheckedAdd is checked_add: false on signed overflow.
func (x I32F32) CheckedAdd(y I32F32) (I32F32, bool) {
	r := x + y
	if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) {
		return 0, false
	}
	return r, true
}

// SaturatingAdd is saturating_add.
func (x I32F32) SaturatingAdd(y I32F32) I32F32 {
	r := x + y
	if (x >= 0) == (y >= 0) && (r >= 0) != (x >= 0) { // both signs equal and the sign flipped
		if x < 0 {
			return I32F32Min
		}
		return I32F32Max
	}
	return r
}

// Sub is the crate's wrapping `-`.
func (x I32F32) Sub(y I32F32) I32F32 { return x - y }

// CheckedSub is checked_sub: false on signed overflow.
func (x I32F32) CheckedSub(y I32F32) (I32F32, bool) {
	r := x - y
	if (x >= 0) != (y >= 0) && (r >= 0) != (x >= 0) {
		return 0, false
	}
	return r, true
}

// SaturatingSub is saturating_sub.
func (x I32F32) SaturatingSub(y I32F32) I32F32 {
	r, ok := x.CheckedSub(y)
	if ok {
		return r
	}
	if x < 0 {
		return I32F32Min
	}
	return I32F32Max
}

func uabs64(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // -MinInt64 wraps to MinInt64, whose uint64 is 2^63: still |a|
	}
	return uint64(a)
}

// mul returns the low 64 bits of floor(x*y / 2^32) and whether the floor is out of range.
func (x I32F32) mul(y I32F32) (I32F32, bool) {
	if x >= 0 && y >= 0 { // hot path of the epoch: all its values are non-negative
		hi, lo := bits.Mul64(uint64(x), uint64(y))
		return I32F32(hi<<32 | lo>>32), hi>>31 != 0
	}
	neg := (x < 0) != (y < 0)
	hi, lo := bits.Mul64(uabs64(int64(x)), uabs64(int64(y)))
	qhi, qlo := hi>>32, hi<<32|lo>>32
	if !neg {
		return I32F32(qlo), qhi != 0 || qlo > math.MaxInt64
	}
	if lo&(1<<32-1) != 0 { // floor of a negative value: round the magnitude up
		var c uint64
		qlo, c = bits.Add64(qlo, 1, 0)
		qhi += c
	}
	return I32F32(-int64(qlo)), qhi != 0 || qlo > 1<<63
}

// Mul is the crate's `*` in release builds: floor(x*y / 2^32), wrapping on overflow.
func (x I32F32) Mul(y I32F32) I32F32 { r, _ := x.mul(y); return r }

// CheckedMul is checked_mul: false when the floored product does not fit.
func (x I32F32) CheckedMul(y I32F32) (I32F32, bool) {
	r, over := x.mul(y)
	return r, !over
}

// SaturatingMul is saturating_mul: the floored product, clamped to Max or Min by its sign.
func (x I32F32) SaturatingMul(y I32F32) I32F32 {
	if x|y >= 0 { // both non-negative and in range: the epoch's case, small enough to inline
		if hi, lo := bits.Mul64(uint64(x), uint64(y)); hi < 1<<31 {
			return I32F32(hi<<32 | lo>>32)
		}
	}
	return x.saturatingMulSlow(y)
}

func (x I32F32) saturatingMulSlow(y I32F32) I32F32 {
	r, over := x.mul(y)
	if !over {
		return r
	}
	if (x < 0) != (y < 0) {
		return I32F32Min
	}
	return I32F32Max
}

// div returns the low 64 bits of trunc(x*2^32 / y) and whether it is out of range; y != 0.
func (x I32F32) div(y I32F32) (I32F32, bool) {
	if x >= 0 && y > 0 {
		ux, uy := uint64(x), uint64(y)
		if hi := ux >> 32; hi < uy {
			q, _ := bits.Div64(hi, ux<<32, uy)
			return I32F32(q), q > math.MaxInt64
		}
	}
	neg := (x < 0) != (y < 0)
	ux, uy := uabs64(int64(x)), uabs64(int64(y))
	q1, r := bits.Div64(0, ux>>32, uy)
	q0, _ := bits.Div64(r, ux<<32, uy)
	if !neg {
		return I32F32(q0), q1 != 0 || q0 > math.MaxInt64
	}
	return I32F32(-int64(q0)), q1 != 0 || q0 > 1<<63
}

// Div is the crate's `/` in release builds: trunc(x*2^32 / y), wrapping on overflow. It panics
// when y is zero, as Rust does.
func (x I32F32) Div(y I32F32) I32F32 {
	if y == 0 {
		panic("fixedpoint: I32F32 division by zero")
	}
	r, _ := x.div(y)
	return r
}

// CheckedDiv is checked_div: false on a zero divisor or when the quotient does not fit.
func (x I32F32) CheckedDiv(y I32F32) (I32F32, bool) {
	if y == 0 {
		return 0, false
	}
	r, over := x.div(y)
	return r, !over
}

// SaturatingDiv is saturating_div: the truncated quotient clamped by its sign. It panics when y
// is zero, as the crate does.
func (x I32F32) SaturatingDiv(y I32F32) I32F32 {
	if y == 0 {
		panic("fixedpoint: I32F32 division by zero")
	}
	r, over := x.div(y)
	if !over {
		return r
	}
	if (x < 0) != (y < 0) {
		return I32F32Min
	}
	return I32F32Max
}

// SafeDiv is subtensor's safe_math SafeDiv for fixed types: checked_div, or zero when the
// divisor is zero or the quotient overflows. math.rs normalises with it.
func (x I32F32) SafeDiv(y I32F32) I32F32 {
	if y > 0 && x >= 0 {
		ux, uy := uint64(x), uint64(y)
		if hi := ux >> 32; hi < uy {
			q, _ := bits.Div64(hi, ux<<32, uy)
			if q <= math.MaxInt64 {
				return I32F32(q)
			}
		}
		return 0
	}
	r, ok := x.CheckedDiv(y)
	if !ok {
		return 0
	}
	return r
}

// Min returns the smaller of x and y (Ord::min).
func (x I32F32) Min(y I32F32) I32F32 {
	if y < x {
		return y
	}
	return x
}

// Max returns the larger of x and y (Ord::max).
func (x I32F32) Max(y I32F32) I32F32 {
	if y > x {
		return y
	}
	return x
}

// Round is the crate's round(): nearest integer, ties away from zero, wrapping on overflow.
// vec_max_upscale_to_u16 rounds pruning scores with it.
func (x I32F32) Round() I32F32 {
	const half = 1 << 31
	if x >= 0 {
		return (x + half) &^ (1<<32 - 1)
	}
	return -((-x + half) &^ (1<<32 - 1))
}

// SaturatingToU16 is saturating_to_num::<u16>(): the floor, clamped to [0, 65535].
func (x I32F32) SaturatingToU16() uint16 {
	if x < 0 {
		return 0
	}
	v := int64(x) >> 32
	if v > math.MaxUint16 {
		return math.MaxUint16
	}
	return uint16(v)
}

// SaturatingToU64 is saturating_to_num::<u64>(): the floor, negative values clamp to zero.
func (x I32F32) SaturatingToU64() uint64 {
	if x < 0 {
		return 0
	}
	return uint64(x) >> 32
}

// ToU64 is checked to_num::<u64>(): the floor, false for negative values (their floor is < 0).
func (x I32F32) ToU64() (uint64, bool) {
	if x < 0 {
		return 0, false
	}
	return uint64(x) >> 32, true
}

// ToI64F64 is I64F64::from_num(x): exact, the bits shifted up by 32.
func (x I32F32) ToI64F64() I64F64 {
	v := int64(x)
	return I64F64{v: i128{hi: uint64(v >> 32), lo: uint64(v) << 32}}
}

// ToI96F32 is I96F32::from_num(x): exact, the bits sign-extended.
func (x I32F32) ToI96F32() I96F32 {
	v := int64(x)
	return I96F32{v: i128{hi: uint64(v >> 63), lo: uint64(v)}}
}

// String prints the exact decimal value (every binary fraction terminates), for logs and tests.
func (x I32F32) String() string {
	v := int64(x)
	return formatFixed(i128{hi: uint64(v >> 63), lo: uint64(v)}, 32)
}
