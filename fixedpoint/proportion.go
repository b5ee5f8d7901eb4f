package fixedpoint

// U16Max is u16::MAX as an I32F32 (65535.0), the scale of every u16 proportion the chain stores.
const U16Max I32F32 = 65535 << 32

// FixedProportionToU16 is math.rs fixed_proportion_to_u16: a proportion in [0, 1] scaled to the
// u16 the chain stores (rank, trust, consensus, incentive, dividends, validator trust, bonds):
// saturating_to_num::<u16>(x.saturating_mul(65535)), so it floors and clamps.
func FixedProportionToU16(x I32F32) uint16 {
	return x.SaturatingMul(U16Max).SaturatingToU16()
}

// U16ProportionToFixed is math.rs u16_proportion_to_fixed: I32F32(x) / 65535 with safe_div,
// the inverse reading of a stored u16 proportion (it truncates: 32767 gives 0.49999237...).
func U16ProportionToFixed(x uint16) I32F32 {
	return I32F32FromU16(x).SafeDiv(U16Max)
}
