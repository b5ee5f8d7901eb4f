package emission

import (
	"math/bits"
	"slices"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/yuma"
)

// Auto is the engine's consensus: with consensus "aggregate" the stake-only split for every
// subnet; otherwise Yuma consensus on a subnet where any neuron has set weights, and the chain's
// no-weights fallback (spec 9.6) where none has. It keeps one Yuma workspace per subnet so
// repeated epochs allocate nothing.
type Auto struct {
	work map[dtaod.NetUID]*yumaWork
	idx  []int32 // scratch for setPermits
}

type yumaWork struct {
	in  yuma.Input
	out yuma.Output
	// stored: in.Bonds holds the rows this subnet's last epoch stored in its neurons, so that
	// rows still there can be promised unchanged to yuma.Epoch.
	stored bool
}

// sameRow reports whether two rows are the same slice (same array and length). pools never
// writes into a neuron's Weights or Bonds row in place: set_weights stores a new row, and the
// epoch's bonds are written back here. So a row that is the same slice as at the previous
// epoch holds the same entries, which lets yuma.Epoch skip comparing them (Input.WeightsUnchanged,
// Input.BondsUnchanged).
func sameRow(a, b []pools.Weight) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// NewAuto returns the engine's default consensus.
func NewAuto() *Auto { return &Auto{work: make(map[dtaod.NetUID]*yumaWork)} }

// Split implements Consensus.
func (c *Auto) Split(st *pools.State, p *dtaod.Params, s *pools.Subnet, w []StakeWeight, a uint64, inc, div []uint64) string {
	if p.Consensus == dtaod.ConsensusAggregate {
		Fallback{}.Split(st, p, s, w, a, inc, div)
		setPermits(s, w, &c.idx)
		return ModeAggregate
	}
	for i := range s.Neurons {
		if len(s.Neurons[i].Weights) > 0 {
			c.yuma(st, p, s, w, a, inc, div)
			return ModeYuma
		}
	}
	Fallback{}.Split(st, p, s, w, a, inc, div)
	setPermits(s, w, &c.idx)
	return ModeFallback
}

// setPermits gives validator permits to the top max_allowed_validators neurons by stake weight,
// with the chain's is_topk rule (sort ascending by (weight, uid), the first n-k lose: among equal
// stakes the lower uids lose), so weights can be set on a subnet whose epochs have so far run
// the fallback. idx is reused scratch.
func setPermits(s *pools.Subnet, w []StakeWeight, idx *[]int32) {
	n, k := len(s.Neurons), int(s.MaxAllowedValidators)
	for i := range s.Neurons {
		s.Neurons[i].ValidatorPermit = true
	}
	if n <= k {
		return
	}
	*idx = resize(*idx, n)
	ix := *idx
	for i := range ix {
		ix[i] = int32(i)
	}
	slices.SortFunc(ix, func(a, b int32) int {
		if c := w[a].Total.Cmp(&w[b].Total); c != 0 {
			return c
		}
		return int(a - b)
	})
	for _, i := range ix[:n-k] {
		s.Neurons[i].ValidatorPermit = false
	}
}

// InitPermits gives the subnet's neurons their validator permits at genesis, as if an epoch had
// just run: the top max_allowed_validators by stake weight.
func InitPermits(st *pools.State, p *dtaod.Params, s *pools.Subnet) {
	var sc Scratch
	var idx []int32
	setPermits(s, stakeWeights(st, p, s, &sc), &idx)
}

// taoWeightRaw converts tao_weight to the chain's u64 TaoWeight (the value x u64::MAX).
func taoWeightRaw(tw dtaod.Fixed) uint64 {
	hi, lo := bits.Mul64(uint64(tw), ^uint64(0))
	if hi >= dtaod.FixedOne {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, dtaod.FixedOne)
	return q
}

// u16Proportion converts a share in [0, 1] to the chain's u16 proportion, rounded down.
func u16Proportion(f dtaod.Fixed) uint16 {
	q, _ := dtaod.MulDiv(uint64(min(f, dtaod.FixedOne)), 65535, dtaod.FixedOne)
	return uint16(q)
}

