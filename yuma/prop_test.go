package yuma

import (
	"slices"
	"testing"

	fp "github.com/dtaod/dtaod/fixedpoint"
	"pgregory.net/rapid"
)

// drawRow draws a sparse row without duplicate UIDs (set_weights rejects duplicates), sometimes
// with UIDs past n (the chain ignores them).
func drawRow(t *rapid.T, n int, label string) []WeightEntry {
	uids := rapid.SliceOfNDistinct(rapid.IntRange(0, n), 0, n+1, rapid.ID[int]).Draw(t, label+"uids")
	row := make([]WeightEntry, len(uids))
	for i, u := range uids {
		row[i] = WeightEntry{uint16(u), rapid.OneOf(rapid.Uint16(), rapid.Just(uint16(65535)), rapid.Uint16Range(0, 3)).Draw(t, label+"v")}
	}
	return row
}

// drawInput draws a random subnet: stakes (some zero), activity, registrations, permits, weights
// and bonds, and random hyperparameters around the defaults.
func drawInput(t *rapid.T) *Input {
	n := rapid.IntRange(1, 12).Draw(t, "n")
	block := rapid.Uint64Range(0, 20_000).Draw(t, "block")
	in := &Input{
		Block:                block,
		ActivityCutoff:       rapid.SampledFrom([]uint64{DefaultActivityCutoff, 10, 0}).Draw(t, "cutoff"),
		Kappa:                rapid.OneOf(rapid.Just(uint16(DefaultKappa)), rapid.Uint16()).Draw(t, "kappa"),
		BondsMovingAverage:   rapid.OneOf(rapid.Just(uint64(DefaultBondsMovingAverage)), rapid.Uint64Range(0, 1_000_000)).Draw(t, "bma"),
		BondsPenalty:         rapid.OneOf(rapid.Just(uint16(0)), rapid.Just(uint16(65535)), rapid.Uint16()).Draw(t, "penalty"),
		MaxAllowedValidators: uint16(rapid.IntRange(0, n+2).Draw(t, "maxval")),
	}
	tw := TaoWeight(rapid.Uint64().Draw(t, "tw"))
	for i := 0; i < n; i++ {
		alpha := rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(0, 1_000), rapid.Uint64Range(0, 1<<52)).Draw(t, "alpha")
		root := rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(0, 1<<52)).Draw(t, "root")
		in.StakeWeight = append(in.StakeWeight, StakeWeight(alpha, root, tw))
		in.LastUpdate = append(in.LastUpdate, rapid.OneOf(rapid.Uint64Range(0, block+1), rapid.Uint64Range(block/2+1, block+1)).Draw(t, "lu"))
		in.BlockAtRegistration = append(in.BlockAtRegistration, rapid.OneOf(rapid.Just(uint64(0)), rapid.Uint64Range(0, block)).Draw(t, "reg"))
		in.ValidatorPermit = append(in.ValidatorPermit, rapid.Bool().Draw(t, "permit"))
		in.Weights = append(in.Weights, drawRow(t, n, "w"))
		in.Bonds = append(in.Bonds, drawRow(t, n, "b"))
	}
	return in
}

// Epoch gives the same bits as a literal transcription of the chain's sparse epoch.
func TestEpochMatchesSparseReference(t *testing.T) {
	var out Output // reused across cases, as a simulator would
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		Epoch(in, &out)
		ref := refEpoch(in)
		for _, c := range []struct {
			name      string
			got, want []uint16
		}{
			{"rank", out.Rank, ref.rank}, {"trust", out.Trust, ref.trust}, {"consensus", out.Consensus, ref.consensus},
			{"incentive", out.Incentive, ref.incentive}, {"dividends", out.Dividends, ref.dividends},
			{"validator trust", out.ValidatorTrust, ref.vtrust},
		} {
			if !slices.Equal(c.got, c.want) {
				t.Fatalf("%s: %v, reference %v", c.name, c.got, c.want)
			}
		}
		if !slices.Equal(out.ServerEmissionFixed, ref.server) || !slices.Equal(out.ValidatorEmissionFixed, ref.validator) {
			t.Fatalf("emission: %v %v, reference %v %v", out.ServerEmissionFixed, out.ValidatorEmissionFixed, ref.server, ref.validator)
		}
		if !slices.Equal(out.ValidatorPermit, ref.permits) {
			t.Fatalf("permits %v, reference %v", out.ValidatorPermit, ref.permits)
		}
		for i := range ref.bonds {
			if !slices.Equal(out.Bonds[i], ref.bonds[i]) {
				t.Fatalf("bonds row %d: %v, reference %v", i, out.Bonds[i], ref.bonds[i])
			}
		}
	})
}

