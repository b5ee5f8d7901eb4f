package amm

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/dtaod/dtaod"
)

// Shared helpers for the amm tests (unit, property, fuzz).

const (
	fee     = dtaod.TAO(50_000)     // the launch staking fee
	minLiq  = dtaod.TAO(10_000_000) // the launch min_pool_liquidity
	maxU64  = math.MaxUint64
	e18     = 1_000_000_000_000_000_000
	tenE9   = 1_000_000_000
	tenE10  = 10_000_000_000
	tenE12  = 1_000_000_000_000
	chainTA = tenE10 // SubnetTAO = SubnetAlphaIn = 1e10 in subtensor's staking tests
)

func pool(t, a uint64) Pool { return Pool{TAO: dtaod.TAO(t), Alpha: dtaod.Alpha(a)} }

func price(s string) dtaod.Price {
	p, err := dtaod.ParsePrice(s)
	if err != nil {
		panic(err)
	}
	return p
}

func bu(v uint64) *big.Int { return new(big.Int).SetUint64(v) }

func bigPrice(p dtaod.Price) *big.Int { s := p.Scaled(); return s.ToBig() }

var bigE18 = bu(e18)

// priceLE reports whether the exact ratio t/a is <= limit: t*1e18 <= L*a (a > 0).
func priceLE(t, a uint64, limit dtaod.Price) bool {
	l := new(big.Int).Mul(bu(t), bigE18)
	r := new(big.Int).Mul(bigPrice(limit), bu(a))
	return l.Cmp(r) <= 0
}

// priceGE reports whether the exact ratio t/a is >= limit.
func priceGE(t, a uint64, limit dtaod.Price) bool {
	l := new(big.Int).Mul(bu(t), bigE18)
	r := new(big.Int).Mul(bigPrice(limit), bu(a))
	return l.Cmp(r) >= 0
}

// refCeilDiv returns ceil(t*a/d) in math/big.
func refCeilDiv(t, a, d uint64) *big.Int {
	n := new(big.Int).Mul(bu(t), bu(a))
	n.Add(n, bu(d-1))
	return n.Quo(n, bu(d))
}

func bigK(p Pool) *big.Int { return new(big.Int).Mul(bu(uint64(p.TAO)), bu(uint64(p.Alpha))) }

// tb is the part of testing.TB that *rapid.T also has, so the checks below serve unit, property
// and fuzz tests alike.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

func isLiq(err error) bool { return errors.Is(err, dtaod.ErrInsufficientLiquidity) }

