package fixedpoint

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

// Reference semantics in exact rational arithmetic (math/big): multiplication floors
// a*b / 2^frac, division truncates a*2^frac / b, and the result is in range when it fits the
// signed width.

func floorDiv(n, d *big.Int) *big.Int {
	q, m := new(big.Int).DivMod(n, d, new(big.Int)) // Euclidean: m >= 0, so q = floor for d > 0
	_ = m
	return q
}

func refMul(a, b *big.Int, frac uint) *big.Int {
	p := new(big.Int).Mul(a, b)
	return floorDiv(p, new(big.Int).Lsh(big.NewInt(1), frac))
}

func refDiv(a, b *big.Int, frac uint) *big.Int {
	n := new(big.Int).Lsh(a, frac)
	return new(big.Int).Quo(n, b) // Quo truncates toward zero
}

func fits(v *big.Int, width uint) bool {
	lim := new(big.Int).Lsh(big.NewInt(1), width-1)
	return v.Cmp(lim) < 0 && v.Cmp(new(big.Int).Neg(lim)) >= 0
}

func wrap(v *big.Int, width uint) *big.Int {
	mod := new(big.Int).Lsh(big.NewInt(1), width)
	r := new(big.Int).Mod(v, mod)
	if r.Cmp(new(big.Int).Rsh(mod, 1)) >= 0 {
		r.Sub(r, mod)
	}
	return r
}

func bigOf128(v i128) *big.Int {
	m := v.abs()
	r := new(big.Int).SetUint64(m.hi)
	r.Lsh(r, 64).Or(r, new(big.Int).SetUint64(m.lo))
	if v.isNeg() {
		r.Neg(r)
	}
	return r
}

// anyInt64 draws values concentrated where rounding and overflow happen.
var anyInt64 = rapid.OneOf(
	rapid.Int64(),
	rapid.Int64Range(-1<<33, 1<<33),
	rapid.Int64Range(0, 1<<32),
	rapid.SampledFrom([]int64{0, 1, -1, 1 << 31, 1 << 32, -1 << 32, 1<<63 - 1, -1 << 63, 1 << 62}),
)

func TestI32F32MulDivMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := anyInt64.Draw(t, "a")
		b := anyInt64.Draw(t, "b")
		x, y := I32F32(a), I32F32(b)
		ba, bb := big.NewInt(a), big.NewInt(b)

		want := refMul(ba, bb, 32)
		got, ok := x.CheckedMul(y)
		if ok != fits(want, 64) {
			t.Fatalf("%d*%d: ok=%v, exact %s", a, b, ok, want)
		}
		if ok && got.Bits() != want.Int64() {
			t.Fatalf("%d*%d = %d, want %s", a, b, got, want)
		}
		if x.Mul(y).Bits() != wrap(want, 64).Int64() {
			t.Fatalf("%d*%d wrapping = %d, want %s", a, b, x.Mul(y), wrap(want, 64))
		}
		if b == 0 {
			if _, ok := x.CheckedDiv(y); ok || x.SafeDiv(y) != 0 {
				t.Fatal("division by zero succeeded")
			}
			return
		}
		wantQ := refDiv(ba, bb, 32)
		q, ok := x.CheckedDiv(y)
		if ok != fits(wantQ, 64) {
			t.Fatalf("%d/%d: ok=%v, exact %s", a, b, ok, wantQ)
		}
		if ok && q.Bits() != wantQ.Int64() {
			t.Fatalf("%d/%d = %d, want %s", a, b, q, wantQ)
		}
		if ok && x.SafeDiv(y) != q || !ok && x.SafeDiv(y) != 0 {
			t.Fatalf("safe_div(%d, %d) = %d", a, b, x.SafeDiv(y))
		}
		if x.Div(y).Bits() != wrap(wantQ, 64).Int64() {
			t.Fatalf("%d/%d wrapping = %d", a, b, x.Div(y))
		}
	})
}

func draw128(t *rapid.T, label string) i128 {
	kind := rapid.IntRange(0, 3).Draw(t, label+"k")
	hi := rapid.Uint64().Draw(t, label+"h")
	lo := rapid.Uint64().Draw(t, label+"l")
	switch kind {
	case 0: // small magnitude: upper word is a sign extension
		if int64(lo) < 0 {
			hi = ^uint64(0)
		} else {
			hi = 0
		}
	case 1: // values around 2^64..2^96
		hi &= 1<<32 - 1
	}
	if rapid.Bool().Draw(t, label+"neg") && kind != 0 {
		return i128{hi, lo}.neg()
	}
	return i128{hi, lo}
}

