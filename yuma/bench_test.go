package yuma

import "testing"

// benchInput is a full subnet: 64 validators (UIDs 0-63) with dense weights over 256 miners
// (UIDs 64-319), n = 320, launch defaults, bonds carried over from previous epochs.
func benchInput() *Input {
	const nv, nm = 64, 256
	n := nv + nm
	in := &Input{Block: 10_000, ActivityCutoff: DefaultActivityCutoff, Kappa: DefaultKappa,
		BondsMovingAverage: DefaultBondsMovingAverage, BondsPenalty: DefaultBondsPenalty,
		MaxAllowedValidators: DefaultMaxAllowedValidators}
	x := uint64(88172645463325252)
	rnd := func() uint64 { // xorshift: deterministic weights
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return x
	}
	tw := TaoWeight(971_718_665_099_567_868)
	for i := 0; i < n; i++ {
		var alpha, root uint64
		var row []WeightEntry
		if i < nv {
			alpha, root = 1_000_000_000_000+rnd()%100_000_000_000_000, rnd()%10_000_000_000_000
			row = make([]WeightEntry, nm)
			for j := range row {
				row[j] = WeightEntry{uint16(nv + j), uint16(rnd())}
			}
		}
		in.StakeWeight = append(in.StakeWeight, StakeWeight(alpha, root, tw))
		in.LastUpdate = append(in.LastUpdate, 9_900)
		in.BlockAtRegistration = append(in.BlockAtRegistration, uint64(i))
		in.ValidatorPermit = append(in.ValidatorPermit, i < nv)
		in.Weights = append(in.Weights, row)
		in.Bonds = append(in.Bonds, nil)
	}
	var out Output
	for e := 0; e < 3; e++ { // warm the bonds up to a steady state
		Epoch(in, &out)
		copy(in.ValidatorPermit, out.ValidatorPermit)
		for i := range in.Bonds {
			in.Bonds[i] = append(in.Bonds[i][:0], out.Bonds[i]...)
		}
	}
	return in
}

// BenchmarkEpoch is one epoch of a 64-validator x 256-miner subnet with dense weights and bonds
// (the target is 2,000 epochs/s on one core).
func BenchmarkEpoch(b *testing.B) {
	in := benchInput()
	var out Output
	Epoch(in, &out)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Epoch(in, &out)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "epochs/s")
}

// BenchmarkSplit is the emission split of one such epoch.
func BenchmarkSplit(b *testing.B) {
	in := benchInput()
	var out Output
	Epoch(in, &out)
	server, validator := make([]uint64, in.N()), make([]uint64, in.N())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Split(&out, 1_000_000_000_000, server, validator)
	}
}