// sumU16 adds u16 proportions.
func sumU16(v []uint16) int {
	s := 0
	for _, x := range v {
		s += int(x)
	}
	return s
}

// Incentive and dividends are distributions: when non-zero they sum to 65535 less the u16
// flooring (under one unit per UID, plus one for the I32F32 normalisation).
func TestEpochDistributionsSumToOne(t *testing.T) {
	var out Output
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		Epoch(in, &out)
		n := in.N()
		for _, v := range []struct {
			name  string
			fixed []fp.I32F32
			u16   []uint16
		}{{"incentive", out.IncentiveFixed, out.Incentive}, {"dividends", out.DividendsFixed, out.Dividends}} {
			s := sumU16(v.u16)
			if IsZero(v.fixed) {
				if s != 0 {
					t.Fatalf("%s: zero vector stored as %v", v.name, v.u16)
				}
				continue
			}
			if s > 65535 || s < 65535-n-1 {
				t.Fatalf("%s sums to %d of 65535 (n=%d): %v", v.name, s, n, v.u16)
			}
		}
		// dividends only go to UIDs that hold bonds after the epoch's EMA
		for i, d := range out.DividendsFixed {
			if d != 0 && out.ws.rowOf[i] < 0 {
				t.Fatalf("uid %d earns dividends without bonds", i)
			}
		}
	})
}

// With every permitted, active validator putting positive weight on every miner, consensus is
// positive everywhere and the incentive distribution over the miners is complete.
func TestEpochIncentiveWithFullWeights(t *testing.T) {
	var out Output
	rapid.Check(t, func(t *rapid.T) {
		nv := rapid.IntRange(1, 5).Draw(t, "validators")
		nm := rapid.IntRange(1, 8).Draw(t, "miners")
		n := nv + nm
		in := &Input{Block: 100, ActivityCutoff: DefaultActivityCutoff, Kappa: DefaultKappa,
			BondsMovingAverage: DefaultBondsMovingAverage, MaxAllowedValidators: uint16(nv)}
		for i := 0; i < n; i++ {
			a := uint64(0)
			row := []WeightEntry(nil)
			if i < nv {
				a = rapid.Uint64Range(1, 1<<40).Draw(t, "stake")
				for j := nv; j < n; j++ {
					row = append(row, WeightEntry{uint16(j), rapid.Uint16Range(1, 65535).Draw(t, "w")})
				}
			}
			in.StakeWeight = append(in.StakeWeight, StakeWeight(a, 0, fp.I96F32{}))
			in.LastUpdate = append(in.LastUpdate, 50)
			in.BlockAtRegistration = append(in.BlockAtRegistration, 0)
			in.ValidatorPermit = append(in.ValidatorPermit, i < nv)
			in.Weights = append(in.Weights, row)
			in.Bonds = append(in.Bonds, nil)
		}
		Epoch(in, &out)
		if s := sumU16(out.Incentive[nv:]); s > 65535 || s < 65535-nm-1 {
			t.Fatalf("miner incentive sums to %d: %v", s, out.Incentive)
		}
		if s := sumU16(out.Incentive[:nv]); s != 0 {
			t.Fatalf("validators earn incentive: %v", out.Incentive)
		}
		if out.Fallback {
			t.Fatal("fallback with full weights")
		}
	})
}

