// Package fixedpoint reimplements the fixed-point types of the Rust substrate-fixed crate (a fork
// of fixed 0.5) that subtensor's Yuma epoch computes with, bit for bit: I32F32 (64 bits, 32
// fractional), I64F64 (128 bits, 64 fractional) and I96F32 (128 bits, 32 fractional).
//
// Consensus depends on their rounding, so each operation states it and follows the crate's source
// (src/arith.rs, mul_div_widen and mul_div_fallback):
//
//   - multiplication computes the exact double-width product and shifts it right arithmetically by
//     the fractional bits: it rounds toward negative infinity (floor);
//   - division computes (a << frac) / b with integer division: it rounds toward zero;
//   - from_num between fixed types drops fractional bits (floor) and to_num to an integer floors;
//   - `+`, `-`, `*`, `/` wrap on overflow as the runtime is built without overflow checks, while
//     checked_*, saturating_* and subtensor's safe_div (checked_div, zero on failure) are explicit.
//
// Only what the epoch uses is implemented; no floating point is involved anywhere.
package fixedpoint
