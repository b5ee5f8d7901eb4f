package emission

import (
	"math/big"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"pgregory.net/rapid"
)

// The coinbase (spec 6, 9.2-9.4). Where a case is one of the chain's tests in
// pallets/subtensor/src/tests/coinbase.rs under the same rule it is named; the other expected
// values are derived by hand from section 9 (arithmetic in the comments).

const (
	one  = dtaod.FixedOne
	e9   = 1_000_000_000
	e12  = 1_000_000_000_000
	capC = 21_000_000_000_000_000
)

type sn struct {
	t, a, out uint64
	mp        dtaod.Fixed
	noReg     bool
}

// netState builds subnets 1..n with the given pools (alpha_out owned by nobody listed), root TAO
// owned by nobody, and seals it.
func netState(rootTAO, issuance uint64, subnets ...sn) *pools.State {
	st := pools.NewState()
	st.TotalIssuance = dtaod.TAO(issuance)
	st.RootTAO = dtaod.TAO(rootTAO)
	st.UnnamedRoot = dtaod.TAO(rootTAO)
	for i, s := range subnets {
		st.AddSubnet(&pools.Subnet{NetUID: dtaod.NetUID(i + 1), TAOIn: dtaod.TAO(s.t), AlphaIn: dtaod.Alpha(s.a),
			AlphaOut: dtaod.Alpha(s.out), UnnamedStake: dtaod.Alpha(s.out), MovingPrice: s.mp, RegistrationAllowed: !s.noReg, Tempo: 360})
	}
	st.Seal()
	return st
}

func runCoinbase(t *testing.T, st *pools.State, p *dtaod.Params) dtaod.TAO {
	t.Helper()
	var sc Scratch
	e, err := Coinbase(st, p, 1, &sc)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Check(); err != nil {
		t.Fatalf("conservation after the coinbase: %v", err)
	}
	return e
}

