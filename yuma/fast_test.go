package yuma

import (
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// The inline forms equal the crate's operations under their stated preconditions.
func TestInlineOpsMatchCrate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		unitGen := rapid.OneOf(rapid.Int64Range(0, 1<<32), rapid.SampledFrom([]int64{0, 1, 1 << 31, 1 << 32, 1<<32 - 1}))
		a := fp.I32F32(unitGen.Draw(t, "a"))
		b := fp.I32F32(rapid.Int64Range(0, 1<<62).Draw(t, "b"))
		if mulU(a, b) != a.SaturatingMul(b) || mulU(b, a) != b.SaturatingMul(a) {
			t.Fatalf("mulU(%d, %d)", a, b)
		}
		if toU16(a) != fp.FixedProportionToU16(a) {
			t.Fatalf("toU16(%d)", a)
		}
		// a share x <= min(1.0, d) of a divisor d
		d := fp.I32F32(rapid.Int64Range(1, 1<<48).Draw(t, "d"))
		x := min(a, d)
		rc := newRecip(uint64(d))
		if got, want := rc.share(x), x.SafeDiv(d); got != want {
			t.Fatalf("share %d/%d = %d, want %d", x, d, got, want)
		}
		if got, want := divU(x, d), x.SafeDiv(d); got != want {
			t.Fatalf("divU %d/%d = %d, want %d", x, d, got, want)
		}
		// whole numbers: raw u16 weights over their integer sum
		u := uint64(rapid.Uint16().Draw(t, "u"))
		sum := u + rapid.Uint64Range(0, 1<<31-1-u).Draw(t, "rest")
		if sum == 0 {
			return
		}
		v, s := fp.I32F32(u<<32), fp.I32F32(sum<<32)
		if got, want := intShare(newRecip(sum), v), v.SafeDiv(s); got != want {
			t.Fatalf("intShare %d/%d = %d, want %d", u, sum, got, want)
		}
		n := rapid.Uint64().Draw(t, "n")
		if q := newRecip(uint64(d)).quo(n); q != n/uint64(d) {
			t.Fatalf("quo %d/%d = %d", n, d, q)
		}
	})
}