func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if want == nil && err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func TestSpotPrice(t *testing.T) {
	tests := []struct {
		name string
		p    Pool
		want string
	}{
		{"one", pool(tenE10, tenE10), "1.000000000000000000"},
		{"empty alpha", pool(tenE10, 0), "0.000000000000000000"},
		{"empty tao", pool(0, tenE10), "0.000000000000000000"},
		{"third floors", pool(1, 3), "0.333333333333333333"},
		{"two thirds floors", pool(2, 3), "0.666666666666666666"},
		// 1e18/(2^64-1) = 0.054...: below one unit of the grid, floors to 0.
		{"below the grid", pool(1, maxU64), "0.000000000000000000"},
		{"huge", pool(maxU64, 1), "18446744073709551615.000000000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.SpotPrice().String(); got != tc.want {
				t.Fatalf("SpotPrice = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestBuyAlpha(t *testing.T) {
	tests := []struct {
		name     string
		p        Pool
		x        uint64
		min      dtaod.TAO
		wantOut  uint64
		wantPool Pool
		wantErr  error
	}{
		// k = 1e24; T+x = 1.001e12; k/(T+x) = 999,000,999,000.999… -> ceil 999,000,999,001;
		// out = 1e12 - 999,000,999,001 = 999,000,999 (the real quotient's .999 stays in the pool).
		{"1e12 pool buys 1e9", pool(tenE12, tenE12), tenE9, minLiq, 999_000_999, pool(1_001_000_000_000, 999_000_999_001), nil},
		// Chain test pool: k = 1e20; T+x = 1.1e10; k/(T+x) = 9,090,909,090.909… -> ceil
		// 9,090,909,091; out = 1e10 - 9,090,909,091 = 909,090,909.
		{"chain pool buys 1e9", pool(chainTA, chainTA), tenE9, minLiq, 909_090_909, pool(11_000_000_000, 9_090_909_091), nil},
		// k = 100; T+x = 15; 100/15 = 6.67 -> 7; out = 10 - 7 = 3.
		{"tiny 10/10 buys 5", pool(10, 10), 5, 0, 3, pool(15, 7), nil},
		// k = 700; 700/101 = 6.93 -> 7 = A: the whole output rounds away, the pool keeps the TAO.
		{"dust buys nothing", pool(100, 7), 1, 0, 0, pool(101, 7), nil},
		// k = 1; 1/1,000,001 -> ceil 1: a 1-alpha pool can never be emptied.
		{"1/1 pool never empties", pool(1, 1), 1_000_000, 0, 0, pool(1_000_001, 1), nil},
		{"zero in, zero out", pool(tenE10, tenE10), 0, minLiq, 0, pool(tenE10, tenE10), nil},
		{"empty alpha", pool(tenE10, 0), tenE9, 0, 0, pool(tenE10, 0), dtaod.ErrInsufficientLiquidity},
		{"empty tao", pool(0, tenE10), tenE9, 0, 0, pool(0, tenE10), dtaod.ErrInsufficientLiquidity},
		{"empty both", pool(0, 0), 1, 0, 0, pool(0, 0), dtaod.ErrInsufficientLiquidity},
		// T + x = 2^64-1 fits; one more rao does not.
		{"TAO reserve at u64 max", pool(maxU64-5, 1000), 5, 0, 0, pool(maxU64, 1000), nil},
		{"TAO reserve overflows", pool(maxU64-5, 1000), 6, 0, 0, pool(maxU64-5, 1000), dtaod.ErrOverflow},
		{"x = 2^64-1 overflows", pool(1, 1000), maxU64, 0, 0, pool(1, 1000), dtaod.ErrOverflow},
		// k = (2^64-1)^2; T+x = 2^64-1 +0: no swap, no panic at the top of the range.
		{"max reserves", pool(maxU64, maxU64), 0, 0, 0, pool(maxU64, maxU64), nil},
		// k = 2^64-1; T+x = 2^64-1 -> a = 1; out = 2^64-2.
		{"1-rao TAO reserve bought out", pool(1, maxU64), maxU64 - 1, 0, maxU64 - 1, pool(maxU64, 1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, next, err := BuyAlpha(tc.p, dtaod.TAO(tc.x), tc.min)
			checkErr(t, err, tc.wantErr)
			if uint64(out) != tc.wantOut || next != tc.wantPool {
				t.Fatalf("BuyAlpha = %d, %+v; want %d, %+v", out, next, tc.wantOut, tc.wantPool)
			}
		})
	}
}

func TestSellAlpha(t *testing.T) {
	tests := []struct {
		name     string
		p        Pool
		a        uint64
		min      dtaod.TAO
		wantOut  uint64
		wantPool Pool
		wantErr  error
	}{
		// Mirror of the buy: k = 1e20; A+a = 1.1e10; k/(A+a) = 9,090,909,090.909… -> 9,090,909,091;
		// TAO out = 1e10 - 9,090,909,091 = 909,090,909.
		{"chain pool sells 1e9", pool(chainTA, chainTA), tenE9, minLiq, 909_090_909, pool(9_090_909_091, 11_000_000_000), nil},
		// k = 1e24; A+a = 1.001e12 -> T' = ceil(999,000,999,000.999…) = 999,000,999,001.
		{"1e12 pool sells 1e9", pool(tenE12, tenE12), tenE9, minLiq, 999_000_999, pool(999_000_999_001, 1_001_000_000_000), nil},
		// Price 4: k = 4e20, A+a = 1.1e10 -> T' = ceil(36,363,636,363.63…) = 36,363,636,364;
		// out = 4e10 - 36,363,636,364 = 3,636,363,636 (just under 4 x 1e9 x 1/1.1).
		{"price 4 sells 1e9", pool(4*tenE10, tenE10), tenE9, minLiq, 3_636_363_636, pool(36_363_636_364, 11_000_000_000), nil},
		// k = 100; A+a = 15 -> T' = 7; out 3.
		{"tiny", pool(10, 10), 5, 0, 3, pool(7, 15), nil},
		{"empty", pool(0, 10), 5, 0, 0, pool(0, 10), dtaod.ErrInsufficientLiquidity},
		{"alpha reserve overflows", pool(1000, maxU64), 1, 0, 0, pool(1000, maxU64), dtaod.ErrOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, next, err := SellAlpha(tc.p, dtaod.Alpha(tc.a), tc.min)
			checkErr(t, err, tc.wantErr)
			if uint64(out) != tc.wantOut || next != tc.wantPool {
				t.Fatalf("SellAlpha = %d, %+v; want %d, %+v", out, next, tc.wantOut, tc.wantPool)
			}
		})
	}
}

func TestStake(t *testing.T) {
	tests := []struct {
		name     string
		p        Pool
		gross    uint64
		fee      dtaod.TAO
		wantOut  uint64
		wantPool Pool
		wantErr  error
	}{
		// net = 1e9 - 50,000 = 999,950,000; T+net = 10,999,950,000;
		// 1e20/10,999,950,000 = 9,090,950,413.41 -> 9,090,950,414; out = 909,049,586;
		// the fee goes back: T' = 10,999,950,000 + 50,000 = 11,000,000,000.
		{"chain pool, fee", pool(chainTA, chainTA), tenE9, fee, 909_049_586, pool(11_000_000_000, 9_090_950_414), nil},
		{"chain pool, no fee", pool(chainTA, chainTA), tenE9, 0, 909_090_909, pool(11_000_000_000, 9_090_909_091), nil},
		// net 999,950,000; T+net = 1,000,999,950,000; 1e24/that = 999,001,048,901.4 -> …902;
		// out = 1e12 - 999,001,048,902 = 998,951,098.
		{"1e12 pool, fee", pool(tenE12, tenE12), tenE9, fee, 998_951_098, pool(1_001_000_000_000, 999_001_048_902), nil},
		// The minimum stake of section 4: 550,000 gross = 500,000 net. 1e20/10,000,500,000 =
		// 9,999,500,024.99 -> 9,999,500,025; out 499,975.
		{"minimum stake", pool(chainTA, chainTA), 550_000, fee, 499_975, pool(10_000_550_000, 9_999_500_025), nil},
		{"gross = fee", pool(chainTA, chainTA), 50_000, fee, 0, pool(10_000_050_000, chainTA), nil},
		{"gross below fee", pool(chainTA, chainTA), 49_999, fee, 0, pool(chainTA, chainTA), dtaod.ErrAmountTooLow},
		// T + net fits (2^64-1 - 10 + 5) but adding the 15-rao fee back does not.
		{"fee overflows the reserve", pool(maxU64-10, tenE10), 20, 15, 0, pool(maxU64-10, tenE10), dtaod.ErrOverflow},
		{"empty pool", pool(0, 0), tenE9, fee, 0, pool(0, 0), dtaod.ErrInsufficientLiquidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, next, err := Stake(tc.p, dtaod.TAO(tc.gross), tc.fee, minLiq)
			checkErr(t, err, tc.wantErr)
			if uint64(out) != tc.wantOut || next != tc.wantPool {
				t.Fatalf("Stake = %d, %+v; want %d, %+v", out, next, tc.wantOut, tc.wantPool)
			}
		})
	}
}

func TestUnstake(t *testing.T) {
	tests := []struct {
		name      string
		p         Pool
		a         uint64
		fee       dtaod.TAO
		wantNet   uint64
		wantGross uint64
		wantPool  Pool
		wantErr   error
	}{
		// gross 909,090,909 (see TestSellAlpha); net = 909,090,909 - 50,000 = 909,040,909;
		// T' = 9,090,909,091 + 50,000 = 9,090,959,091.
		{"chain pool, fee", pool(chainTA, chainTA), tenE9, fee, 909_040_909, 909_090_909, pool(9_090_959_091, 11_000_000_000), nil},
		{"chain pool, no fee", pool(chainTA, chainTA), tenE9, 0, 909_090_909, 909_090_909, pool(9_090_909_091, 11_000_000_000), nil},
		// 1e20/(1e10+50,000) = 9,999,950,000.249… -> 9,999,950,001; gross 49,999 < fee: the chain
		// refuses; gross is still reported and the pool is unchanged.
		{"gross below fee", pool(chainTA, chainTA), 50_000, fee, 0, 49_999, pool(chainTA, chainTA), dtaod.ErrAmountTooLow},
		{"empty pool", pool(0, 0), tenE9, fee, 0, 0, pool(0, 0), dtaod.ErrInsufficientLiquidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			net, gross, next, err := Unstake(tc.p, dtaod.Alpha(tc.a), tc.fee, minLiq)
			checkErr(t, err, tc.wantErr)
			if uint64(net) != tc.wantNet || uint64(gross) != tc.wantGross || next != tc.wantPool {
				t.Fatalf("Unstake = %d, %d, %+v; want %d, %d, %+v", net, gross, next, tc.wantNet, tc.wantGross, tc.wantPool)
			}
		})
	}
}