func TestCoinbaseSplitAndInjection(t *testing.T) {
	type want struct{ taoIn, alphaIn, alphaOut uint64 }
	cases := []struct {
		name     string
		mutate   func(*dtaod.Params)
		issuance uint64
		subnets  []sn
		want     []want
	}{
		{
			// The chain's test_coinbase_tao_issuance_different_prices: E = 1e8, moving prices 1
			// and 2 -> floor(1e8/3) = 33,333,333 and floor(2e8/3) = 66,666,666. alpha_in =
			// floor(tao_in * A/T) at price 1; E also drives the alpha emission (9.1): 1e8.
			name:    "chain different prices",
			mutate:  func(p *dtaod.Params) { p.BlockEmission = 1e8 },
			subnets: []sn{{t: e12, a: e12, mp: one}, {t: e12, a: e12, mp: 2 * one}},
			want:    []want{{33_333_333, 33_333_333, 1e8}, {66_666_666, 66_666_666, 1e8}},
		},
		{
			// mp 0.1, 0.2, 0.3: floor(1e9/6) = 166,666,666; floor(2e9/6) = 333,333,333; 3e9/6 = 5e8.
			name:    "three subnets",
			subnets: []sn{{t: e12, a: e12, mp: one / 10}, {t: e12, a: e12, mp: one / 5}, {t: e12, a: e12, mp: 3 * one / 10}},
			want:    []want{{166_666_666, 166_666_666, e9}, {333_333_333, 333_333_333, e9}, {5e8, 5e8, e9}},
		},
		{
			// mp 7, 11, 13 units (sum 31): floor(7e9/31) = 225,806,451; floor(11e9/31) = 354,838,709;
			// floor(13e9/31) = 419,354,838 (sum 999,999,998: the floors lose 2 rao, never minted).
			name:    "uneven floors",
			subnets: []sn{{t: e12, a: e12, mp: 7}, {t: e12, a: e12, mp: 11}, {t: e12, a: e12, mp: 13}},
			want:    []want{{225_806_451, 225_806_451, e9}, {354_838_709, 354_838_709, e9}, {419_354_838, 419_354_838, e9}},
		},
		{
			// The chain's test_coinbase_alpha_issuance_different: T = A = 1e6, E = 1e6, mp 1 and 2
			// -> alpha_in = tao_in/price = 333,333 and 666,666.
			name:    "chain alpha issuance different",
			mutate:  func(p *dtaod.Params) { p.BlockEmission = 1e6 },
			subnets: []sn{{t: 1e6, a: 1e6, mp: one}, {t: 1e6, a: 1e6, mp: 2 * one}},
			want:    []want{{333_333, 333_333, 1e6}, {666_666, 666_666, 1e6}},
		},
		{
			// The chain's test_coinbase_alpha_issuance_with_cap_trigger: T = 1000, A = 1e9 (price
			// 1e-6): tao_in/price is far above the alpha emission (1e9), so alpha_in = 1e9.
			name:    "chain cap trigger",
			subnets: []sn{{t: 1000, a: e9, mp: one}, {t: 1000, a: e9, mp: 2 * one}},
			want:    []want{{333_333_333, e9, e9}, {666_666_666, e9, e9}},
		},
		{
			// The chain's test_coinbase_alpha_issuance_with_cap_trigger_and_block_emission: alpha
			// issuance past 21M -> alpha emission 0, so alpha_in = min(..., 0) = 0 and alpha_out += 0.
			name:    "chain cap trigger past the alpha cap",
			subnets: []sn{{t: 1000, a: e9, out: 22_000_000_000_000_000, mp: one}, {t: 1000, a: e9, out: 22_000_000_000_000_000, mp: 2 * one}},
			want:    []want{{333_333_333, 0, 0}, {666_666_666, 0, 0}},
		},
		{
			// Price 3 (T = 3e12, A = 1e12), single subnet: tao_in = E = 1e9;
			// alpha_in = floor(1e9 * 1e12 / 3e12) = 333,333,333.
			name:    "alpha_in floors",
			subnets: []sn{{t: 3 * e12, a: e12, mp: one}},
			want:    []want{{e9, 333_333_333, e9}},
		},
		{
			// alpha_in = alpha_emission when A = 0 (price 0) or T = 0.
			name:    "empty reserves",
			subnets: []sn{{t: 5e11, a: 0, mp: one / 2}, {t: 0, a: e12, mp: one / 2}, {t: 0, a: 0, mp: one / 2}},
			want:    []want{{333_333_333, e9, e9}, {333_333_333, e9, e9}, {333_333_333, e9, e9}},
		},
		{
			// Every moving price 0: sum 0 -> nothing minted; alpha_in = floor(0 * A/T) = 0; the
			// alpha emission still goes out.
			name:    "all moving prices zero",
			subnets: []sn{{t: e12, a: e12}, {t: e12, a: e12}},
			want:    []want{{0, 0, e9}, {0, 0, e9}},
		},
		{
			// Registration disallowed on 2: its alpha_in is computed from the share it would have
			// had (5e8 at price 1), then tao_in := 0 (9.3). Its share is not given to subnet 1.
			name:    "registration disallowed",
			subnets: []sn{{t: e12, a: e12, mp: one}, {t: e12, a: e12, mp: one, noReg: true}},
			want:    []want{{5e8, 5e8, e9}, {0, 5e8, e9}},
		},
		{
			// Issuance at the cap: E = 0, tao_in 0, alpha_in = floor(0 * A/T) = 0; alpha emission
			// follows the alpha issuance, still 1e9.
			name:     "TAO issuance at the cap",
			issuance: capC,
			subnets:  []sn{{t: e12, a: e12, mp: one}},
			want:     []want{{0, 0, e9}},
		},
		{
			// spot_price rule: s = T/A, unclamped, 0 when A = 0. Prices 2, 1/3, 0: sum 7/3;
			// floor(1e9 * 2 / (7/3)) = floor(6e9/7) = 857,142,857; floor(1e9/7) = 142,857,142.
			// alpha_in: floor(857,142,857 * 1e12/2e12) = 428,571,428; floor(142,857,142 * 3) = 428,571,426.
			name:    "spot price share",
			mutate:  func(p *dtaod.Params) { p.EmissionShare = dtaod.ShareSpotPrice },
			subnets: []sn{{t: 2 * e12, a: e12}, {t: e12, a: 3 * e12}, {t: 5e11, a: 0, mp: one}},
			want:    []want{{857_142_857, 428_571_428, e9}, {142_857_142, 428_571_426, e9}, {0, e9, e9}},
		},
		{
			// tao_reserve rule: s = T. 3e12 and 1e12 -> 7.5e8 and 2.5e8.
			name:    "tao reserve share",
			mutate:  func(p *dtaod.Params) { p.EmissionShare = dtaod.ShareTAOReserve },
			subnets: []sn{{t: 3 * e12, a: 3 * e12}, {t: e12, a: e12}},
			want:    []want{{75e7, 75e7, e9}, {25e7, 25e7, e9}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dtaod.DefaultParams()
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			st := netState(0, tc.issuance, tc.subnets...)
			before := st.Clone()
			runCoinbase(t, st, &p)
			var minted uint64
			for i, w := range tc.want {
				s, b := st.Subnets[i], before.Subnets[i]
				if uint64(s.LastTAOInEmission) != w.taoIn || uint64(s.LastAlphaInEmission) != w.alphaIn || uint64(s.LastAlphaOutEmission) != w.alphaOut {
					t.Errorf("netuid %d: tao_in %d alpha_in %d alpha_out %d; want %+v", s.NetUID, s.LastTAOInEmission, s.LastAlphaInEmission, s.LastAlphaOutEmission, w)
				}
				if uint64(s.TAOIn-b.TAOIn) != w.taoIn || uint64(s.AlphaIn-b.AlphaIn) != w.alphaIn || uint64(s.AlphaOut-b.AlphaOut) != w.alphaOut {
					t.Errorf("netuid %d: reserves moved by %d/%d/%d; want %+v", s.NetUID, s.TAOIn-b.TAOIn, s.AlphaIn-b.AlphaIn, s.AlphaOut-b.AlphaOut, w)
				}
				// No root TAO: nothing sold; the owner cut is floor(0.18 * alpha_out), the rest pending.
				owner := w.alphaOut * 18 / 100
				if uint64(s.PendingOwnerCut) != owner || uint64(s.PendingAlpha) != w.alphaOut-owner || s.PendingRootAlpha != 0 {
					t.Errorf("netuid %d: pending owner %d alpha %d root %d", s.NetUID, s.PendingOwnerCut, s.PendingAlpha, s.PendingRootAlpha)
				}
				minted += w.taoIn
			}
			if uint64(st.TotalIssuance)-tc.issuance != minted {
				t.Errorf("total issuance grew by %d, want %d", uint64(st.TotalIssuance)-tc.issuance, minted)
			}
		})
	}
}

