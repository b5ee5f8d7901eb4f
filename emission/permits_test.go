package emission

import (
	"testing"

	"github.com/dtaod/dtaod/pools"
	"pgregory.net/rapid"
)

// TestSetPermitsIsTopK: the permits are the chain's is_topk of stake weight: a neuron keeps its
// permit iff fewer than k neurons beat it, where j beats i with more weight, or equal weight and
// a higher uid (the chain's ascending stable sort clears the lowest first).
func TestSetPermitsIsTopK(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "n")
		s := &pools.Subnet{MaxAllowedValidators: uint16(rapid.IntRange(0, 45).Draw(t, "k")), Neurons: make([]pools.Neuron, n)}
		w := make([]StakeWeight, n)
		for i := range w {
			w[i].Total.SetUint64(uint64(rapid.IntRange(0, 5).Draw(t, "w"))) // many ties
		}
		var idx []int32
		setPermits(s, w, &idx)
		for i := range w {
			beaten := 0
			for j := range w {
				if c := w[j].Total.Cmp(&w[i].Total); c > 0 || c == 0 && j > i {
					beaten++
				}
			}
			if want := beaten < int(s.MaxAllowedValidators); s.Neurons[i].ValidatorPermit != want {
				t.Fatalf("uid %d (weight %s, beaten by %d, k %d): permit %v, want %v", i, w[i].Total.Dec(), beaten, s.MaxAllowedValidators, s.Neurons[i].ValidatorPermit, want)
			}
		}
	})
}