// The min_pool_liquidity boundary: the reserve that decreases may land exactly on the minimum;
// one rao below fails with ErrInsufficientLiquidity and returns the pool unchanged.
func TestMinLiquidityBoundary(t *testing.T) {
	p := pool(chainTA, chainTA) // k = 1e20
	// Buy: a' = ceil(1e20/(1e10+x)) >= 1e7 while 1e10+x <= 1e20/9,999,999 rounded down:
	// 1e20/9,999,999 = 10,000,001,000,000.1 so T+x = 10,000,001,000,000 gives
	// a' = ceil(9,999,999.9999999…) = 10,000,000 (= min, passes) and T+x = 10,000,001,000,001
	// gives a' = ceil(9,999,999.0000…) = 9,999,999 (fails).
	const xOK = 10_000_001_000_000 - tenE10 // 9,990,001,000,000
	tests := []struct {
		name    string
		run     func() (Pool, error)
		want    Pool
		wantErr error
	}{
		{"buy lands on the minimum", func() (Pool, error) {
			_, n, err := BuyAlpha(p, xOK, minLiq)
			return n, err
		}, pool(10_000_001_000_000, 10_000_000), nil},
		{"buy one rao more", func() (Pool, error) {
			_, n, err := BuyAlpha(p, xOK+1, minLiq)
			return n, err
		}, p, dtaod.ErrInsufficientLiquidity},
		{"sell lands on the minimum", func() (Pool, error) {
			_, n, err := SellAlpha(p, xOK, minLiq)
			return n, err
		}, pool(10_000_000, 10_000_001_000_000), nil},
		{"sell one more", func() (Pool, error) {
			_, n, err := SellAlpha(p, xOK+1, minLiq)
			return n, err
		}, p, dtaod.ErrInsufficientLiquidity},
		// Stake checks the alpha reserve before the fee is added back: gross = xOK + fee swaps xOK.
		{"stake lands on the minimum", func() (Pool, error) {
			_, n, err := Stake(p, xOK+fee, fee, minLiq)
			return n, err
		}, pool(10_000_001_050_000, 10_000_000), nil},
		{"stake one more", func() (Pool, error) {
			_, n, err := Stake(p, xOK+fee+1, fee, minLiq)
			return n, err
		}, p, dtaod.ErrInsufficientLiquidity},
		// Unstake checks the TAO reserve before the fee comes back (spec 9.5): 10,000,000 passes
		// even though the fee then lifts it to 10,050,000.
		{"unstake lands on the minimum", func() (Pool, error) {
			_, _, n, err := Unstake(p, xOK, fee, minLiq)
			return n, err
		}, pool(10_050_000, 10_000_001_000_000), nil},
		{"unstake one more", func() (Pool, error) {
			_, _, n, err := Unstake(p, xOK+1, fee, minLiq)
			return n, err
		}, p, dtaod.ErrInsufficientLiquidity},
		// Small pool, k = 10,000, min 50: T+x = 204 gives ceil(49.02) = 50, 205 gives ceil(48.78) = 49.
		{"small pool at the minimum", func() (Pool, error) {
			_, n, err := BuyAlpha(pool(100, 100), 104, 50)
			return n, err
		}, pool(204, 50), nil},
		{"small pool below", func() (Pool, error) {
			_, n, err := BuyAlpha(pool(100, 100), 105, 50)
			return n, err
		}, pool(100, 100), dtaod.ErrInsufficientLiquidity},
		// The increasing reserve is not checked: a pool whose TAO is under the minimum can still
		// be bought into.
		{"only the decreasing reserve is checked", func() (Pool, error) {
			_, n, err := BuyAlpha(pool(1000, tenE10), 1000, minLiq)
			return n, err
		}, pool(2000, 5_000_000_000), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, err := tc.run()
			checkErr(t, err, tc.wantErr)
			if next != tc.want {
				t.Fatalf("pool %+v, want %+v", next, tc.want)
			}
		})
	}
}

