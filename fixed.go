package dtaod

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/holiman/uint256"
)

// FixedOne is 1.0 in the 18-decimal fixed point shared by Fixed and Price.
const FixedOne = 1_000_000_000_000_000_000

// FixedDigits is the number of fractional decimal digits of Fixed and Price.
const FixedDigits = 18

// Fixed is an unsigned decimal on the 18-digit grid, stored as value x 1e18 in 64 bits (so at
// most 18.446744073709551615). Parameters that are shares of something (tao_weight, owner_cut,
// take, the moving-price EMA factor) and the moving price live here: the grid is exact for every
// decimal a scenario can write, and 64 bits keep the per-block arithmetic on single-word
// multiplies.
type Fixed uint64

// Price is an unsigned decimal on the 18-digit grid, value x 1e18, wide enough for the ratio of
// any two u64 reserves. Limit prices use it because, unlike a share, a price can be large.
type Price struct{ v uint256.Int }

// ParseFixed parses a decimal string ("0.18", "1", "0.000003") exactly. More than 18 fractional
// digits, signs, exponents and values above the 64-bit range are errors, never rounded.
func ParseFixed(s string) (Fixed, error) {
	p, err := ParsePrice(s)
	if err != nil {
		return 0, err
	}
	if !p.v.IsUint64() {
		return 0, fmt.Errorf("%q is too large (at most 18.446744073709551615)", s)
	}
	return Fixed(p.v.Uint64()), nil
}

// ParsePrice parses a non-negative decimal string exactly onto the 18-digit grid.
func ParsePrice(s string) (Price, error) {
	var p Price
	if s == "" {
		return p, fmt.Errorf("empty decimal")
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if hasDot && frac == "" || intPart == "" {
		return p, fmt.Errorf("%q is not a decimal number", s)
	}
	if len(frac) > FixedDigits {
		return p, fmt.Errorf("%q has more than %d decimal places", s, FixedDigits)
	}
	digits := intPart + frac + strings.Repeat("0", FixedDigits-len(frac))
	ten := uint256.NewInt(10)
	for _, c := range digits {
		if c < '0' || c > '9' {
			return p, fmt.Errorf("%q is not a non-negative decimal number", s)
		}
		if _, of := p.v.MulOverflow(&p.v, ten); of {
			return p, fmt.Errorf("%q is too large", s)
		}
		if _, of := p.v.AddOverflow(&p.v, uint256.NewInt(uint64(c-'0'))); of {
			return p, fmt.Errorf("%q is too large", s)
		}
	}
	if p.v.BitLen() > 192 {
		return p, fmt.Errorf("%q is too large", s)
	}
	return p, nil
}

// PriceFromFixed widens a Fixed.
func PriceFromFixed(f Fixed) Price {
	var p Price
	p.v.SetUint64(uint64(f))
	return p
}

// Scaled returns the price x 1e18 as a wide integer (a copy).
func (p Price) Scaled() uint256.Int { return p.v }

// IsZero reports whether the price is 0.
func (p Price) IsZero() bool { return p.v.IsZero() }

// Cmp compares two prices.
func (p Price) Cmp(q Price) int { return p.v.Cmp(&q.v) }

// String prints the price exactly with 18 decimals.
func (p Price) String() string {
	s := p.v.Dec()
	for len(s) <= FixedDigits {
		s = "0" + s
	}
	return s[:len(s)-FixedDigits] + "." + s[len(s)-FixedDigits:]
}

// String prints the value exactly with 18 decimals: the moving price is exact on this grid.
func (f Fixed) String() string { return PriceFromFixed(f).String() }

// MulFloor returns floor(v x f) for a base-unit amount: the rounding that favours whoever keeps
// the remainder (the pool, or pending emission). It reports false when the product does not fit.
func (f Fixed) MulFloor(v uint64) (uint64, bool) {
	return MulDiv(v, uint64(f), FixedOne)
}

// FormatQuotient prints num/den as a decimal rounded down, with 18 decimals or more, enough for
// at least 12 significant digits (the contract's precision for prices). den must be non-zero.
func FormatQuotient(num, den uint64) string {
	var b strings.Builder
	q, r := num/den, num%den
	b.WriteString(fmt.Sprint(q))
	b.WriteByte('.')
	sig := 0
	if q > 0 {
		sig = len(fmt.Sprint(q))
	}
	for i := 0; i < FixedDigits || (sig < 12 && i < 60); i++ {
		hi, lo := bits.Mul64(r, 10)
		var d uint64
		d, r = bits.Div64(hi, lo, den)
		b.WriteByte(byte('0' + d))
		if sig > 0 || d > 0 {
			sig++
		}
	}
	return b.String()
}

// PriceFromScaled makes a Price from its value x 1e18.
func PriceFromScaled(v *uint256.Int) Price { return Price{v: *v} }