func TestWide128MulDivMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := draw128(t, "a"), draw128(t, "b")
		frac := uint(rapid.SampledFrom([]int{32, 64}).Draw(t, "frac"))
		ba, bb := bigOf128(a), bigOf128(b)

		want := refMul(ba, bb, frac)
		got, over := fixedMul(a, b, frac)
		if over == fits(want, 128) {
			t.Fatalf("mul %s*%s/2^%d: over=%v, exact %s", ba, bb, frac, over, want)
		}
		if bigOf128(got).Cmp(wrap(want, 128)) != 0 {
			t.Fatalf("mul %s*%s/2^%d = %s, want %s", ba, bb, frac, bigOf128(got), wrap(want, 128))
		}
		if b.isZero() {
			return
		}
		wantQ := refDiv(ba, bb, frac)
		q, over := fixedDiv(a, b, frac)
		if over == fits(wantQ, 128) {
			t.Fatalf("div %s/%s: over=%v, exact %s", ba, bb, over, wantQ)
		}
		if bigOf128(q).Cmp(wrap(wantQ, 128)) != 0 {
			t.Fatalf("div %s<<%d/%s = %s, want %s", ba, frac, bb, bigOf128(q), wrap(wantQ, 128))
		}
	})
}

func TestWide128AddSubCmp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, b := draw128(t, "a"), draw128(t, "b")
		ba, bb := bigOf128(a), bigOf128(b)
		s, over := a.add(b)
		exact := new(big.Int).Add(ba, bb)
		if over == fits(exact, 128) || bigOf128(s).Cmp(wrap(exact, 128)) != 0 {
			t.Fatalf("add %s+%s", ba, bb)
		}
		d, over := a.sub(b)
		exact = new(big.Int).Sub(ba, bb)
		if over == fits(exact, 128) || bigOf128(d).Cmp(wrap(exact, 128)) != 0 {
			t.Fatalf("sub %s-%s", ba, bb)
		}
		if a.cmp(b) != ba.Cmp(bb) {
			t.Fatalf("cmp %s %s", ba, bb)
		}
	})
}

// Conversions between the types drop fractional bits (floor) and are exact otherwise.
func TestConversionsMatchBig(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := draw128(t, "v")
		x64 := I64F64{v}
		want := floorDiv(bigOf128(v), new(big.Int).Lsh(big.NewInt(1), 32))
		got := x64.SaturatingToI32F32()
		if fits(want, 64) {
			if got.Bits() != want.Int64() {
				t.Fatalf("I64F64 %s -> I32F32 %d, want %s", x64, got, want)
			}
		} else if (want.Sign() < 0 && got != I32F32Min) || (want.Sign() > 0 && got != I32F32Max) {
			t.Fatalf("I64F64 %s -> I32F32 did not saturate", x64)
		}
		x96 := I96F32{v}
		w64 := new(big.Int).Lsh(bigOf128(v), 32)
		g64 := x96.SaturatingToI64F64()
		if fits(w64, 128) && bigOf128(g64.v).Cmp(w64) != 0 {
			t.Fatalf("I96F32 %s -> I64F64 %s", x96, g64)
		}
		u := floorDiv(bigOf128(v), new(big.Int).Lsh(big.NewInt(1), 32))
		if u.Sign() >= 0 && u.IsUint64() {
			if x96.SaturatingToU64() != u.Uint64() {
				t.Fatalf("I96F32 %s to u64 = %d", x96, x96.SaturatingToU64())
			}
		}
		i32 := I32F32(int64(v.lo))
		if bigOf128(i32.ToI96F32().v).Cmp(big.NewInt(int64(v.lo))) != 0 {
			t.Fatalf("I32F32 -> I96F32 not exact")
		}
		if bigOf128(i32.ToI64F64().v).Cmp(new(big.Int).Lsh(big.NewInt(int64(v.lo)), 32)) != 0 {
			t.Fatalf("I32F32 -> I64F64 not exact")
		}
	})
}