func TestTAOForAlpha(t *testing.T) {
	tests := []struct {
		name    string
		p       Pool
		want    uint64
		min     dtaod.TAO
		wantX   uint64
		wantErr error
	}{
		// A - want = 9,090,909,091; ceil(1e20/9,090,909,091) = ceil(10,999,999,998.9) =
		// 11,000,000,000 -> x = 1e9 (the inverse of TestBuyAlpha's chain case).
		{"chain pool", pool(chainTA, chainTA), 909_090_909, minLiq, tenE9, nil},
		{"1e12 pool", pool(tenE12, tenE12), 999_000_999, minLiq, tenE9, nil},
		// want 1: ceil(1e20/9,999,999,999) = 10,000,000,002 (1e20/(1e10-1) = 1e10 + 1.0000000001).
		{"one rao", pool(chainTA, chainTA), 1, minLiq, 2, nil},
		{"nothing", pool(chainTA, chainTA), 0, minLiq, 0, nil},
		// ceil(100/3) = 34 -> x = 24; BuyAlpha(10,10,24) = 10 - ceil(100/34) = 10 - 3 = 7.
		{"tiny", pool(10, 10), 7, 0, 24, nil},
		{"whole reserve", pool(10, 10), 10, 0, 0, dtaod.ErrInsufficientLiquidity},
		{"more than the reserve", pool(10, 10), 11, 0, 0, dtaod.ErrInsufficientLiquidity},
		{"leaves less than min", pool(chainTA, chainTA), chainTA - uint64(minLiq) + 1, minLiq, 0, dtaod.ErrInsufficientLiquidity},
		// 1e20/1e7 = 1e13 exactly; x = 1e13 - 1e10.
		{"leaves exactly min", pool(chainTA, chainTA), chainTA - uint64(minLiq), minLiq, 10_000_000_000_000 - tenE10, nil},
		{"empty", pool(0, 10), 1, 0, 0, dtaod.ErrInsufficientLiquidity},
		// Bug fixed: A - want = 30 >= min 26, but the least x with a' <= 30 is 3 (T+x = 4 =
		// ceil(100/30)) and there a' = ceil(100/4) = 25 < 26, so BuyAlpha(3) fails; every larger
		// x leaves even less. No x works: the quote must fail, not return 3.
		{"jump past the minimum", pool(1, 100), 70, 26, 0, dtaod.ErrInsufficientLiquidity},
		{"jump, min allows it", pool(1, 100), 70, 25, 3, nil},
		// Bug fixed: k = 2^65, A - want = 2 -> quotient 2^64: bits.Div64 panicked.
		{"quotient 2^64 (was a panic)", pool(1<<63, 4), 2, 0, 0, dtaod.ErrOverflow},
		// Bug fixed: T*A = 5*(2^64-1) + 3, A - want = 5 -> floor = 2^64-1 with a remainder; the
		// old ceil wrapped to 0 and returned 0 - T (a huge wrong amount).
		{"ceil wraps (was a wrong answer)", pool(15_372_286_728_091_293_013, 6), 1, 0, 0, dtaod.ErrOverflow},
		{"max reserves", pool(maxU64, maxU64), 1, 0, 0, dtaod.ErrOverflow},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, err := TAOForAlpha(tc.p, dtaod.Alpha(tc.want), tc.min)
			checkErr(t, err, tc.wantErr)
			if uint64(x) != tc.wantX {
				t.Fatalf("TAOForAlpha = %d, want %d", x, tc.wantX)
			}
			if err != nil {
				return
			}
			out, _, err := BuyAlpha(tc.p, x, tc.min)
			if err != nil || uint64(out) < tc.want {
				t.Fatalf("BuyAlpha(%d) = %d, %v: not enough", x, out, err)
			}
			if x > 0 {
				if out, _, err := BuyAlpha(tc.p, x-1, tc.min); err == nil && uint64(out) >= tc.want {
					t.Fatalf("BuyAlpha(%d) = %d already enough: quote not minimal", x-1, out)
				}
			}
		})
	}
}

