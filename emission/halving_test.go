package emission

import (
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// Spec 9.1: for issuance I and cap C, emission is 0 if I >= C, else block_emission >> k with k the
// largest integer such that 2^k * (C - I) <= C. With C = 21e15 rao: k = 0 below 10.5e15, 1 from
// 10.5e15 (2*(C-I) = C exactly), 2 from 15.75e15, 3 from 18.375e15, ...
func TestBlockEmission(t *testing.T) {
	const C = 21_000_000_000_000_000
	def := dtaod.DefaultParams()
	none := def
	none.Halving = dtaod.HalvingNone
	big := def // a large block emission makes deep halvings visible: 2^63 >> k
	big.BlockEmission = 1 << 63
	full := def // the whole u64 range as the cap
	full.TotalSupply = ^dtaod.TAO(0)
	full.BlockEmission = 1 << 63
	zeroCap := def
	zeroCap.TotalSupply = 0
	cases := []struct {
		name string
		p    dtaod.Params
		i    uint64
		want uint64
	}{
		{"0", def, 0, 1e9},
		{"1 rao", def, 1, 1e9},
		{"just below 10.5M", def, C/2 - 1, 1e9},            // 2*(C/2+1) > C: k = 0
		{"at 10.5M", def, C / 2, 500_000_000},              // 2*(C/2) = C: k = 1
		{"just above 10.5M", def, C/2 + 1, 500_000_000},    // k = 1
		{"just below 15.75M", def, C/4*3 - 1, 500_000_000}, // 4*(C/4+1) > C: k = 1
		{"at 15.75M", def, C / 4 * 3, 250_000_000},
		{"just below 18.375M", def, C/8*7 - 1, 250_000_000},
		{"at 18.375M", def, C / 8 * 7, 125_000_000},
		{"at 19.6875M", def, C / 16 * 15, 62_500_000},
		// C - I = 1: k = floor(log2(21e15)) = 54 (2^54 = 1.8e16 <= 2.1e16 < 2^55): 1e9 >> 54 = 0.
		{"1 rao below the cap", def, C - 1, 0},
		{"1 rao below the cap, 2^63 emission", big, C - 1, 1 << 9}, // 2^63 >> 54
		{"at the cap", def, C, 0},
		{"past the cap", def, C + 1, 0},
		{"far past the cap", def, 22_000_000_000_000_000, 0},
		{"u64 max", def, ^uint64(0), 0},
		{"none: 0", none, 0, 1e9},
		{"none: 18.375M", none, C / 8 * 7, 1e9},
		{"none: 1 rao below the cap", none, C - 1, 1e9},
		{"none: at the cap", none, C, 0},
		{"none: past the cap", none, C + 5, 0},
		// Cap 2^64-1: I = cap - 1 gives k = 63 (2^63 <= 2^64-1 < 2^64): 2^63 >> 63 = 1.
		{"cap u64 max, 1 below", full, ^uint64(0) - 1, 1},
		{"cap u64 max, half", full, 1 << 63, 1 << 62}, // C - I = 2^63 - 1: 2*(2^63-1) <= C, 4*(...) > C
		{"cap 0", zeroCap, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := BlockEmission(&tc.p, tc.i); got != tc.want {
				t.Fatalf("BlockEmission(%d) = %d, want %d", tc.i, got, tc.want)
			}
		})
	}
}

// The same rule on a subnet's alpha issuance (alpha_in + alpha_out before the block) gives its
// alpha emission; TAO issuance (total_issuance) gives the TAO emission. Checked through the
// coinbase, which records both.
func TestAlphaEmissionFollowsAlphaIssuance(t *testing.T) {
	const C = 21_000_000_000_000_000
	cases := []struct {
		name       string
		alphaIn    uint64
		alphaOut   uint64
		issuance   uint64 // TAO
		wantAlpha  uint64
		wantTAOEmi uint64
	}{
		{"both fresh", 1e12, 0, 0, 1e9, 1e9},
		{"alpha at 10.5M", 1e12, C/2 - 1e12, 0, 5e8, 1e9},
		{"alpha just below 10.5M", 1e12, C/2 - 1e12 - 1, 0, 1e9, 1e9},
		{"alpha at 15.75M, TAO at 10.5M", 1e12, C/4*3 - 1e12, C / 2, 2.5e8, 5e8},
		{"alpha at 18.375M, TAO at 18.375M", 1e12, C/8*7 - 1e12, C / 8 * 7, 1.25e8, 1.25e8},
		// The chain's test_coinbase_alpha_issuance_with_cap_trigger_and_block_emission: alpha_out
		// of 22M (past the cap) -> no alpha emission at all.
		{"alpha past the cap", 1e12, 22_000_000_000_000_000, 0, 0, 1e9},
		{"TAO at the cap", 1e12, 0, C, 1e9, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dtaod.DefaultParams()
			st := pools.NewState()
			st.TotalIssuance = dtaod.TAO(tc.issuance)
			s := &pools.Subnet{NetUID: 1, TAOIn: 1e12, AlphaIn: dtaod.Alpha(tc.alphaIn), AlphaOut: dtaod.Alpha(tc.alphaOut),
				UnnamedStake: dtaod.Alpha(tc.alphaOut), MovingPrice: 1e17, RegistrationAllowed: true}
			st.AddSubnet(s)
			st.Seal()
			var sc Scratch
			e, err := Coinbase(st, &p, 1, &sc)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(e) != tc.wantTAOEmi || uint64(s.LastTAOInEmission) != tc.wantTAOEmi {
				t.Fatalf("TAO emission %d (tao_in %d), want %d", e, s.LastTAOInEmission, tc.wantTAOEmi)
			}
			if uint64(s.LastAlphaOutEmission) != tc.wantAlpha {
				t.Fatalf("alpha emission %d, want %d", s.LastAlphaOutEmission, tc.wantAlpha)
			}
			if err := st.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