// yuma runs the chain's epoch on the subnet and writes back what the chain stores.
func (c *Auto) yuma(st *pools.State, p *dtaod.Params, s *pools.Subnet, w []StakeWeight, a uint64, inc, div []uint64) {
	wk := c.work[s.NetUID]
	if wk == nil {
		wk = &yumaWork{}
		c.work[s.NetUID] = wk
	}
	n := len(s.Neurons)
	in := &wk.in
	same := len(in.StakeWeight) == n && wk.stored // the rows of the previous epoch are in in
	in.Block = uint64(st.Height)
	in.Tempo = s.Tempo
	in.ActivityCutoff = p.ActivityCutoff
	in.Kappa = u16Proportion(p.Kappa)
	in.BondsMovingAverage = uint64(p.BondsMovingAverage) / 1_000_000_000_000 // millionths
	in.BondsPenalty = yuma.DefaultBondsPenalty
	in.MaxAllowedValidators = s.MaxAllowedValidators
	tw := yuma.TaoWeight(taoWeightRaw(p.TAOWeight))
	in.StakeWeight = resize(in.StakeWeight, n)
	in.LastUpdate = resize(in.LastUpdate, n)
	in.BlockAtRegistration = resize(in.BlockAtRegistration, n)
	in.ValidatorPermit = resize(in.ValidatorPermit, n)
	in.Weights = resize(in.Weights, n)
	in.Bonds = resize(in.Bonds, n)
	wSame, bSame := same, same
	for i := range s.Neurons {
		nr := &s.Neurons[i]
		in.StakeWeight[i] = yuma.StakeWeight(w[i].Alpha, w[i].RootStake, tw)
		in.LastUpdate[i] = uint64(nr.LastUpdate)
		in.BlockAtRegistration[i] = uint64(nr.RegisteredAt)
		in.ValidatorPermit[i] = nr.ValidatorPermit
		if same {
			wSame = wSame && sameRow(in.Weights[i], nr.Weights)
			bSame = bSame && sameRow(in.Bonds[i], nr.Bonds)
		}
		in.Weights[i] = nr.Weights
		in.Bonds[i] = nr.Bonds
	}
	in.WeightsUnchanged, in.BondsUnchanged = wSame, bSame
	out := &wk.out
	// The epoch writes the bonds straight into the neurons' rows: each Output row is the
	// neuron's row, also the input row (yuma.Epoch supports feeding its bonds back that way).
	out.Bonds = resize(out.Bonds, n)
	copy(out.Bonds, in.Bonds)
	wk.stored = false
	yuma.Epoch(in, out)
	yuma.Split(out, a, inc, div)
	for i := range s.Neurons {
		nr := &s.Neurons[i]
		nr.ValidatorPermit = out.ValidatorPermit[i]
		nr.Bonds = out.Bonds[i]
		in.Bonds[i] = nr.Bonds
		nr.Rank, nr.Trust, nr.Consensus = out.Rank[i], out.Trust[i], out.Consensus[i]
		nr.Incentive, nr.Dividends, nr.ValidatorTrust = out.Incentive[i], out.Dividends[i], out.ValidatorTrust[i]
		nr.PruningScore, nr.Active = out.PruningScores[i], out.Active[i]
	}
	wk.stored = true
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// fallbackStats sets the stake-only modes' pruning scores and stats from the emission paid: the
// chain's max-upscale of each neuron's share, dividends as a u16 proportion of the epoch.
func fallbackStats(s *pools.Subnet, inc, div []uint64) {
	var maxE, sum uint64
	for i := range s.Neurons {
		e := inc[i] + div[i]
		maxE, sum = max(maxE, e), sum+e
	}
	for i := range s.Neurons {
		nr := &s.Neurons[i]
		e := inc[i] + div[i]
		nr.PruningScore, nr.Dividends, nr.Incentive = 0, 0, 0
		if maxE > 0 {
			q, _ := dtaod.MulDiv(e, 65535, maxE)
			nr.PruningScore = uint16(q)
		}
		if sum > 0 {
			q, _ := dtaod.MulDiv(div[i], 65535, sum)
			nr.Dividends = uint16(q)
		}
		nr.Rank, nr.Trust, nr.Consensus, nr.ValidatorTrust, nr.Active = 0, 0, 0, 0, true
	}
}