func TestAlphaForTAO(t *testing.T) {
	tests := []struct {
		name    string
		p       Pool
		want    uint64
		min     dtaod.TAO
		wantA   uint64
		wantErr error
	}{
		{"chain pool", pool(chainTA, chainTA), 909_090_909, minLiq, tenE9, nil},
		// Price 4: 1e10 - ceil(4e20/(4e10 - 3,636,363,636)) = ceil(4e20/36,363,636,364) =
		// ceil(10,999,999,999.89) = 11,000,000,000 -> a = 1e9.
		{"price 4", pool(4*tenE10, tenE10), 3_636_363_636, minLiq, tenE9, nil},
		{"leaves exactly min", pool(chainTA, chainTA), chainTA - uint64(minLiq), minLiq, 10_000_000_000_000 - tenE10, nil},
		{"leaves less than min", pool(chainTA, chainTA), chainTA - uint64(minLiq) + 1, minLiq, 0, dtaod.ErrInsufficientLiquidity},
		{"jump past the minimum", pool(100, 1), 70, 26, 0, dtaod.ErrInsufficientLiquidity},
		{"quotient 2^64 (was a panic)", pool(4, 1<<63), 2, 0, 0, dtaod.ErrOverflow},
		{"ceil wraps (was a wrong answer)", pool(6, 15_372_286_728_091_293_013), 1, 0, 0, dtaod.ErrOverflow},
		{"empty", pool(10, 0), 1, 0, 0, dtaod.ErrInsufficientLiquidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := AlphaForTAO(tc.p, dtaod.TAO(tc.want), tc.min)
			checkErr(t, err, tc.wantErr)
			if uint64(a) != tc.wantA {
				t.Fatalf("AlphaForTAO = %d, want %d", a, tc.wantA)
			}
			if err != nil {
				return
			}
			out, _, err := SellAlpha(tc.p, a, tc.min)
			if err != nil || uint64(out) < tc.want {
				t.Fatalf("SellAlpha(%d) = %d, %v: not enough", a, out, err)
			}
			if a > 0 {
				if out, _, err := SellAlpha(tc.p, a-1, tc.min); err == nil && uint64(out) >= tc.want {
					t.Fatalf("SellAlpha(%d) = %d already enough: quote not minimal", a-1, out)
				}
			}
		})
	}
}