func TestCoinbaseOwnerCut(t *testing.T) {
	cases := []struct {
		name       string
		emission   dtaod.TAO
		cut        dtaod.Fixed
		wantOwner  uint64
		wantAlphaP uint64
	}{
		{"18% of 1 alpha", e9, 18 * one / 100, 180_000_000, 820_000_000},
		// floor(999,999,999 * 0.18) = floor(179,999,999.82) = 179,999,999.
		{"18% floors", 999_999_999, 18 * one / 100, 179_999_999, 820_000_000},
		// The chain's test_owner_cut_base: cut 0 -> nothing; full cut -> the whole 1e9.
		{"chain: no cut", e9, 0, 0, e9},
		{"chain: full cut", e9, one, e9, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dtaod.DefaultParams()
			p.BlockEmission, p.OwnerCut = tc.emission, tc.cut
			st := netState(0, 0, sn{t: e12, a: e12, mp: one})
			runCoinbase(t, st, &p)
			s := st.Subnets[0]
			if uint64(s.PendingOwnerCut) != tc.wantOwner || uint64(s.LastOwnerCut) != tc.wantOwner || uint64(s.PendingAlpha) != tc.wantAlphaP {
				t.Fatalf("owner %d (last %d) pending alpha %d; want %d, %d", s.PendingOwnerCut, s.LastOwnerCut, s.PendingAlpha, tc.wantOwner, tc.wantAlphaP)
			}
		})
	}
}

