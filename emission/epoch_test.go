package emission

import (
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// The fallback epoch (spec 6.8, 7, 9.6). Chain tests of pallets/subtensor/src/tests/coinbase.rs
// (drain_pending_emission) are named where the rule is the same; their assertions are "close
// within 10 rao", ours are exact, with the floors of 9.6 worked out in the comments.

// IsEpochBlock against the chain's blocks_until_next_epoch(netuid, tempo, block) =
// tempo - (block + netuid + 1) % (tempo + 1): the epoch runs when it is 0.
func TestIsEpochBlock(t *testing.T) {
	cases := []struct {
		netuid dtaod.NetUID
		tempo  uint16
		block  dtaod.Block
		until  uint64 // the chain's blocks_until_next_epoch
	}{
		// test_blocks_until_epoch (pallets/subtensor/src/tests/block_step.rs).
		{0, 1, 0, 0}, {1, 1, 0, 1}, {0, 1, 1, 1}, {1, 1, 1, 0}, {0, 1, 2, 0}, {1, 1, 2, 1},
		// test_blocks_until_next_epoch (networks tests).
		{0, 2, 0, 1}, {1, 2, 0, 0}, {0, 100, 0, 99}, {1, 100, 0, 98},
		// tempo 360, netuid 1: (n + 2) mod 361 == 360 at n = 358, 719, 1080, ...
		{1, 360, 0, 358}, {1, 360, 358, 0}, {1, 360, 359, 360}, {1, 360, 719, 0}, {1, 360, 1080, 0},
	}
	for _, tc := range cases {
		if got := IsEpochBlock(tc.block, tc.netuid, tc.tempo); got != (tc.until == 0) {
			t.Errorf("IsEpochBlock(%d, %d, %d) = %v; the chain says %d blocks until the epoch", tc.block, tc.netuid, tc.tempo, got, tc.until)
		}
		if !IsEpochBlock(tc.block+dtaod.Block(tc.until), tc.netuid, tc.tempo) {
			t.Errorf("netuid %d tempo %d: no epoch at block %d", tc.netuid, tc.tempo, tc.block+dtaod.Block(tc.until))
		}
		for j := uint64(0); j < tc.until; j++ {
			if IsEpochBlock(tc.block+dtaod.Block(j), tc.netuid, tc.tempo) {
				t.Errorf("netuid %d tempo %d: epoch at block %d, before the chain's", tc.netuid, tc.tempo, tc.block+dtaod.Block(j))
			}
		}
	}
	// tempo 360, netuid 1: exactly the blocks 358 + 361k.
	for n := dtaod.Block(0); n < 5000; n++ {
		if got, want := IsEpochBlock(n, 1, 360), n >= 358 && (n-358)%361 == 0; got != want {
			t.Fatalf("block %d: %v, want %v", n, got, want)
		}
	}
	// The chain's general case for tempo 1..29, netuid 0..29, and tempo 0 never.
	for netuid := dtaod.NetUID(0); netuid < 30; netuid++ {
		for b := dtaod.Block(0); b < 100; b++ {
			if IsEpochBlock(b, netuid, 0) {
				t.Fatalf("tempo 0 ran an epoch at block %d netuid %d", b, netuid)
			}
			for tempo := uint16(1); tempo < 30; tempo++ {
				until := uint64(tempo) - (uint64(b)+uint64(netuid)+1)%(uint64(tempo)+1)
				if IsEpochBlock(b, netuid, tempo) != (until == 0) {
					t.Fatalf("block %d netuid %d tempo %d", b, netuid, tempo)
				}
			}
		}
	}
}

type stk struct {
	ck, hk string
	n      dtaod.NetUID
	v      uint64
}

type pending struct {
	alpha, rootAlpha, owner uint64
	rootTAO                 uint64
}

// epochState is netuid 1 (T = A = 1e12) with the given neurons, stakes and pending amounts;
// alpha_out and root TAO are exactly what is listed, so Check holds.
func epochState(neurons []pools.Neuron, stakes []stk, pd pending, ownerCK, ownerHK string) (*pools.State, *pools.Subnet) {
	st := pools.NewState()
	s := &pools.Subnet{NetUID: 1, TAOIn: e12, AlphaIn: e12, Tempo: 360, RegistrationAllowed: true, OwnerColdkey: ownerCK, OwnerHotkey: ownerHK,
		Neurons: neurons, PendingAlpha: dtaod.Alpha(pd.alpha), PendingRootAlpha: dtaod.Alpha(pd.rootAlpha),
		PendingOwnerCut: dtaod.Alpha(pd.owner), PendingRootTAO: dtaod.TAO(pd.rootTAO)}
	s.AlphaOut = dtaod.Alpha(pd.alpha + pd.owner)
	st.AddSubnet(s)
	for _, k := range stakes {
		st.CreditStake(k.ck, k.hk, k.n, k.v)
		if k.n == dtaod.Root {
			st.RootTAO += dtaod.TAO(k.v)
		} else {
			s.AlphaOut += dtaod.Alpha(k.v)
		}
	}
	st.TotalIssuance = st.RootTAO + s.TAOIn + s.PendingRootTAO
	st.Seal()
	if err := st.Check(); err != nil {
		panic(err)
	}
	return st, s
}

func TestEpochFallback(t *testing.T) {
	v1 := pools.Neuron{Hotkey: "v1", Coldkey: "c1"}
	v2 := pools.Neuron{Hotkey: "v2", Coldkey: "c2"}
	type want struct {
		stakes        []stk // expected stake of (ck, hk, n) after
		alphaPaid     uint64
		rootPaid      uint64
		ownerPaid     uint64
		undistributed int64
		burned        uint64
	}
	cases := []struct {
		name    string
		mutate  func(*dtaod.Params)
		neurons []pools.Neuron
		stakes  []stk
		pd      pending
		owner   [2]string
		w       want
	}{
		{
			// The chain's test_drain_base_with_subnet_with_single_staker_registered: the only
			// registered staker gets all 1e9 (take 1.8e8 to its own coldkey, then 8.2e8 to its
			// shares, which are all its own): 2e9 exactly.
			name:    "one registered staker",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}},
			pd:      pending{alpha: e9},
			w:       want{stakes: []stk{{"c1", "v1", 1, 2 * e9}}, alphaPaid: e9},
		},
		{
			// The chain's test_drain_base_with_subnet_with_single_staker_not_registered: nothing is
			// paid to an unregistered staker; all pending alpha is undistributed and the pending
			// root TAO (5e8) is burned from total issuance.
			name:   "nobody registered",
			stakes: []stk{{"c1", "v1", 1, e9}},
			pd:     pending{alpha: e9, rootAlpha: 3e8, rootTAO: 5e8},
			w:      want{stakes: []stk{{"c1", "v1", 1, e9}}, undistributed: e9, burned: 5e8},
		},
		{
			// Registered but with no stake anywhere: W = 0, nothing paid.
			name:    "registered without stake",
			neurons: []pools.Neuron{v1},
			pd:      pending{alpha: e9, rootTAO: 7},
			w:       want{undistributed: e9, burned: 7},
		},
		{
			// The chain's test_drain_base_with_subnet_with_two_stakers_registered: equal stakes
			// split 1e9 in half.
			name:    "two equal stakers",
			neurons: []pools.Neuron{v1, v2},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"c2", "v2", 1, e9}},
			pd:      pending{alpha: e9},
			w:       want{stakes: []stk{{"c1", "v1", 1, 1.5e9}, {"c2", "v2", 1, 1.5e9}}, alphaPaid: e9},
		},
		{
			// Weights alpha + 0.18 * root: w1 = 1e9, w2 = 5e8 + 0.18 * 5e9 = 1.4e9, W = 2.4e9.
			// A = 7.5e8 + 4.5e8 = 1.2e9: d1 = 5e8, d2 = 7e8. Root parts: q1 = 0,
			// q2 = floor(7e8 * 9e8/1.4e9) = 4.5e8, a2 = 2.5e8. P = 3e8: t2 = 3e8.
			// v1 (all c1's): 1e9 + 5e8. v2 on netuid 1: c2 2e8 + n2 3e8; take floor(2.5e8*0.18) =
			// 4.5e7 to c2 first (2.45e8), then 2.05e8 to all shares: value 7.5e8,
			// c2 = floor(7.5e8 * 2.45e8/5.45e8) = 337,155,963, n2 = floor(7.5e8 * 3e8/5.45e8) = 412,844,036.
			// v2 on root: n2 5e9; take 5.4e7 to c2, then 2.46e8: value 5.3e9,
			// c2 = floor(5.3e9 * 5.4e7/5.054e9) = 56,628,413, n2 = floor(5.3e9 * 5e9/5.054e9) = 5,243,371,586.
			// Alpha paid 5e8 + 2.5e8 = 7.5e8 = pending alpha: undistributed 0.
			name:    "two stakers with root, take to the neuron's coldkey first",
			neurons: []pools.Neuron{v1, v2},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"c2", "v2", 1, 2e8}, {"n2", "v2", 1, 3e8}, {"n2", "v2", 0, 5e9}},
			pd:      pending{alpha: 7.5e8, rootAlpha: 4.5e8, rootTAO: 3e8},
			w: want{stakes: []stk{{"c1", "v1", 1, 1.5e9}, {"c2", "v2", 1, 337_155_963}, {"n2", "v2", 1, 412_844_036},
				{"c2", "v2", 0, 56_628_413}, {"n2", "v2", 0, 5_243_371_586}}, alphaPaid: 7.5e8, rootPaid: 3e8},
		},
		{
			// As above with less pending alpha and more root alpha (same A): paid 7.5e8 > pending
			// 5e8, undistributed -2.5e8 (alpha_out grows by 2.5e8).
			name:    "undistributed negative",
			neurons: []pools.Neuron{v1, v2},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"c2", "v2", 1, 2e8}, {"n2", "v2", 1, 3e8}, {"n2", "v2", 0, 5e9}},
			pd:      pending{alpha: 5e8, rootAlpha: 7e8, rootTAO: 3e8},
			w:       want{stakes: []stk{{"c1", "v1", 1, 1.5e9}, {"c2", "v2", 1, 337_155_963}}, alphaPaid: 7.5e8, rootPaid: 3e8, undistributed: -2.5e8},
		},
		{
			// Same A from pending alpha only: the root part q2 = 4.5e8 has no alpha behind it in
			// alpha, so 4.5e8 stays undistributed (positive).
			name:    "undistributed positive",
			neurons: []pools.Neuron{v1, v2},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"c2", "v2", 1, 2e8}, {"n2", "v2", 1, 3e8}, {"n2", "v2", 0, 5e9}},
			pd:      pending{alpha: 1.2e9, rootTAO: 3e8},
			w:       want{stakes: []stk{{"c1", "v1", 1, 1.5e9}}, alphaPaid: 7.5e8, rootPaid: 3e8, undistributed: 4.5e8},
		},
		{
			// The chain's ..._two_stakers_registered_and_root_different_amounts_half_tao_weight,
			// take 0, tw 0.5: w1 = 1e9 + 0.5*2e9 = 2e9, w2 = 1e9 + 0.5*1e9 = 1.5e9, W = 3.5e9.
			// d1 = floor(1e9 * 2/3.5) = 571,428,571; d2 = floor(1e9 * 1.5/3.5) = 428,571,428.
			// q1 = floor(571,428,571 * 1e9/2e9) = 285,714,285 -> a1 = 285,714,286;
			// q2 = floor(428,571,428 * 0.5e9/1.5e9) = 142,857,142 -> a2 = 285,714,286.
			// t1 = floor(1e9 * 285,714,285/428,571,427) = 666,666,667; t2 = floor(1e9 *
			// 142,857,142/428,571,427) = 333,333,332; 1 rao nobody is paid is burned.
			// (The chain: alpha +1e9*0.5714285714/2 and +1e9*0.4285714286*2/3, root +2/3 and +1/3 of 1e9.)
			name:    "chain half tao weight",
			mutate:  func(p *dtaod.Params) { p.TAOWeight, p.ValidatorTake = one/2, 0 },
			neurons: []pools.Neuron{{Hotkey: "v1", Coldkey: "c"}, {Hotkey: "v2", Coldkey: "c"}},
			stakes:  []stk{{"c", "v1", 1, e9}, {"c", "v1", 0, 2 * e9}, {"c", "v2", 1, e9}, {"c", "v2", 0, e9}},
			pd:      pending{alpha: e9, rootTAO: e9},
			w: want{stakes: []stk{{"c", "v1", 1, e9 + 285_714_286}, {"c", "v2", 1, e9 + 285_714_286},
				{"c", "v1", 0, 2*e9 + 666_666_667}, {"c", "v2", 0, e9 + 333_333_332}},
				alphaPaid: 571_428_572, rootPaid: 999_999_999, undistributed: 428_571_428, burned: 1},
		},
		{
			// The chain's ..._two_stakers_registered_and_root_different_amounts, tw 1, take 0:
			// w1 = 3e9, w2 = 2e9; d1 = 6e8, d2 = 4e8; q1 = 4e8, q2 = 2e8; alpha +2e8 each
			// (chain: 1e9 * 3/5 * 1/3 and 1e9 * 2/5 * 1/2); t1 = floor(1e9 * 4/6) = 666,666,666,
			// t2 = 333,333,333 (chain: 2/3 and 1/3), 1 rao burned.
			name:    "chain tao weight 1",
			mutate:  func(p *dtaod.Params) { p.TAOWeight, p.ValidatorTake = one, 0 },
			neurons: []pools.Neuron{{Hotkey: "v1", Coldkey: "c"}, {Hotkey: "v2", Coldkey: "c"}},
			stakes:  []stk{{"c", "v1", 1, e9}, {"c", "v1", 0, 2 * e9}, {"c", "v2", 1, e9}, {"c", "v2", 0, e9}},
			pd:      pending{alpha: e9, rootTAO: e9},
			w: want{stakes: []stk{{"c", "v1", 1, 1.2e9}, {"c", "v2", 1, 1.2e9}, {"c", "v1", 0, 2*e9 + 666_666_666}, {"c", "v2", 0, e9 + 333_333_333}},
				alphaPaid: 4e8, rootPaid: 999_999_999, undistributed: 6e8, burned: 1},
		},
		{
			// The chain's test_drain_base_with_subnet_with_single_staker_registered_root_weight
			// (tw 1, take 0, alpha 1e9 and root 1e9): d = 1e9, q = 5e8 -> alpha +5e8; all 1e9 of
			// pending TAO to its root stake.
			name:    "chain single staker root weight",
			mutate:  func(p *dtaod.Params) { p.TAOWeight, p.ValidatorTake = one, 0 },
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"c1", "v1", 0, e9}},
			pd:      pending{alpha: e9, rootTAO: e9},
			w:       want{stakes: []stk{{"c1", "v1", 1, 1.5e9}, {"c1", "v1", 0, 2 * e9}}, alphaPaid: 5e8, rootPaid: e9, undistributed: 5e8},
		},
		{
			// A nominator on the hotkey gains proportionally: v1 = c1 1e9 + n1 3e9, A = 1e9.
			// Take 1.8e8 to c1 first (value 4.18e9), then 8.2e8 to all shares (value 5e9):
			// c1 = floor(5e9 * 1.18e9/4.18e9) = 1,411,483,253; n1 = floor(5e9 * 3e9/4.18e9) = 3,588,516,746.
			name:    "nominator",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}, {"n1", "v1", 1, 3 * e9}},
			pd:      pending{alpha: e9},
			w:       want{stakes: []stk{{"c1", "v1", 1, 1_411_483_253}, {"n1", "v1", 1, 3_588_516_746}}, alphaPaid: e9},
		},
		{
			// Owner cut paid as stake of the owner's coldkey on the owner's hotkey.
			name:    "owner cut paid",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}},
			pd:      pending{alpha: 8.2e8, owner: 1.8e8},
			owner:   [2]string{"oc", "oh"},
			w:       want{stakes: []stk{{"oc", "oh", 1, 1.8e8}, {"c1", "v1", 1, e9 + 8.2e8}}, alphaPaid: 8.2e8, ownerPaid: 1.8e8},
		},
		{
			// The owner cut goes to the owner even when the owner hotkey is also a validator.
			name:    "owner hotkey is the validator",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}},
			pd:      pending{alpha: 8.2e8, owner: 1.8e8},
			owner:   [2]string{"c1", "v1"},
			// Owner cut first: c1 on v1 = 1.18e9; weight read before (1e9): d = 8.2e8 -> 2e9.
			w: want{stakes: []stk{{"c1", "v1", 1, 2 * e9}}, alphaPaid: 8.2e8, ownerPaid: 1.8e8},
		},
		{
			// No owner: the cut is not paid and counts as undistributed.
			name:    "no owner",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}},
			pd:      pending{alpha: 8.2e8, owner: 1.8e8},
			w:       want{stakes: []stk{{"c1", "v1", 1, e9 + 8.2e8}}, alphaPaid: 8.2e8, undistributed: 1.8e8},
		},
		{
			name:    "owner coldkey without hotkey",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 1, e9}},
			pd:      pending{alpha: 8.2e8, owner: 1.8e8},
			owner:   [2]string{"oc", ""},
			w:       want{stakes: []stk{{"c1", "v1", 1, e9 + 8.2e8}}, alphaPaid: 8.2e8, undistributed: 1.8e8},
		},
		{
			// Root-only validator: w = 0.18 * 1e10 = 1.8e9 = its root weight, so q = d: everything it
			// earns is TAO; alpha paid 0 and the pending alpha is undistributed; it is paid all of P
			// (take 18% of 1e9 to c1 on root, the rest to its root shares, all c1's).
			name:    "root-only validator",
			neurons: []pools.Neuron{v1},
			stakes:  []stk{{"c1", "v1", 0, 1e10}},
			pd:      pending{alpha: e9, rootTAO: e9},
			w:       want{stakes: []stk{{"c1", "v1", 0, 1e10 + e9}, {"c1", "v1", 1, 0}}, rootPaid: e9, undistributed: e9},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := dtaod.DefaultParams()
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			st, s := epochState(tc.neurons, tc.stakes, tc.pd, tc.owner[0], tc.owner[1])
			issuance, rootTAO, alphaOut := st.TotalIssuance, st.RootTAO, s.AlphaOut
			var sc Scratch
			rec := Epoch(st, &p, s, 42, Fallback{}, &sc)
			if err := st.Check(); err != nil {
				t.Fatalf("conservation after the epoch: %v", err)
			}
			for _, k := range tc.w.stakes {
				if got := st.StakeOf(k.ck, k.hk, k.n); got != k.v {
					t.Errorf("stake of %s on (%s, %d) = %d, want %d", k.ck, k.hk, k.n, got, k.v)
				}
			}
			if rec.Mode != ModeFallback || rec.NetUID != 1 || rec.Block != 42 {
				t.Errorf("record %+v", rec)
			}
			if uint64(rec.AlphaPaid) != tc.w.alphaPaid || uint64(rec.RootTAOPaid) != tc.w.rootPaid || uint64(rec.OwnerCutPaid) != tc.w.ownerPaid || rec.Undistributed != tc.w.undistributed {
				t.Errorf("paid alpha %d root %d owner %d undistributed %d; want %+v", rec.AlphaPaid, rec.RootTAOPaid, rec.OwnerCutPaid, rec.Undistributed, tc.w)
			}
			if got := int64(alphaOut) - int64(s.AlphaOut); got != tc.w.undistributed {
				t.Errorf("alpha_out moved by %d, want %d", -got, -tc.w.undistributed)
			}
			if uint64(issuance-st.TotalIssuance) != tc.w.burned {
				t.Errorf("burned %d, want %d", issuance-st.TotalIssuance, tc.w.burned)
			}
			if uint64(st.RootTAO-rootTAO) != tc.w.rootPaid {
				t.Errorf("root TAO grew by %d, want %d", st.RootTAO-rootTAO, tc.w.rootPaid)
			}
			if s.PendingAlpha != 0 || s.PendingOwnerCut != 0 || s.PendingRootAlpha != 0 || s.PendingRootTAO != 0 {
				t.Errorf("pending not reset: %d %d %d %d", s.PendingAlpha, s.PendingOwnerCut, s.PendingRootAlpha, s.PendingRootTAO)
			}
		})
	}
}

// A starting state may declare less total_issuance than the TAO it lists (the scenario default is
// 0). Burning 5e8 of pending root TAO nobody can be paid from an issuance of 1e8 must not wrap
// the u64: issuance stops at 0, the 4e8 beyond it is the burn shortfall, and TAO stays conserved.
// (Regression: this wrapped to ~1.8e19 before commit 82844a8.)
func TestEpochBurnBelowZeroIssuance(t *testing.T) {
	p := dtaod.DefaultParams()
	st, s := epochState(nil, nil, pending{alpha: e9, rootTAO: 5e8}, "", "")
	st.TotalIssuance = 1e8
	st.Seal()
	var sc Scratch
	rec := Epoch(st, &p, s, 1, Fallback{}, &sc)
	if st.TotalIssuance != 0 || st.BurnShortfall != 4e8 || rec.RootTAOPaid != 0 {
		t.Fatalf("issuance %d shortfall %d paid %d", st.TotalIssuance, st.BurnShortfall, rec.RootTAOPaid)
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
}
