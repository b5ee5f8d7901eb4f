package fixedpoint

import (
	"math"
	"math/big"
	"strings"
)

// I64F64 is substrate-fixed's I64F64: a signed 128-bit two's-complement integer read as value =
// bits / 2^64. The epoch uses it for the stake vector (get_stake_weights_for_network and
// inplace_normalize_64) and the bonds moving-average factor, where 32 fractional bits would lose
// small stakes.
type I64F64 struct{ v i128 }

// I96F32 is substrate-fixed's I96F32: a signed 128-bit two's-complement integer read as value =
// bits / 2^32. The epoch scales normalised emission by the rao amount in it, and the chain keeps
// the TAO weight in it.
type I96F32 struct{ v i128 }

// I64F64FromBits builds an I64F64 from its raw bits (hi is the signed upper word).
func I64F64FromBits(hi int64, lo uint64) I64F64 { return I64F64{i128{uint64(hi), lo}} }

// Bits returns the raw bits as (signed upper word, lower word).
func (x I64F64) Bits() (hi int64, lo uint64) { return int64(x.v.hi), x.v.lo }

// I64F64SaturatingFromU64 is saturating_from_num of a u64: values of 2^63 and above saturate to
// Max (I64F64 has 63 integer bits besides the sign).
func I64F64SaturatingFromU64(v uint64) I64F64 {
	if v > math.MaxInt64 {
		return I64F64{i128Max}
	}
	return I64F64{i128{v, 0}}
}

// I64F64FromU64 is checked from_num of a u64: false for values of 2^63 and above.
func I64F64FromU64(v uint64) (I64F64, bool) {
	if v > math.MaxInt64 {
		return I64F64{}, false
	}
	return I64F64{i128{v, 0}}, true
}

// IsZero reports whether x == 0.
func (x I64F64) IsZero() bool { return x.v.isZero() }

// Cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x I64F64) Cmp(y I64F64) int { return x.v.cmp(y.v) }

// Add is the crate's wrapping `+` (release build); `.iter().sum()` folds with it.
func (x I64F64) Add(y I64F64) I64F64 { r, _ := x.v.add(y.v); return I64F64{r} }

// SaturatingAdd is saturating_add.
func (x I64F64) SaturatingAdd(y I64F64) I64F64 {
	r, over := x.v.add(y.v)
	if !over {
		return I64F64{r}
	}
	if x.v.isNeg() {
		return I64F64{i128Min}
	}
	return I64F64{i128Max}
}

// SaturatingMul is saturating_mul: floor(x*y / 2^64), clamped by sign on overflow.
func (x I64F64) SaturatingMul(y I64F64) I64F64 {
	r, over := fixedMul(x.v, y.v, 64)
	if !over {
		return I64F64{r}
	}
	if x.v.isNeg() != y.v.isNeg() {
		return I64F64{i128Min}
	}
	return I64F64{i128Max}
}

// CheckedDiv is checked_div: trunc(x*2^64 / y), false on a zero divisor or overflow.
func (x I64F64) CheckedDiv(y I64F64) (I64F64, bool) {
	if y.v.isZero() {
		return I64F64{}, false
	}
	r, over := fixedDiv(x.v, y.v, 64)
	return I64F64{r}, !over
}

// SafeDiv is safe_math's safe_div: checked_div or zero. inplace_normalize_64 divides with it.
func (x I64F64) SafeDiv(y I64F64) I64F64 {
	r, ok := x.CheckedDiv(y)
	if !ok {
		return I64F64{}
	}
	return r
}

// SaturatingToI32F32 is I32F32::saturating_from_num(x): the extra 32 fractional bits are
// dropped, which floors, and out-of-range values clamp (vec_fixed64_to_fixed32).
func (x I64F64) SaturatingToI32F32() I32F32 {
	// floor(bits / 2^32) must fit in int64: the top 32 bits of hi must be a sign extension.
	top := int64(x.v.hi) >> 31
	if top != 0 && top != -1 {
		if x.v.isNeg() {
			return I32F32Min
		}
		return I32F32Max
	}
	return I32F32(int64(x.v.hi<<32 | x.v.lo>>32))
}

// SaturatingToU64 is saturating_to_num::<u64>(): the floor, negative values clamp to zero.
func (x I64F64) SaturatingToU64() uint64 {
	if x.v.isNeg() {
		return 0
	}
	return x.v.hi
}

// String prints the exact decimal value.
func (x I64F64) String() string { return formatFixed(x.v, 64) }