func TestCoinbaseRootDividends(t *testing.T) {
	type want struct {
		rootAlpha, taoOut, pendingAlpha uint64
		pool                            [2]uint64
		alphaOut                        uint64
		mp                              dtaod.Fixed
	}
	cases := []struct {
		name   string
		mutate func(*dtaod.Params)
		root   uint64
		subnet sn
		want   want
	}{
		{
			// tw 0.18, R = 1e15, T = A = 1e12, alpha_out 5e11, mp 0.1 (single subnet: tao_in = E).
			// Injection: tao_in 1e9, alpha_in floor(1e9 * 1) = 1e9, alpha_out 1e9 ->
			// T = A = 1.001e12, O = 5.01e11, issuance I = 1,502,000,000,000.
			// owner = 1.8e8, rest = 8.2e8. root_alpha = floor(0.18e15 * 8.2e8 / (2 * (0.18e15 + I)))
			// = floor(1.476e23 / 363,004,000,000,000) = 406,607,089.
			// Sale (no fee): T left = ceil(1.001e12^2 / (1.001e12 + 406,607,089)) = 1,000,593,558,009;
			// TAO out = 406,441,991. Pending alpha = 8.2e8 - 406,607,089 = 413,392,911.
			// mp = floor18(3e-6 * T/A + (1 - 3e-6) * 0.1) with T/A = 1,000,593,558,009 /
			// 1,001,406,607,089 -> 100,002,697,564,278,862.
			name:   "tw 0.18",
			root:   1e15,
			subnet: sn{t: e12, a: e12, out: 5e11, mp: one / 10},
			want: want{406_607_089, 406_441_991, 413_392_911, [2]uint64{1_000_593_558_009, 1_001_406_607_089},
				500_593_392_911, 100_002_697_564_278_862},
		},
		{
			// The chain's test_pending_swapped: tw = 1, R = 1e9, owner cut 0, alpha issuance after
			// injection 3e9 (A = 1e9, O = 1e9 + 1e9; mp 0 so tao_in = alpha_in = 0):
			// root_alpha = floor(1e9 * 1e9 / (2 * (1e9 + 3e9))) = 125,000,000; pending 875,000,000.
			// Our pool (T = 1e12) sells it for 1e12 - ceil(1e21 / 1.125e9) = 111,111,111,111.
			// mp = floor18(3e-6 * 1) = 3e12 (price 888,888,888,889/1.125e9 clamps to 1).
			name:   "chain pending swapped",
			mutate: func(p *dtaod.Params) { p.TAOWeight, p.OwnerCut = one, 0 },
			root:   e9,
			subnet: sn{t: e12, a: e9, out: e9},
			want:   want{125_000_000, 111_111_111_111, 875_000_000, [2]uint64{888_888_888_889, 1_125_000_000}, 2e9 - 125_000_000, 3e12},
		},
		{
			// R = 0: nothing sold; all 8.2e8 pending. T = A = 1.001e12; mp = floor18(3e-6 + (1-3e-6)*0.1)
			// = 0.1 + 2.7e-6 = 100,002,700,000,000,000.
			name:   "no root stake",
			subnet: sn{t: e12, a: e12, out: 5e11, mp: one / 10},
			want:   want{0, 0, 820_000_000, [2]uint64{1_001_000_000_000, 1_001_000_000_000}, 501_000_000_000, 100_002_700_000_000_000},
		},
		{
			// tao_weight 0: root_proportion 0, nothing sold.
			name:   "tao weight 0",
			mutate: func(p *dtaod.Params) { p.TAOWeight = 0 },
			root:   1e15,
			subnet: sn{t: e12, a: e12, out: 5e11, mp: one / 10},
			want:   want{0, 0, 820_000_000, [2]uint64{1_001_000_000_000, 1_001_000_000_000}, 501_000_000_000, 100_002_700_000_000_000},
		},
		{
			// T = min_pool_liquidity and mp 0 (no TAO injected): any sale would take T below 1e7, so
			// nothing is sold and the root alpha stays pending alpha (9.4). alpha_in = floor(0) = 0.
			name:   "min liquidity skip",
			root:   1e15,
			subnet: sn{t: 10_000_000, a: e9, out: e9},
			want:   want{0, 0, 820_000_000, [2]uint64{10_000_000, e9}, 2e9, 30_000_000_000},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dtaod.DefaultParams()
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			st := netState(tc.root, 0, tc.subnet)
			runCoinbase(t, st, &p)
			s := st.Subnets[0]
			w := tc.want
			if uint64(s.PendingRootAlpha) != w.rootAlpha || uint64(s.PendingRootTAO) != w.taoOut || uint64(s.LastRootDivsTAO) != w.taoOut {
				t.Errorf("root alpha %d, TAO %d (last %d); want %d, %d", s.PendingRootAlpha, s.PendingRootTAO, s.LastRootDivsTAO, w.rootAlpha, w.taoOut)
			}
			if uint64(s.PendingAlpha) != w.pendingAlpha {
				t.Errorf("pending alpha %d, want %d", s.PendingAlpha, w.pendingAlpha)
			}
			if got := [2]uint64{uint64(s.TAOIn), uint64(s.AlphaIn)}; got != w.pool {
				t.Errorf("pool %v, want %v", got, w.pool)
			}
			if uint64(s.AlphaOut) != w.alphaOut {
				t.Errorf("alpha_out %d, want %d", s.AlphaOut, w.alphaOut)
			}
			if s.MovingPrice != w.mp {
				t.Errorf("moving price %d, want %d", s.MovingPrice, w.mp)
			}
		})
	}
}

