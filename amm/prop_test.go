package amm

import (
	"errors"
	"math/big"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
	"pgregory.net/rapid"
)

// The checks below are the properties; the rapid tests and the fuzz targets only draw inputs.
// Each one runs the real function, recomputes the expected result independently in math/big
// (A - ceil(T*A/(T+x)) etc., with the error the spec prescribes), and asserts the invariants:
// k never shrinks, exact conservation, the decreasing reserve >= minLiquidity, and a failed
// call returns the pool unchanged.

var maxBig = bu(maxU64)

func kNotShrunk(t tb, what string, before, after Pool) {
	t.Helper()
	if bigK(after).Cmp(bigK(before)) < 0 {
		t.Fatalf("%s: k shrank: %+v -> %+v", what, before, after)
	}
}

func wantErr(t tb, what string, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", what, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// refBuy is the math/big reference of BuyAlpha: the output and the error it must give.
func refBuy(p Pool, x, min uint64) (uint64, error) {
	T, A := uint64(p.TAO), uint64(p.Alpha)
	if T == 0 || A == 0 {
		return 0, dtaod.ErrInsufficientLiquidity
	}
	d := new(big.Int).Add(bu(T), bu(x))
	if d.Cmp(maxBig) > 0 {
		return 0, dtaod.ErrOverflow
	}
	a := refCeilDiv(T, A, d.Uint64())
	if a.Cmp(bu(min)) < 0 {
		return 0, dtaod.ErrInsufficientLiquidity
	}
	return A - a.Uint64(), nil
}

// refSell is the math/big reference of SellAlpha.
func refSell(p Pool, a, min uint64) (uint64, error) {
	return refBuy(pool(uint64(p.Alpha), uint64(p.TAO)), a, min) // the mirror image of a buy
}

// checkBuy runs BuyAlpha against refBuy and the invariants; it returns the pool to continue with.
func checkBuy(t tb, p Pool, x, min dtaod.TAO) Pool {
	t.Helper()
	out, next, err := BuyAlpha(p, x, min)
	wantOut, want := refBuy(p, uint64(x), uint64(min))
	wantErr(t, "BuyAlpha", err, want)
	if err != nil {
		if next != p || out != 0 {
			t.Fatalf("failed BuyAlpha(%+v, %d) returned %d, %+v", p, x, out, next)
		}
		return p
	}
	if uint64(out) != wantOut {
		t.Fatalf("BuyAlpha(%+v, %d) = %d, reference %d", p, x, out, wantOut)
	}
	if next.TAO != p.TAO+x || uint64(out)+uint64(next.Alpha) != uint64(p.Alpha) {
		t.Fatalf("BuyAlpha(%+v, %d) = %d, %+v: not conserved", p, x, out, next)
	}
	if next.Alpha < dtaod.Alpha(min) {
		t.Fatalf("BuyAlpha(%+v, %d): alpha reserve %d < min %d", p, x, next.Alpha, min)
	}
	kNotShrunk(t, "BuyAlpha", p, next)
	return next
}

// checkSell runs SellAlpha against refSell and the invariants.
func checkSell(t tb, p Pool, a dtaod.Alpha, min dtaod.TAO) Pool {
	t.Helper()
	out, next, err := SellAlpha(p, a, min)
	wantOut, want := refSell(p, uint64(a), uint64(min))
	wantErr(t, "SellAlpha", err, want)
	if err != nil {
		if next != p || out != 0 {
			t.Fatalf("failed SellAlpha(%+v, %d) returned %d, %+v", p, a, out, next)
		}
		return p
	}
	if uint64(out) != wantOut {
		t.Fatalf("SellAlpha(%+v, %d) = %d, reference %d", p, a, out, wantOut)
	}
	if next.Alpha != p.Alpha+a || uint64(out)+uint64(next.TAO) != uint64(p.TAO) {
		t.Fatalf("SellAlpha(%+v, %d) = %d, %+v: not conserved", p, a, out, next)
	}
	if next.TAO < min {
		t.Fatalf("SellAlpha(%+v, %d): TAO reserve %d < min %d", p, a, next.TAO, min)
	}
	kNotShrunk(t, "SellAlpha", p, next)
	return next
}

// checkStake: the fee comes off first, the swap is a BuyAlpha of the net, the fee goes back.
func checkStake(t tb, p Pool, gross, fee, min dtaod.TAO) Pool {
	t.Helper()
	out, next, err := Stake(p, gross, fee, min)
	var want error
	var wantOut uint64
	if gross < fee {
		want = dtaod.ErrAmountTooLow
	} else if wantOut, want = refBuy(p, uint64(gross-fee), uint64(min)); want == nil {
		if new(big.Int).Add(bu(uint64(p.TAO)), bu(uint64(gross))).Cmp(maxBig) > 0 {
			want = dtaod.ErrOverflow
		}
	}
	wantErr(t, "Stake", err, want)
	if err != nil {
		if next != p || out != 0 {
			t.Fatalf("failed Stake(%+v, %d, %d) returned %d, %+v", p, gross, fee, out, next)
		}
		return p
	}
	if uint64(out) != wantOut {
		t.Fatalf("Stake(%+v, %d, %d) = %d, reference %d", p, gross, fee, out, wantOut)
	}
	if next.TAO != p.TAO+gross || uint64(out)+uint64(next.Alpha) != uint64(p.Alpha) {
		t.Fatalf("Stake(%+v, %d, %d) = %d, %+v: not conserved", p, gross, fee, out, next)
	}
	if next.Alpha < dtaod.Alpha(min) {
		t.Fatalf("Stake: alpha reserve %d < min %d", next.Alpha, min)
	}
	kNotShrunk(t, "Stake", p, next)
	return next
}

// checkUnstake: a SellAlpha, then the fee from the TAO out back into the reserve.
func checkUnstake(t tb, p Pool, a dtaod.Alpha, fee, min dtaod.TAO) Pool {
	t.Helper()
	net, gross, next, err := Unstake(p, a, fee, min)
	wantGross, want := refSell(p, uint64(a), uint64(min))
	if want == nil && wantGross < uint64(fee) {
		want = dtaod.ErrAmountTooLow
	}
	wantErr(t, "Unstake", err, want)
	if uint64(gross) != wantGross {
		t.Fatalf("Unstake(%+v, %d, %d) gross %d, reference %d", p, a, fee, gross, wantGross)
	}
	if err != nil {
		if next != p || net != 0 {
			t.Fatalf("failed Unstake(%+v, %d, %d) returned %d, %+v", p, a, fee, net, next)
		}
		return p
	}
	if net != gross-fee || next.Alpha != p.Alpha+a || uint64(net)+uint64(next.TAO) != uint64(p.TAO) {
		t.Fatalf("Unstake(%+v, %d, %d) = %d, %d, %+v: not conserved", p, a, fee, net, gross, next)
	}
	if next.TAO-fee < min { // checked before the fee comes back (spec 9.5)
		t.Fatalf("Unstake: TAO reserve %d before the fee < min %d", next.TAO-fee, min)
	}
	kNotShrunk(t, "Unstake", p, next)
	return next
}

// checkTAOForAlpha checks the quote against its reference and, independently, that it is the
// least x with BuyAlpha(p, x) >= want; when it fails, that no u64 x reaches want.
func checkTAOForAlpha(t tb, p Pool, want dtaod.Alpha, min dtaod.TAO) {
	t.Helper()
	x, err := TAOForAlpha(p, want, min)
	T, A := uint64(p.TAO), uint64(p.Alpha)
	var refErr error
	var refX uint64
	switch {
	case T == 0 || A == 0, uint64(want) >= A, A-uint64(want) < uint64(min):
		refErr = dtaod.ErrInsufficientLiquidity
	default:
		need := refCeilDiv(T, A, A-uint64(want))
		if need.Cmp(maxBig) > 0 {
			refErr = dtaod.ErrOverflow
		} else if refCeilDiv(T, A, need.Uint64()).Cmp(bu(uint64(min))) < 0 {
			refErr = dtaod.ErrInsufficientLiquidity
		} else {
			refX = need.Uint64() - T
		}
	}
	wantErr(t, "TAOForAlpha", err, refErr)
	if uint64(x) != refX {
		t.Fatalf("TAOForAlpha(%+v, %d, %d) = %d, reference %d", p, want, min, x, refX)
	}
	if err != nil {
		if T == 0 || A == 0 {
			return
		}
		if out, _, err := BuyAlpha(p, dtaod.TAO(maxU64-T), min); err == nil && out >= want {
			t.Fatalf("TAOForAlpha(%+v, %d) failed but BuyAlpha(%d) = %d", p, want, maxU64-T, out)
		}
		return
	}
	out, _, err := BuyAlpha(p, x, min)
	if err != nil || out < want {
		t.Fatalf("TAOForAlpha(%+v, %d) = %d but BuyAlpha gives %d, %v", p, want, x, out, err)
	}
	if x > 0 {
		if out, _, err := BuyAlpha(p, x-1, min); err != nil || out >= want {
			t.Fatalf("TAOForAlpha(%+v, %d) = %d not minimal: BuyAlpha(x-1) = %d, %v", p, want, x, out, err)
		}
	}
}

// checkAlphaForTAO is checkTAOForAlpha for sells.
func checkAlphaForTAO(t tb, p Pool, want, min dtaod.TAO) {
	t.Helper()
	a, err := AlphaForTAO(p, want, min)
	T, A := uint64(p.TAO), uint64(p.Alpha)
	var refErr error
	var refA uint64
	switch {
	case T == 0 || A == 0, uint64(want) >= T, T-uint64(want) < uint64(min):
		refErr = dtaod.ErrInsufficientLiquidity
	default:
		need := refCeilDiv(T, A, T-uint64(want))
		if need.Cmp(maxBig) > 0 {
			refErr = dtaod.ErrOverflow
		} else if refCeilDiv(T, A, need.Uint64()).Cmp(bu(uint64(min))) < 0 {
			refErr = dtaod.ErrInsufficientLiquidity
		} else {
			refA = need.Uint64() - A
		}
	}
	wantErr(t, "AlphaForTAO", err, refErr)
	if uint64(a) != refA {
		t.Fatalf("AlphaForTAO(%+v, %d, %d) = %d, reference %d", p, want, min, a, refA)
	}
	if err != nil {
		if T == 0 || A == 0 {
			return
		}
		if out, _, err := SellAlpha(p, dtaod.Alpha(maxU64-A), min); err == nil && out >= want {
			t.Fatalf("AlphaForTAO(%+v, %d) failed but SellAlpha(%d) = %d", p, want, maxU64-A, out)
		}
		return
	}
	out, _, err := SellAlpha(p, a, min)
	if err != nil || out < want {
		t.Fatalf("AlphaForTAO(%+v, %d) = %d but SellAlpha gives %d, %v", p, want, a, out, err)
	}
	if a > 0 {
		if out, _, err := SellAlpha(p, a-1, min); err != nil || out >= want {
			t.Fatalf("AlphaForTAO(%+v, %d) = %d not minimal: SellAlpha(a-1) = %d, %v", p, want, a, out, err)
		}
	}
}

// checkRoundTrip: buying and selling back what was bought never returns more than went in, with
// or without fees.
func checkRoundTrip(t tb, p Pool, x, fee, min dtaod.TAO) {
	t.Helper()
	if out, p1, err := BuyAlpha(p, x, min); err == nil {
		if back, _, err := SellAlpha(p1, out, min); err == nil && back > x {
			t.Fatalf("buy %d then sell %d on %+v returned %d TAO", x, out, p, back)
		}
	}
	if out, p1, err := Stake(p, x, fee, min); err == nil {
		if net, _, _, err := Unstake(p1, out, fee, min); err == nil && net > x {
			t.Fatalf("stake %d then unstake %d (fee %d) on %+v returned %d TAO", x, out, fee, p, net)
		}
	}
}

// Generators.

var edges = []uint64{0, 1, 2, 3, 1 << 32, 1 << 63, maxU64 - 1, maxU64}

// reserve: realistic (1e7..1e17), tiny, edge values or anything in u64.
var reserve = rapid.OneOf(
	rapid.Uint64Range(10_000_000, 100_000_000_000_000_000),
	rapid.Uint64Range(0, 1000),
	rapid.SampledFrom(edges),
	rapid.Uint64(),
)

// amount: small, chain-sized, large, edge or anything.
var amount = rapid.OneOf(
	rapid.Uint64Range(0, 1_000_000),
	rapid.Uint64Range(0, 1_000_000_000_000),
	rapid.Uint64Range(0, 1_000_000_000_000_000_000),
	rapid.SampledFrom(edges),
	rapid.Uint64(),
)

var minLiquidity = rapid.OneOf(rapid.SampledFrom([]uint64{0, 1, uint64(minLiq)}), rapid.Uint64Range(0, 1_000_000_000))

var fees = rapid.OneOf(rapid.SampledFrom([]uint64{0, uint64(fee), uint64(fee) / 2}), rapid.Uint64Range(0, 1_000_000))

func drawPool(t *rapid.T, label string) Pool {
	return pool(reserve.Draw(t, label+".tao"), reserve.Draw(t, label+".alpha"))
}

// drawLimit draws a limit near the pool's spot (the interesting region), a multiple of it, or a
// random scaled value across the whole Price range (up to 2^191).
func drawLimit(t *rapid.T, p Pool) dtaod.Price {
	spot := p.SpotPrice().Scaled()
	var v big.Int
	switch rapid.IntRange(0, 4).Draw(t, "limitKind") {
	case 0:
		// zero
	case 1:
		v.Add(spot.ToBig(), big.NewInt(rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "delta")))
	case 2:
		v.Mul(spot.ToBig(), bu(rapid.Uint64Range(0, 5000).Draw(t, "permille")))
		v.Quo(&v, big.NewInt(1000))
	case 3:
		v.Lsh(bu(rapid.Uint64().Draw(t, "mant")), uint(rapid.IntRange(0, 127).Draw(t, "shift")))
	case 4:
		v.SetUint64(rapid.SampledFrom([]uint64{1, e18, e18 - 1, e18 + 1, maxU64}).Draw(t, "limitEdge"))
	}
	if v.Sign() < 0 {
		v.SetInt64(0)
	}
	return scaled(&v)
}

