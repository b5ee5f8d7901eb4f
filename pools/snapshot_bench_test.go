package pools

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dtaod/dtaod"
)

// snapBenchState is a sealed network of subnets (each with neurons neurons, the first 64 of them
// validators with a full row of weights and bonds), balances coldkeys with free TAO, and shares
// stake rows in pools of ten coldkeys spread over every netuid and root. Keys are 48
// characters, like SS58 addresses.
func snapBenchState(subnets, balances, shares, neurons int) *State {
	key := func(prefix string, i int) string { return fmt.Sprintf("5%s%046d", prefix, i) }
	st := NewState()
	for n := 1; n <= subnets; n++ {
		s := &Subnet{NetUID: dtaod.NetUID(n), TAOIn: 1e13, AlphaIn: 1e13, Tempo: 360, MaxAllowedUIDs: 256}
		for u := 0; u < neurons; u++ {
			nr := Neuron{Hotkey: key("H", n*1000+u), Coldkey: key("C", u), ValidatorPermit: u < 64, Active: true}
			if nr.ValidatorPermit {
				for v := 0; v < neurons; v++ {
					nr.Weights = append(nr.Weights, Weight{UID: uint16(v), Value: uint16(v * 97)})
				}
				nr.Bonds = slices.Clone(nr.Weights)
			}
			s.Neurons = append(s.Neurons, nr)
		}
		st.AddSubnet(s)
	}
	held := uint64(0)
	for i := 0; i < balances; i++ {
		st.Free[key("C", i)] = dtaod.TAO(1e9 + i)
		held += 1e9 + uint64(i)
	}
	for i := 0; i < shares; i++ {
		n := dtaod.NetUID((i / 10) % (subnets + 1))
		v := uint64(1e9 + i*7)
		st.CreditStake(key("C", i%balances), key("H", i/10), n, v)
		if n == dtaod.Root {
			st.RootTAO += dtaod.TAO(v)
		} else {
			st.Subnet(n).AlphaOut += dtaod.Alpha(v)
		}
	}
	held += uint64(st.RootTAO) + uint64(subnets)*1e13
	st.TotalIssuance = dtaod.TAO(held)
	st.Seal()
	return st
}

// (f) Hashing the state of a big network every block.
func BenchmarkSnapshotHash(b *testing.B) {
	for _, bc := range []struct {
		name                 string
		subnets, bal, shares int
		neurons              int
	}{
		{"128subnets-10kbalances-10kshares", 128, 10_000, 10_000, 0},
		{"128subnets-10kbalances-100kshares", 128, 10_000, 100_000, 0},
		{"128subnets-10kbalances-10kshares-256neurons", 128, 10_000, 10_000, 256},
	} {
		s := snapBenchState(bc.subnets, bc.bal, bc.shares, bc.neurons).Snapshot()
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(refEncoding(s))))
			b.ReportAllocs()
			for b.Loop() {
				s.Hash()
			}
		})
	}
}

// The other per-block costs of a live service over the same 10k-row network: taking the
// snapshot, diffing it against the last block's, and (at start-up) restoring from it.
func BenchmarkSnapshotCodec(b *testing.B) {
	st := snapBenchState(128, 10_000, 10_000, 0)
	prev := st.Snapshot()
	next := prev.Clone()
	for i := 0; i < len(next.Shares); i += 100 { // 1% of the shares changed
		next.Shares[i].Shares.AddUint64(&next.Shares[i].Shares, 1)
	}
	b.Run("Snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			st.Snapshot()
		}
	})
	b.Run("FromSnapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := FromSnapshot(prev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Diff", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Diff(prev, next)
		}
	})
	c := Diff(prev, next)
	b.Run("Apply", func(b *testing.B) {
		s := prev.Clone()
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Apply(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