// I96F32FromBits builds an I96F32 from its raw bits (hi is the signed upper word).
func I96F32FromBits(hi int64, lo uint64) I96F32 { return I96F32{i128{uint64(hi), lo}} }

// Bits returns the raw bits as (signed upper word, lower word).
func (x I96F32) Bits() (hi int64, lo uint64) { return int64(x.v.hi), x.v.lo }

// I96F32FromU64 is from_num of a u64: always exact (96 integer bits).
func I96F32FromU64(v uint64) I96F32 { return I96F32{i128{v >> 32, v << 32}} }

// IsZero reports whether x == 0.
func (x I96F32) IsZero() bool { return x.v.isZero() }

// Cmp returns -1, 0 or +1 as x is less than, equal to or greater than y.
func (x I96F32) Cmp(y I96F32) int { return x.v.cmp(y.v) }

// SaturatingMul is saturating_mul: floor(x*y / 2^32), clamped by sign on overflow.
func (x I96F32) SaturatingMul(y I96F32) I96F32 {
	r, over := fixedMul(x.v, y.v, 32)
	if !over {
		return I96F32{r}
	}
	if x.v.isNeg() != y.v.isNeg() {
		return I96F32{i128Min}
	}
	return I96F32{i128Max}
}

// CheckedDiv is checked_div: trunc(x*2^32 / y), false on a zero divisor or overflow.
func (x I96F32) CheckedDiv(y I96F32) (I96F32, bool) {
	if y.v.isZero() {
		return I96F32{}, false
	}
	r, over := fixedDiv(x.v, y.v, 32)
	return I96F32{r}, !over
}

// SaturatingDiv is saturating_div; it panics on a zero divisor as the crate does. The chain's
// get_tao_weight divides the stored u64 by u64::MAX with it.
func (x I96F32) SaturatingDiv(y I96F32) I96F32 {
	if y.v.isZero() {
		panic("fixedpoint: I96F32 division by zero")
	}
	r, over := fixedDiv(x.v, y.v, 32)
	if !over {
		return I96F32{r}
	}
	if x.v.isNeg() != y.v.isNeg() {
		return I96F32{i128Min}
	}
	return I96F32{i128Max}
}

// SaturatingToU64 is saturating_to_num::<u64>(): the floor, clamped to [0, 2^64-1].
func (x I96F32) SaturatingToU64() uint64 {
	if x.v.isNeg() {
		return 0
	}
	if x.v.hi>>32 != 0 {
		return math.MaxUint64
	}
	return x.v.hi<<32 | x.v.lo>>32
}

// ToU64 is checked to_num::<u64>(): the floor, false when it is negative or above 2^64-1.
func (x I96F32) ToU64() (uint64, bool) {
	if x.v.isNeg() || x.v.hi>>32 != 0 {
		return 0, false
	}
	return x.v.hi<<32 | x.v.lo>>32, true
}

// SaturatingToI64F64 is I64F64::saturating_from_num(x): exact when |x| < 2^63, else clamped.
func (x I96F32) SaturatingToI64F64() I64F64 {
	top := int64(x.v.hi) >> 31
	if top != 0 && top != -1 {
		if x.v.isNeg() {
			return I64F64{i128Min}
		}
		return I64F64{i128Max}
	}
	return I64F64{i128{x.v.hi<<32 | x.v.lo>>32, x.v.lo << 32}}
}

// String prints the exact decimal value.
func (x I96F32) String() string { return formatFixed(x.v, 32) }

// formatFixed prints bits / 2^frac exactly in decimal.
func formatFixed(v i128, frac uint) string {
	m := v.abs()
	n := new(big.Int).SetUint64(m.hi)
	n.Lsh(n, 64).Or(n, new(big.Int).SetUint64(m.lo))
	one := new(big.Int).Lsh(big.NewInt(1), frac)
	ip, fp := new(big.Int).QuoRem(n, one, new(big.Int))
	var sb strings.Builder
	if v.isNeg() {
		sb.WriteByte('-')
	}
	sb.WriteString(ip.String())
	if fp.Sign() != 0 {
		sb.WriteByte('.')
		ten := big.NewInt(10)
		for fp.Sign() != 0 {
			fp.Mul(fp, ten)
			d, r := new(big.Int).QuoRem(fp, one, new(big.Int))
			sb.WriteByte(byte('0' + d.Int64()))
			fp = r
		}
	}
	return sb.String()
}