func scaled(v *big.Int) dtaod.Price {
	var u = new(big.Int).Set(v)
	if u.BitLen() > 191 {
		u.Rsh(u, uint(u.BitLen()-191))
	}
	w, _ := uint256.FromBig(u)
	return dtaod.PriceFromScaled(w)
}

// TestPropSequence runs random sequences of buys, sells, stakes and unstakes on random pools and
// checks every step against the reference and the invariants, carrying the pool forward.
func TestPropSequence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var p Pool
		if rapid.Bool().Draw(t, "realistic") {
			p = pool(rapid.Uint64Range(10_000_000, 100_000_000_000_000_000).Draw(t, "tao"),
				rapid.Uint64Range(10_000_000, 100_000_000_000_000_000).Draw(t, "alpha"))
		} else {
			p = drawPool(t, "pool")
		}
		min := dtaod.TAO(minLiquidity.Draw(t, "min"))
		f := dtaod.TAO(fees.Draw(t, "fee"))
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			x := amount.Draw(t, "amount")
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				p = checkBuy(t, p, dtaod.TAO(x), min)
			case 1:
				p = checkSell(t, p, dtaod.Alpha(x), min)
			case 2:
				p = checkStake(t, p, dtaod.TAO(x), f, min)
			case 3:
				p = checkUnstake(t, p, dtaod.Alpha(x), f, min)
			}
		}
	})
}