// rootAlpha's wide path: tw = 1, R = 2^63, I = 2^63 overflow the 64-bit denominator;
// floor(2^63 * 1e9 / (2 * 2^64)) = 1e9/4.
func TestRootAlphaWide(t *testing.T) {
	if got := rootAlpha(1<<63, e9, 1<<63, 1, 1); got != 250_000_000 {
		t.Fatalf("got %d", got)
	}
	rapid.Check(t, func(t *rapid.T) {
		r := rapid.Uint64().Draw(t, "r")
		x := rapid.Uint64().Draw(t, "x")
		iss := rapid.Uint64().Draw(t, "iss")
		tw := rapid.Uint64Range(0, one).Draw(t, "tw")
		n, d := reduce(tw, one)
		got := rootAlpha(r, x, iss, n, d)
		// floor(tw*R*x / (2*(tw*R + I))) with tw = tw18/1e18, exactly.
		num := new(big.Int).Mul(bu(tw), bu(r))
		den := new(big.Int).Add(new(big.Int).Set(num), new(big.Int).Mul(bu(iss), bu(one)))
		den.Lsh(den, 1)
		num.Mul(num, bu(x))
		want := uint64(0)
		if den.Sign() > 0 {
			want = new(big.Int).Quo(num, den).Uint64()
		}
		if got != want {
			t.Fatalf("rootAlpha(%d, %d, %d, %d/%d) = %d, want %d", r, x, iss, n, d, got, want)
		}
	})
}