// A validator whose weights equal the consensus earns at least the dividends of one with equal
// stake that deviates, when bonds are taken from clipped weights (bonds penalty 1). A third
// validator with 60% of the stake sets the consensus; B copies it, C sets random weights.
func TestEpochConsensusEarnsAtLeastDeviation(t *testing.T) {
	var out Output
	rapid.Check(t, func(t *rapid.T) {
		nm := rapid.IntRange(1, 6).Draw(t, "miners")
		n := 3 + nm
		in := &Input{ActivityCutoff: DefaultActivityCutoff, Kappa: DefaultKappa,
			BondsMovingAverage: DefaultBondsMovingAverage, BondsPenalty: 65535, MaxAllowedValidators: 3}
		consensus := make([]WeightEntry, nm)
		deviant := make([]WeightEntry, nm)
		for j := range consensus {
			consensus[j] = WeightEntry{uint16(3 + j), rapid.Uint16Range(1, 65535).Draw(t, "a")}
			deviant[j] = WeightEntry{uint16(3 + j), rapid.Uint16().Draw(t, "c")}
		}
		for i := 0; i < n; i++ {
			a := [3]uint64{6_000, 2_000, 2_000}
			stake := uint64(0)
			var row []WeightEntry
			switch i {
			case 0, 1:
				stake, row = a[i], consensus
			case 2:
				stake, row = a[i], deviant
			}
			in.StakeWeight = append(in.StakeWeight, StakeWeight(stake, 0, fp.I96F32{}))
			in.LastUpdate = append(in.LastUpdate, 1)
			in.BlockAtRegistration = append(in.BlockAtRegistration, 0)
			in.ValidatorPermit = append(in.ValidatorPermit, i < 3)
			in.Weights = append(in.Weights, row)
			in.Bonds = append(in.Bonds, nil)
		}
		epochs := rapid.IntRange(1, 4).Draw(t, "epochs")
		for e := 0; e < epochs; e++ {
			in.Block = uint64(2 + e)
			Epoch(in, &out)
			if out.DividendsFixed[1] < out.DividendsFixed[2] {
				t.Fatalf("epoch %d: consensus validator %s < deviant %s", e, out.DividendsFixed[1], out.DividendsFixed[2])
			}
			for i := range in.Bonds {
				in.Bonds[i] = append(in.Bonds[i][:0], out.Bonds[i]...)
			}
		}
	})
}

// Clipping never raises a weight: every clipped entry is min(weight, threshold).
func TestColClipNeverRaises(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cols := rapid.IntRange(1, 6).Draw(t, "cols")
		rows := rapid.IntRange(0, 6).Draw(t, "rows")
		gen := rapid.Custom(func(t *rapid.T) fp.I32F32 { return fp.I32F32(rapid.Int64Range(0, 2<<32).Draw(t, "v")) })
		m := rapid.SliceOfN(gen, rows*cols, rows*cols).Draw(t, "m")
		th := rapid.SliceOfN(gen, cols, cols).Draw(t, "th")
		before := slices.Clone(m)
		ColClip(m, cols, th)
		for x := range m {
			if m[x] > before[x] || m[x] != before[x].Min(th[x%cols]) {
				t.Fatalf("clip %s with %s gave %s", before[x], th[x%cols], m[x])
			}
		}
	})
}

// Split pays a less a dust of at most one rao per UID and side, and never more than a.
func TestSplitPaysAllButDust(t *testing.T) {
	var out Output
	rapid.Check(t, func(t *rapid.T) {
		in := drawInput(t)
		Epoch(in, &out)
		a := rapid.OneOf(rapid.Uint64(), rapid.Uint64Range(0, 1_000_000_000_000)).Draw(t, "a")
		n := in.N()
		server, validator := make([]uint64, n), make([]uint64, n)
		dust := Split(&out, a, server, validator)
		var paid uint64
		for i := range server {
			paid += server[i] + validator[i]
		}
		if paid+dust != a || paid > a {
			t.Fatalf("paid %d + dust %d != %d", paid, dust, a)
		}
		if IsZero(out.ServerEmissionFixed) && IsZero(out.ValidatorEmissionFixed) {
			if dust != a { // no stake at all: the chain pays nobody
				t.Fatalf("nothing to pay to, yet dust %d of %d", dust, a)
			}
			return
		}
		// floor per entry loses < 1 each; the I32F32 normalisation loses < n ulps of a
		if lim := uint64(2*n) + (a>>32)*uint64(2*n+1) + 1; dust > lim {
			t.Fatalf("dust %d above %d (a=%d n=%d)", dust, lim, a, n)
		}
		if !out.Fallback && !IsZero(out.IncentiveFixed) && !IsZero(out.DividendsFixed) {
			var s, v uint64
			for i := range server {
				s, v = s+server[i], v+validator[i]
			}
			if diff := int64(s) - int64(v); a > 1<<20 && (diff > int64(a/1000) || diff < -int64(a/1000)) {
				t.Fatalf("server %d and validator %d are not half each of %d", s, v, a)
			}
		}
	})
}