// TestPropReference compares the fast 128-bit paths with math/big across the whole u64 range
// (reserves up to 2^64-1): no panic, same output, same error.
func TestPropReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawPool(t, "pool")
		x := amount.Draw(t, "x")
		min := dtaod.TAO(minLiquidity.Draw(t, "min"))
		checkBuy(t, p, dtaod.TAO(x), min)
		checkSell(t, p, dtaod.Alpha(x), min)
		f := dtaod.TAO(fees.Draw(t, "fee"))
		checkStake(t, p, dtaod.TAO(x), f, min)
		checkUnstake(t, p, dtaod.Alpha(x), f, min)
	})
}

// TestPropRoundTrip: buy then sell back never returns more TAO than went in.
func TestPropRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		checkRoundTrip(t, drawPool(t, "pool"), dtaod.TAO(amount.Draw(t, "x")),
			dtaod.TAO(fees.Draw(t, "fee")), dtaod.TAO(minLiquidity.Draw(t, "min")))
	})
}

// TestPropExactOut: the exact-out quotes match the reference and are minimal. want is drawn
// relative to the reserve half the time so that most quotes succeed.
func TestPropExactOut(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawPool(t, "pool")
		min := dtaod.TAO(minLiquidity.Draw(t, "min"))
		wa, wt := amount.Draw(t, "wantAlpha"), amount.Draw(t, "wantTAO")
		if rapid.Bool().Draw(t, "relative") {
			if p.Alpha > 0 {
				wa %= uint64(p.Alpha)
			}
			if p.TAO > 0 {
				wt %= uint64(p.TAO)
			}
		}
		checkTAOForAlpha(t, p, dtaod.Alpha(wa), min)
		checkAlphaForTAO(t, p, dtaod.TAO(wt), min)
	})
}