func TestMovingPrice(t *testing.T) {
	def := dtaod.DefaultParams() // alpha 3e-6 = 3,000,000,000,000 units
	withAlpha := func(a dtaod.Fixed, h uint64) dtaod.Params {
		p := def
		p.MovingPriceAlpha, p.MovingPriceHalvingBlocks = a, h
		return p
	}
	cases := []struct {
		name string
		p    dtaod.Params
		mp   dtaod.Fixed
		t, a uint64
		b    uint64
		want dtaod.Fixed
	}{
		{"price 1 from 0", def, 0, 1, 1, 0, 3_000_000_000_000},
		// 3e-6 * 0.5 + (1 - 3e-6) * 0.2 = 1.5e-6 + 0.2 - 6e-7 = 0.2000009 exactly.
		{"price 0.5 from 0.2", def, 2e17, 1, 2, 0, 200_000_900_000_000_000},
		// 3e-6/7 = 428,571,428,571.43 units -> floor.
		{"floor18", def, 0, 1, 7, 0, 428_571_428_571},
		// Carry between the two floors: 0.5 * 1/3 + 0.5 * 1e-18 = (1e18/6 + 0.5) units =
		// 166,666,666,666,666,667.17 -> 166,666,666,666,666,667 (flooring each term gives ...666).
		{"carry", withAlpha(one/2, 0), 1, 1, 3, 0, 166_666_666_666_666_667},
		{"clamp at 1 from 0", def, 0, 5, 1, 0, 3_000_000_000_000},
		{"clamp at 1 from 1", def, one, 2, 1, 0, one},
		// A = 0 -> price 0: (1 - 3e-6) * 0.5 = 0.4999985.
		{"A = 0", def, one / 2, 100, 0, 0, 499_998_500_000_000_000},
		{"alpha 0", withAlpha(0, 0), 123, 1, 3, 0, 123},
		{"alpha 1", withAlpha(one, 0), 7e17, 1, 3, 0, 333_333_333_333_333_333},
		// A scenario may start a moving price above 1: 3e-6 + (1 - 3e-6) * 2 = 1.999997.
		{"mp above 1", def, 2 * one, 1, 1, 0, 1_999_997_000_000_000_000},
		// Ramp: a = 0.5 * b/(b + h). The chain's test_update_moving_price_initial (alpha 0.5,
		// 10 blocks after registration, price 1, from 0) asserts < 0.001; with h = 201,600 (the
		// chain's default halving blocks): floor(5e17 * 10 / 201,610) = 24,800,357,125,142.
		{"chain ramp initial", withAlpha(one/2, 201_600), 0, 1, 1, 10, 24_800_357_125_142},
		// The chain's test_update_moving_price_after_time: b = 144,000,000 -> |mp - 0.5| < 0.001;
		// exactly floor(5e17 * 144e6 / 144,201,600) = 499,300,978,629,918,114.
		{"chain ramp after time", withAlpha(one/2, 201_600), 0, 1, 1, 144_000_000, 499_300_978_629_918_114},
		{"ramp at b = 0", withAlpha(one/2, 201_600), 123_456, 1, 1, 0, 123_456},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := MovingPrice(&tc.p, tc.mp, dtaod.TAO(tc.t), dtaod.Alpha(tc.a), tc.b); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// The chain's test_coinbase_moving_prices: alpha 0.1 with the ramp 28 days after registration
// (b = 7,200*28 - 1 = 201,599, h = 201,600: a = 0.1 * 201,599/403,199 ~ 0.05), price 1, 14
// updates from 0 -> about 0.512325 (|diff| < 0.001 in the chain). Floor18 after each update
// gives exactly 512,324,129,662,609,002 (computed step by step with rationals).
func TestMovingPriceChainConvergence(t *testing.T) {
	p := dtaod.DefaultParams()
	p.MovingPriceAlpha, p.MovingPriceHalvingBlocks = one/10, 201_600
	var mp dtaod.Fixed
	for i := 0; i < 14; i++ {
		mp = MovingPrice(&p, mp, e9, e9, 201_599)
	}
	if mp != 512_324_129_662_609_002 {
		t.Fatalf("got %d", mp)
	}
}

// After many blocks at a constant price p < 1 the moving price approaches p monotonically: from
// below it rises and stays <= p, ending within 1/a units (the floor's fixed point: a*(p - mp) < 1
// unit); from above it falls to exactly p.
func TestMovingPriceConverges(t *testing.T) {
	for _, a := range []dtaod.Fixed{one / 10, one / 3, 3_000_000_000_000} {
		p := dtaod.DefaultParams()
		p.MovingPriceAlpha = a
		const target = one / 4 // T/A = 1/4
		steps := 2000
		if a < one/100 {
			steps = 20000
		}
		bound := dtaod.Fixed(one / uint64(a)) // 1/a in units
		for _, start := range []dtaod.Fixed{0, one / 8, one, 2 * one} {
			mp := start
			for i := 0; i < steps; i++ {
				next := MovingPrice(&p, mp, 1, 4, 0)
				if start < target && (next < mp || next > target) {
					t.Fatalf("a=%d from %d: step %d went %d -> %d", a, start, i, mp, next)
				}
				if start > target && (next > mp || next < target) {
					t.Fatalf("a=%d from %d: step %d went %d -> %d", a, start, i, mp, next)
				}
				mp = next
			}
			if a >= one/100 {
				if start < target && target-mp > bound {
					t.Fatalf("a=%d from %d: ended at %d, %d units short", a, start, mp, target-mp)
				}
				if start > target && mp != target {
					t.Fatalf("a=%d from %d: ended at %d", a, start, mp)
				}
			} else if start < target && mp <= start || start > target && mp >= start {
				t.Fatalf("a=%d from %d: did not move toward p: %d", a, start, mp)
			}
		}
	}
}

// refMovingPrice is spec 9.2 in math/big rationals: floor((a*min(T/A,1) + (1-a)*mp) * 1e18) with
// a = alpha * b/(b+h) (h > 0) or alpha.
func refMovingPrice(alpha, mp, t, a, b, h uint64) uint64 {
	price := new(big.Rat)
	if a != 0 {
		price.SetFrac(bu(t), bu(a))
		if price.Cmp(big.NewRat(1, 1)) > 0 {
			price.SetInt64(1)
		}
	}
	ar := new(big.Rat).SetFrac(bu(alpha), bu(one))
	if h != 0 {
		ar.Mul(ar, new(big.Rat).SetFrac(bu(b), new(big.Int).Add(bu(b), bu(h))))
	}
	v := new(big.Rat).Mul(ar, price)
	rest := new(big.Rat).Sub(big.NewRat(1, 1), ar)
	rest.Mul(rest, new(big.Rat).SetFrac(bu(mp), bu(one)))
	v.Add(v, rest)
	v.Mul(v, new(big.Rat).SetInt(bu(one)))
	return new(big.Int).Quo(v.Num(), v.Denom()).Uint64()
}

func TestMovingPriceMatchesBigReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := dtaod.DefaultParams()
		alpha := rapid.OneOf(rapid.Uint64Range(0, one), rapid.SampledFrom([]uint64{0, 1, one - 1, one, 3_000_000_000_000})).Draw(t, "alpha")
		mp := rapid.OneOf(rapid.Uint64Range(0, one), rapid.Uint64(), rapid.Uint64Range(0, 10)).Draw(t, "mp")
		tt := rapid.OneOf(rapid.Uint64(), rapid.Uint64Range(0, 1e15)).Draw(t, "t")
		a := rapid.OneOf(rapid.Uint64(), rapid.Uint64Range(0, 1e15)).Draw(t, "a")
		h := rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(1, 1e7), rapid.Uint64()).Draw(t, "h")
		b := rapid.OneOf(rapid.Uint64Range(0, 1e7), rapid.Uint64()).Draw(t, "b")
		p.MovingPriceAlpha, p.MovingPriceHalvingBlocks = dtaod.Fixed(alpha), h
		got := MovingPrice(&p, dtaod.Fixed(mp), dtaod.TAO(tt), dtaod.Alpha(a), b)
		if want := refMovingPrice(alpha, mp, tt, a, b, h); uint64(got) != want {
			t.Fatalf("MovingPrice(alpha %d, mp %d, %d/%d, b %d, h %d) = %d, want %d", alpha, mp, tt, a, b, h, got, want)
		}
	})
}

// The coinbase feeds the moving price T/A after injection and the root sale, and the ramp's b is
// the block minus RegisteredAt.
func TestCoinbaseMovingPriceRamp(t *testing.T) {
	p := dtaod.DefaultParams()
	p.MovingPriceAlpha, p.MovingPriceHalvingBlocks = one/2, 90
	st := netState(0, 0, sn{t: e12, a: e12, mp: 0})
	st.Subnets[0].RegisteredAt = 0
	var sc Scratch
	// Block 10: a = 0.5 * 10/100 = 0.05; price after injection 1 -> mp = 0.05.
	if _, err := Coinbase(st, &p, 10, &sc); err != nil {
		t.Fatal(err)
	}
	if mp := st.Subnets[0].MovingPrice; mp != one/20 {
		t.Fatalf("mp %d", mp)
	}
	// Registered at 10, block 10: b = 0 -> a = 0, mp unchanged.
	st.Subnets[0].RegisteredAt = 10
	if _, err := Coinbase(st, &p, 10, &sc); err != nil {
		t.Fatal(err)
	}
	if mp := st.Subnets[0].MovingPrice; mp != one/20 {
		t.Fatalf("mp %d", mp)
	}
}