func TestCeilDivK(t *testing.T) {
	tests := []struct {
		name string
		p    Pool
		d    uint64
		want uint64
		ok   bool
	}{
		{"exact", pool(10, 10), 4, 25, true},
		{"rounds up", pool(10, 10), 3, 34, true},
		{"k = 0", pool(0, 10), 3, 0, true},
		{"max / max", pool(maxU64, maxU64), maxU64, maxU64, true},
		{"quotient 2^64", pool(1<<63, 4), 2, 0, false},
		{"ceil to 2^64", pool(15_372_286_728_091_293_013, 6), 5, 0, false},
		{"floor 2^64-1 exact", pool(maxU64, 6), 6, maxU64, true},
		{"d = 1", pool(maxU64, 1), 1, maxU64, true},
		{"d = 1 too big", pool(maxU64, 2), 1, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ceilDivK(tc.p, tc.d)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("ceilDivK = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// checkMaxBuy asserts spec 9.8 for m = MaxBuy(p, l): (T+m)^2 <= floor(k*L) and, unless m is the
// u64 clamp, (T+m+1)^2 > floor(k*L) (i.e. isqrt(floor(k*L)) - T >= m+1 is false); and Stake of
// gross m (with fee f) that succeeds leaves a final price <= L, compared exactly.
func checkMaxBuy(t tb, p Pool, l dtaod.Price, f dtaod.TAO, m dtaod.TAO) {
	t.Helper()
	n := new(big.Int).Mul(bigK(p), bigPrice(l))
	n.Quo(n, bigE18) // floor(k*L)
	root := new(big.Int).Sqrt(n)
	bound := new(big.Int).Sub(root, bu(uint64(p.TAO))) // isqrt(floor(k*L)) - T, may be negative
	if bound.Sign() < 0 {
		bound.SetInt64(0)
	}
	if bu(uint64(m)).Cmp(bound) > 0 {
		t.Fatalf("MaxBuy(%+v, %s) = %d exceeds isqrt(floor(kL)) - T = %s", p, l, m, bound)
	}
	if uint64(m) < maxU64 && new(big.Int).Add(bu(uint64(m)), big.NewInt(1)).Cmp(bound) <= 0 {
		t.Fatalf("MaxBuy(%+v, %s) = %d, but %d also satisfies the bound %s", p, l, m, m+1, bound)
	}
	if m == 0 {
		return
	}
	_, next, err := Stake(p, m, f, 0)
	if err != nil {
		return // the limit allows it; the pool may not (overflow, fee): not the limit's concern
	}
	if !priceLE(uint64(next.TAO), uint64(next.Alpha), l) {
		t.Fatalf("Stake(%+v, %d, fee %d) ends at %d/%d > limit %s", p, m, f, next.TAO, next.Alpha, l)
	}
}

// checkMaxSell: (A+m)^2 <= floor(k/L) < (A+m+1)^2 unless clamped, and a sell of m (when it
// succeeds and m > 0) ends at a price >= L. L = 0 means no limit: m must be 2^64-1.
func checkMaxSell(t tb, p Pool, l dtaod.Price, m dtaod.Alpha) {
	t.Helper()
	if l.IsZero() {
		if m != maxU64 {
			t.Fatalf("MaxSell(%+v, 0) = %d, want unlimited", p, m)
		}
		return
	}
	n := new(big.Int).Mul(bigK(p), bigE18)
	n.Quo(n, bigPrice(l)) // floor(k/L)
	bound := new(big.Int).Sub(new(big.Int).Sqrt(n), bu(uint64(p.Alpha)))
	if bound.Sign() < 0 {
		bound.SetInt64(0)
	}
	if bu(uint64(m)).Cmp(bound) > 0 {
		t.Fatalf("MaxSell(%+v, %s) = %d exceeds isqrt(floor(k/L)) - A = %s", p, l, m, bound)
	}
	if uint64(m) < maxU64 && new(big.Int).Add(bu(uint64(m)), big.NewInt(1)).Cmp(bound) <= 0 {
		t.Fatalf("MaxSell(%+v, %s) = %d, but %d also satisfies the bound %s", p, l, m, m+1, bound)
	}
	if m == 0 {
		return
	}
	_, next, err := SellAlpha(p, m, 0)
	if err != nil {
		return
	}
	if !priceGE(uint64(next.TAO), uint64(next.Alpha), l) {
		t.Fatalf("SellAlpha(%+v, %d) ends at %d/%d < limit %s", p, m, next.TAO, next.Alpha, l)
	}
}

// checkMaxMove: with N = floor(k_o*k_d/L), ((T_o+T_d)*m + T_d*A_o)^2 <= N and, unless clamped,
// the same with m+1 is > N; and selling m in o then buying in d with the TAO out (no fees) gives
// final prices with T_o'*A_d' >= L * A_o'*T_d' (ratio price(o)/price(d) >= L).
func checkMaxMove(t tb, o, d Pool, l dtaod.Price, m dtaod.Alpha) {
	t.Helper()
	if l.IsZero() {
		if m != maxU64 {
			t.Fatalf("MaxMove(%+v, %+v, 0) = %d, want unlimited", o, d, m)
		}
		return
	}
	n := new(big.Int).Mul(bigK(o), bigK(d))
	n.Mul(n, bigE18)
	n.Quo(n, bigPrice(l))
	sum := new(big.Int).Add(bu(uint64(o.TAO)), bu(uint64(d.TAO)))
	base := new(big.Int).Mul(bu(uint64(d.TAO)), bu(uint64(o.Alpha)))
	lhs := func(a *big.Int) *big.Int {
		v := new(big.Int).Mul(sum, a)
		v.Add(v, base)
		return v.Mul(v, v)
	}
	if m > 0 && lhs(bu(uint64(m))).Cmp(n) > 0 {
		t.Fatalf("MaxMove(%+v, %+v, %s) = %d violates the bound", o, d, l, m)
	}
	if uint64(m) < maxU64 && sum.Sign() > 0 && lhs(new(big.Int).Add(bu(uint64(m)), big.NewInt(1))).Cmp(n) <= 0 {
		t.Fatalf("MaxMove(%+v, %+v, %s) = %d, but %d also satisfies the bound", o, d, l, m, m+1)
	}
	if m == 0 {
		return
	}
	tao, o2, err := SellAlpha(o, m, 0)
	if err != nil {
		return
	}
	_, d2, err := BuyAlpha(d, tao, 0)
	if err != nil {
		return
	}
	left := new(big.Int).Mul(bu(uint64(o2.TAO)), bu(uint64(d2.Alpha)))
	left.Mul(left, bigE18)
	right := new(big.Int).Mul(bu(uint64(o2.Alpha)), bu(uint64(d2.TAO)))
	right.Mul(right, bigPrice(l))
	if left.Cmp(right) < 0 {
		t.Fatalf("move of %d: o %+v d %+v, ratio below %s", m, o2, d2, l)
	}
}

func TestMaxBuy(t *testing.T) {
	tests := []struct {
		name  string
		p     Pool
		limit string
		want  uint64
	}{
		// k*L = 1e20 * 1.21 = 1.21e20; isqrt = 1.1e10; max = 1.1e10 - 1e10 = 1e9.
		// Stake(1e9, fee): T' = 1.1e10, A' = 9,090,950,414 (TestStake); 1.21 * A' =
		// 11,000,050,000.94 >= 1.1e10: the fee only lowers the final price.
		{"chain pool to 1.21", pool(chainTA, chainTA), "1.21", tenE9},
		// floor(1e24 * 1.002001) = 1.002001e24; isqrt = 1.001e12; max = 1e9.
		{"1e12 pool to 1.002001", pool(tenE12, tenE12), "1.002001", tenE9},
		// 1e20*1.5 = 1.5e20; isqrt = 12,247,448,713 (12,247,448,713.9…); max = 2,247,448,713.
		{"chain pool to 1.5", pool(chainTA, chainTA), "1.5", 2_247_448_713},
		{"limit at spot", pool(chainTA, chainTA), "1", 0},
		{"limit below spot", pool(chainTA, chainTA), "0.81", 0},
		{"limit 0", pool(chainTA, chainTA), "0", 0},
		// 1e20 * 1.000000000000000001 = 1e20 + 100: isqrt still 1e10.
		{"one grid unit above spot", pool(chainTA, chainTA), "1.000000000000000001", 0},
		{"empty pool", pool(0, 0), "5", 0},
		// k*L overflows 256 bits (k ~ 2^128, L x 1e18 = 2^191 - 1, the largest ParsePrice
		// accepts): every u64 amount is within the limit.
		{"huge limit", pool(maxU64, maxU64), "3138550867693340381917894711603833208051.177722232017256447", maxU64},
		// isqrt(1e20*1e18) = 1e19; minus 1e10 > u64? no: 9,999,999,990,000,000,000 fits.
		{"limit 1e18", pool(chainTA, chainTA), "1000000000000000000", 9_999_999_990_000_000_000},
		// isqrt(1e20*1e20) = 1e20 - 1e10 > 2^64-1: clamped.
		{"clamped", pool(chainTA, chainTA), "100000000000000000000", maxU64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := price(tc.limit)
			m := MaxBuy(tc.p, l)
			if uint64(m) != tc.want {
				t.Fatalf("MaxBuy = %d, want %d", m, tc.want)
			}
			checkMaxBuy(t, tc.p, l, fee, m)
			checkMaxBuy(t, tc.p, l, 0, m)
		})
	}
}

func TestMaxSell(t *testing.T) {
	tests := []struct {
		name  string
		p     Pool
		limit string
		want  uint64
	}{
		// floor(1e20/0.81) = 123,456,790,123,456,790,123; isqrt = 11,111,111,111; max =
		// 1,111,111,111. SellAlpha: T' = ceil(1e20/11,111,111,111) = 9,000,000,001 and
		// 0.81 * 11,111,111,111 = 8,999,999,999.91 <= 9,000,000,001.
		{"chain pool to 0.81", pool(chainTA, chainTA), "0.81", 1_111_111_111},
		// floor(1e20/0.25) = 4e20; isqrt = 2e10; max = 1e10: selling doubles the alpha reserve.
		{"chain pool to 0.25", pool(chainTA, chainTA), "0.25", tenE10},
		{"limit at spot", pool(chainTA, chainTA), "1", 0},
		{"limit above spot", pool(chainTA, chainTA), "1.21", 0},
		{"limit 0 = unlimited", pool(chainTA, chainTA), "0", maxU64},
		{"empty pool", pool(0, 0), "0.5", 0},
		// floor(1e20/1e-18) = 1e38; isqrt = 1e19; minus 1e10 fits.
		{"smallest limit", pool(chainTA, chainTA), "0.000000000000000001", 9_999_999_990_000_000_000},
		// k/L at its largest: (2^64-1)^2 * 1e18: clamped.
		{"clamped", pool(maxU64, maxU64), "0.000000000000000001", maxU64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := price(tc.limit)
			m := MaxSell(tc.p, l)
			if uint64(m) != tc.want {
				t.Fatalf("MaxSell = %d, want %d", m, tc.want)
			}
			checkMaxSell(t, tc.p, l, m)
		})
	}
}

func TestMaxMove(t *testing.T) {
	tests := []struct {
		name  string
		o, d  Pool
		limit string
		want  uint64
	}{
		// Ratio 1. floor(1e40/0.81) -> isqrt = 111,111,111,111,111,111,111; minus T_d*A_o = 1e20
		// = 11,111,111,111,111,111,111; / (T_o+T_d = 2e10) = 555,555,555.55 -> 555,555,555.
		{"equal pools to 0.81", pool(chainTA, chainTA), pool(chainTA, chainTA), "0.81", 555_555_555},
		// o price 2, d price 0.5: ratio 4. k_o = k_d = 2e20; L = 1: isqrt(4e40) = 2e20;
		// minus T_d*A_o = 1e20; / (2e10 + 1e10) = 3,333,333,333.3 -> 3,333,333,333.
		{"ratio 4 to 1", pool(2*tenE10, tenE10), pool(tenE10, 2*tenE10), "1", 3_333_333_333},
		{"limit at the ratio", pool(chainTA, chainTA), pool(chainTA, chainTA), "1", 0},
		{"limit above the ratio", pool(chainTA, chainTA), pool(chainTA, chainTA), "1.1", 0},
		{"limit 0 = unlimited", pool(chainTA, chainTA), pool(chainTA, chainTA), "0", maxU64},
		{"empty destination", pool(chainTA, chainTA), pool(0, 0), "0.5", 0},
		{"empty both", pool(0, 0), pool(0, 0), "0.5", 0},
		{"clamped", pool(maxU64, maxU64), pool(maxU64, maxU64), "0.000000000000000001", maxU64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := price(tc.limit)
			m := MaxMove(tc.o, tc.d, l)
			if uint64(m) != tc.want {
				t.Fatalf("MaxMove = %d, want %d", m, tc.want)
			}
			checkMaxMove(t, tc.o, tc.d, l, m)
		})
	}
}

func TestExecutionPrice(t *testing.T) {
	tests := []struct {
		name  string
		tao   uint64
		alpha uint64
		want  string
	}{
		{"one", 5, 5, "1.000000000000000000"},
		{"third floors", 1, 3, "0.333333333333333333"},
		{"no alpha", 5, 0, "0.000000000000000000"},
		{"no tao", 0, 5, "0.000000000000000000"},
		// 999,950,000 / 909,049,586 = 1.099995000712755398…
		{"chain stake", 999_950_000, 909_049_586, "1.099995000712755398"},
		{"max", maxU64, 1, "18446744073709551615.000000000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExecutionPrice(dtaod.TAO(tc.tao), dtaod.Alpha(tc.alpha)).String(); got != tc.want {
				t.Fatalf("ExecutionPrice = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name    string
		quote   func() (Quote, error)
		want    Quote
		wantErr error
	}{
		// Stake 1e9 gross on the chain pool (TestStake): alpha out 909,049,586, swap TAO
		// 999,950,000; exec = 999,950,000/909,049,586 = 1.099995000712755398…; spot after =
		// 11,000,000,000/9,090,950,414 = 1.209994499921600826…; impact = exec/spot - 1 =
		// (999,950,000 - 909,049,586)/909,049,586 = 90,900,414/909,049,586 = 0.099995000712755398….
		{"stake with fee", func() (Quote, error) { return QuoteStake(pool(chainTA, chainTA), tenE9, fee, minLiq) }, Quote{
			Stake: true, TAO: tenE9, Alpha: 909_049_586, SwapTAO: 999_950_000, Fee: fee,
			SpotBefore: price("1"), SpotAfter: price("1.209994499921600826"),
			ExecutionPrice: price("1.099995000712755398"), PriceImpact: price("0.099995000712755398"),
			After: pool(11_000_000_000, 9_090_950_414),
		}, nil},
		// Unstake 1e9 alpha: gross 909,090,909, net 909,040,909; exec = 0.909090909; impact =
		// 1 - 0.909090909 = 0.090909091; spot after = 9,090,959,091/11e9 = 0.826450826454545454….
		{"unstake with fee", func() (Quote, error) { return QuoteUnstake(pool(chainTA, chainTA), tenE9, fee, minLiq) }, Quote{
			Stake: false, TAO: 909_040_909, Alpha: tenE9, SwapTAO: 909_090_909, Fee: fee,
			SpotBefore: price("1"), SpotAfter: price("0.826450826454545454"),
			ExecutionPrice: price("0.909090909"), PriceImpact: price("0.090909091"),
			After: pool(9_090_959_091, 11_000_000_000),
		}, nil},
		// Price 4, no fee (TestSellAlpha): exec = 3,636,363,636/1e9 = 3.636363636; impact =
		// (4 - 3.636363636)/4 = 0.363636364/4 = 0.090909091; spot after = 36,363,636,364/11e9 =
		// 3.305785124 exactly (36,363,636,364 = 11 x 3,305,785,124).
		{"unstake at price 4", func() (Quote, error) { return QuoteUnstake(pool(4*tenE10, tenE10), tenE9, 0, minLiq) }, Quote{
			Stake: false, TAO: 3_636_363_636, Alpha: tenE9, SwapTAO: 3_636_363_636,
			SpotBefore: price("4"), SpotAfter: price("3.305785124"),
			ExecutionPrice: price("3.636363636"), PriceImpact: price("0.090909091"),
			After: pool(36_363_636_364, 11_000_000_000),
		}, nil},
		// Exact impact, not from floored prices: spot 1/3 floors to 0.333…333 but the impact of a
		// zero-slippage-looking trade is computed on the exact ratios. 3/9 pool, buy 3 TAO:
		// k = 27, ceil(27/6) = 5, out 4; exec 3/4 = 0.75; impact = |3*9 - 3*4|/(3*4) = 15/12 = 1.25.
		{"tiny pool", func() (Quote, error) { return QuoteStake(pool(3, 9), 3, 0, 0) }, Quote{
			Stake: true, TAO: 3, Alpha: 4, SwapTAO: 3,
			SpotBefore: price("0.333333333333333333"), SpotAfter: price("1.2"),
			ExecutionPrice: price("0.75"), PriceImpact: price("1.25"),
			After: pool(6, 5),
		}, nil},
		// Nothing out: exec 0, impact 100%.
		{"dust stake", func() (Quote, error) { return QuoteStake(pool(100, 7), 1, 0, 0) }, Quote{
			Stake: true, TAO: 1, SwapTAO: 1, SpotBefore: price("14.285714285714285714"),
			SpotAfter: price("14.428571428571428571"), PriceImpact: price("1"), After: pool(101, 7),
		}, nil},
		{"stake below fee", func() (Quote, error) { return QuoteStake(pool(chainTA, chainTA), 1, fee, minLiq) }, Quote{}, dtaod.ErrAmountTooLow},
		{"unstake below fee", func() (Quote, error) { return QuoteUnstake(pool(chainTA, chainTA), 1, fee, minLiq) }, Quote{}, dtaod.ErrAmountTooLow},
		{"empty pool", func() (Quote, error) { return QuoteStake(pool(0, 0), tenE9, fee, minLiq) }, Quote{}, dtaod.ErrInsufficientLiquidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := tc.quote()
			checkErr(t, err, tc.wantErr)
			if q != tc.want {
				t.Fatalf("quote\n got %+v\nwant %+v", q, tc.want)
			}
			if err == nil {
				in, out := uint64(q.TAO), uint64(q.Alpha)
				if !q.Stake {
					in, out = out, in
				}
				if q.AmountIn() != in || q.AmountOut() != out {
					t.Fatalf("AmountIn/Out = %d/%d, want %d/%d", q.AmountIn(), q.AmountOut(), in, out)
				}
			}
		})
	}
}