// TestPropLimits: MaxBuy / MaxSell / MaxMove follow spec 9.8 exactly and never cross the limit.
func TestPropLimits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawPool(t, "pool")
		l := drawLimit(t, p)
		f := dtaod.TAO(fees.Draw(t, "fee"))
		checkMaxBuy(t, p, l, f, MaxBuy(p, l))
		checkMaxSell(t, p, l, MaxSell(p, l))
		d := drawPool(t, "dest")
		checkMaxMove(t, p, d, l, MaxMove(p, d, l))
	})
}

// TestPropQuote: a quote is exactly what Stake/Unstake do, and the impact matches its definition
// recomputed in math/big.
func TestPropQuote(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawPool(t, "pool")
		x := amount.Draw(t, "x")
		f := dtaod.TAO(fees.Draw(t, "fee"))
		min := dtaod.TAO(minLiquidity.Draw(t, "min"))
		checkQuotes(t, p, x, f, min)
	})
}

func checkQuotes(t tb, p Pool, x uint64, f, min dtaod.TAO) {
	t.Helper()
	q, err := QuoteStake(p, dtaod.TAO(x), f, min)
	out, next, err2 := Stake(p, dtaod.TAO(x), f, min)
	if (err == nil) != (err2 == nil) || err == nil && (q.Alpha != out || q.After != next || q.TAO != dtaod.TAO(x) || q.SwapTAO+q.Fee != q.TAO) {
		t.Fatalf("QuoteStake %+v, %v disagrees with Stake %d, %+v, %v", q, err, out, next, err2)
	}
	if err == nil {
		checkImpact(t, p, q)
	}
	q, err = QuoteUnstake(p, dtaod.Alpha(x), f, min)
	net, gross, next, err2 := Unstake(p, dtaod.Alpha(x), f, min)
	if (err == nil) != (err2 == nil) || err == nil && (q.TAO != net || q.SwapTAO != gross || q.After != next || q.Alpha != dtaod.Alpha(x)) {
		t.Fatalf("QuoteUnstake %+v, %v disagrees with Unstake %d, %d, %+v, %v", q, err, net, gross, next, err2)
	}
	if err == nil {
		checkImpact(t, p, q)
	}
}

func checkImpact(t tb, p Pool, q Quote) {
	t.Helper()
	if q.SpotBefore != p.SpotPrice() || q.SpotAfter != q.After.SpotPrice() || q.ExecutionPrice != ExecutionPrice(q.SwapTAO, q.Alpha) {
		t.Fatalf("quote prices %+v inconsistent", q)
	}
	// impact = |X/Y - T/A| / (T/A) as a rational, floored on the grid.
	want := new(big.Rat)
	if q.Alpha == 0 {
		want.SetInt64(1)
	} else {
		exec := new(big.Rat).SetFrac(bu(uint64(q.SwapTAO)), bu(uint64(q.Alpha)))
		spot := new(big.Rat).SetFrac(bu(uint64(p.TAO)), bu(uint64(p.Alpha)))
		want.Sub(exec, spot)
		want.Abs(want)
		want.Quo(want, spot)
	}
	want.Mul(want, new(big.Rat).SetInt(bigE18))
	floor := new(big.Int).Quo(want.Num(), want.Denom())
	if bigPrice(q.PriceImpact).Cmp(floor) != 0 {
		t.Fatalf("impact %s, want %s x 1e-18 (%+v)", q.PriceImpact, floor, q)
	}
}
