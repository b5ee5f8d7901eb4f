package emission

import (
	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/holiman/uint256"
)

// IsEpochBlock reports whether the subnet runs its epoch at block n: (n + netuid + 1) mod
// (tempo + 1) == tempo, as the chain's code does (its doc comment says == 0; the code wins).
// Tempo 0 means never.
func IsEpochBlock(n dtaod.Block, netuid dtaod.NetUID, tempo uint16) bool {
	if tempo == 0 {
		return false
	}
	return (uint64(n)+uint64(netuid)+1)%(uint64(tempo)+1) == uint64(tempo)
}

// Epoch modes, as written in records.
const (
	ModeFallback  = "fallback"
	ModeYuma      = "yuma"
	ModeAggregate = "aggregate"
)

// EpochRecord is what one epoch paid, the contract's `epochs` entry.
type EpochRecord struct {
	NetUID       dtaod.NetUID
	Block        dtaod.Block
	Mode         string
	AlphaPaid    dtaod.Alpha // incentive and validator alpha dividends, takes included
	RootTAOPaid  dtaod.TAO
	OwnerCutPaid dtaod.Alpha
	// Neurons is each neuron's result, in uid order (views into the engine's per-block arena).
	Neurons []NeuronResult
	// Undistributed is (pending alpha + pending owner cut) - (alpha paid + owner cut paid),
	// signed: what left alpha_out unpaid (positive) or was paid beyond what was pending because
	// the root part of the dividends did not match the root alpha sold (negative).
	Undistributed int64
}

// NeuronResult is one neuron's part of an epoch, for records and the service.
type NeuronResult struct {
	UID             uint16
	Hotkey          string
	StakeWeight     uint64 // floor(alpha + tao_weight * root stake), in alpha base units
	Rank            uint16 // the chain's stored u16 proportions
	Trust           uint16
	Consensus       uint16
	Incentive       uint16
	Dividends       uint16
	ValidatorTrust  uint16
	ValidatorPermit bool
	Active          bool
	IncentiveAlpha  uint64 // alpha paid as incentive (miner)
	DividendsAlpha  uint64 // dividends before the root split and take (validator)
	Emission        uint64 // IncentiveAlpha + DividendsAlpha
	Bonds           []pools.Weight
}

// BeginBlock resets the per-block arena that epoch records point into.
func (sc *Scratch) BeginBlock() {
	sc.neurons = sc.neurons[:0]
	sc.bonds = sc.bonds[:0]
}

// StakeWeight is a neuron's weight in consensus, scaled by 1e18 so it is exact:
// Total = alpha*1e18 + tao_weight18*root, Root = tao_weight18*root.
type StakeWeight struct {
	Total uint256.Int
	Root  uint256.Int
	// Alpha and RootStake are the stakes it was computed from, so consensus reads them once.
	Alpha, RootStake uint64
}

// Consensus is the seam where Yuma consensus plugs in: it splits the epoch's alpha among the
// subnet's neurons (UID order) into miner incentive and validator dividends. incentive and
// dividends arrive zeroed with one slot per neuron; their sum must not exceed a. It returns the
// record's mode.
type Consensus interface {
	Split(st *pools.State, p *dtaod.Params, s *pools.Subnet, weights []StakeWeight, a uint64, incentive, dividends []uint64) string
}

// Fallback is the chain's split when no weights are set: all of A to the registered hotkeys as
// dividends in proportion to stake weight, d_h = floor(A*w_h/W), nothing to miners.
type Fallback struct{}

// Split implements Consensus.
func (Fallback) Split(_ *pools.State, _ *dtaod.Params, _ *pools.Subnet, w []StakeWeight, a uint64, _, dividends []uint64) string {
	var sum uint256.Int
	for i := range w {
		sum.Add(&sum, &w[i].Total)
	}
	if sum.IsZero() {
		return ModeFallback
	}
	var x, av uint256.Int
	av.SetUint64(a)
	for i := range w {
		x.Mul(&av, &w[i].Total) // a < 2^64, w < 2^126 per neuron
		x.Div(&x, &sum)
		dividends[i] = x.Uint64()
	}
	return ModeFallback
}

type weight = StakeWeight

// stakeWeights fills sc.w with each neuron's exact stake weight, read before anything is
// credited: alpha*1e18 + tao_weight18*root.
func stakeWeights(st *pools.State, p *dtaod.Params, s *pools.Subnet, sc *Scratch) []StakeWeight {
	n := len(s.Neurons)
	if cap(sc.w) < n {
		sc.w = make([]weight, n)
		sc.inc = make([]uint64, n)
		sc.div = make([]uint64, n)
		sc.q = make([]uint64, n)
	}
	w := sc.w[:n]
	var tw, one uint256.Int
	tw.SetUint64(uint64(p.TAOWeight))
	one.SetUint64(dtaod.FixedOne)
	for i := range s.Neurons {
		w[i].Alpha, w[i].RootStake = st.NeuronStake(s, i)
		w[i].Root.SetUint64(w[i].RootStake)
		w[i].Root.Mul(&w[i].Root, &tw)
		w[i].Total.SetUint64(w[i].Alpha)
		w[i].Total.Mul(&w[i].Total, &one)
		w[i].Total.Add(&w[i].Total, &w[i].Root)
	}
	return w
}

// Epoch pays out everything pending on the subnet (spec 6.8, 9.6): the owner cut, then the
// consensus split of A = pending alpha + root alpha sold, incentive to each miner's coldkey,
// dividends split into an alpha part and a root-TAO part by the validator's own root share, the
// validator's take first. Root TAO nobody can be paid is burned.
func Epoch(st *pools.State, p *dtaod.Params, s *pools.Subnet, block dtaod.Block, c Consensus, sc *Scratch) EpochRecord {
	n := len(s.Neurons)
	w := stakeWeights(st, p, s, sc)
	inc, div, q := sc.inc[:n], sc.div[:n], sc.q[:n]
	var one uint256.Int
	one.SetUint64(dtaod.FixedOne)
	for i := range inc {
		inc[i], div[i] = 0, 0
	}
	a := uint64(s.PendingAlpha) + uint64(s.PendingRootAlpha)
	rec := EpochRecord{NetUID: s.NetUID, Block: block}
	rec.Mode = c.Split(st, p, s, w, a, inc, div)
	if rec.Mode != ModeYuma {
		fallbackStats(s, inc, div)
	}
	from := len(sc.neurons)
	for i := range s.Neurons {
		nr := &s.Neurons[i]
		nr.Emission = dtaod.Alpha(inc[i] + div[i])
		if sc.SkipNeurons {
			continue
		}
		var sw uint256.Int
		sw.Div(&w[i].Total, &one)
		b0 := len(sc.bonds)
		if sc.KeepBonds {
			sc.bonds = append(sc.bonds, nr.Bonds...)
		}
		sc.neurons = append(sc.neurons, NeuronResult{
			UID: uint16(i), Hotkey: nr.Hotkey, StakeWeight: sw.Uint64(),
			Rank: nr.Rank, Trust: nr.Trust, Consensus: nr.Consensus, Incentive: nr.Incentive,
			Dividends: nr.Dividends, ValidatorTrust: nr.ValidatorTrust, ValidatorPermit: nr.ValidatorPermit,
			Active: nr.Active, IncentiveAlpha: inc[i], DividendsAlpha: div[i], Emission: inc[i] + div[i],
			Bonds: sc.bonds[b0:len(sc.bonds):len(sc.bonds)],
		})
	}
	rec.Neurons = sc.neurons[from:len(sc.neurons):len(sc.neurons)]

	net := s.NetUID
	if s.OwnerColdkey != "" && s.OwnerHotkey != "" && s.PendingOwnerCut > 0 {
		st.CreditStake(s.OwnerColdkey, s.OwnerHotkey, s.NetUID, uint64(s.PendingOwnerCut))
		rec.OwnerCutPaid = s.PendingOwnerCut
		st.Post(pools.ReasonOwnerCut, pools.AlphaOf(net), pools.AccountPendingOwner(net), pools.AccountStake(s.OwnerHotkey, net), uint64(s.PendingOwnerCut), s.OwnerColdkey)
	} else {
		st.Post(pools.ReasonBurn, pools.AlphaOf(net), pools.AccountPendingOwner(net), pools.AccountBurn, uint64(s.PendingOwnerCut), "")
	}
	var sumQ uint64
	var x uint256.Int
	for i := range w {
		q[i] = 0
		if div[i] > 0 && !w[i].Total.IsZero() {
			x.SetUint64(div[i])
			x.Mul(&x, &w[i].Root)
			x.Div(&x, &w[i].Total)
			q[i] = x.Uint64() // <= div[i]
		}
		sumQ += q[i]
	}
	var paid uint64
	for i, nr := range s.Neurons { // miners first, as the chain
		st.CreditNeuron(s, i, false, nr.Coldkey, inc[i])
		st.Post(pools.ReasonIncentive, pools.AlphaOf(net), pools.AccountPending(net), pools.AccountStake(nr.Hotkey, net), inc[i], nr.Coldkey)
		paid += inc[i]
	}
	for i, nr := range s.Neurons {
		ai := div[i] - q[i]
		take, _ := p.ValidatorTake.MulFloor(ai)
		st.CreditNeuron(s, i, false, nr.Coldkey, take)
		st.DistributeNeuron(s, i, false, ai-take)
		st.Post(pools.ReasonTake, pools.AlphaOf(net), pools.AccountPending(net), pools.AccountStake(nr.Hotkey, net), take, nr.Coldkey)
		st.Post(pools.ReasonDividend, pools.AlphaOf(net), pools.AccountPending(net), pools.AccountStake(nr.Hotkey, net), ai-take, "")
		paid += ai
	}
	pending := uint64(s.PendingRootTAO)
	var paidTAO uint64
	if sumQ > 0 {
		for i, nr := range s.Neurons {
			t, _ := dtaod.MulDiv(pending, q[i], sumQ) // <= pending
			if t == 0 {
				continue
			}
			take, _ := p.ValidatorTake.MulFloor(t)
			st.CreditNeuron(s, i, true, nr.Coldkey, take)
			st.DistributeNeuron(s, i, true, t-take)
			st.RootTAO += dtaod.TAO(t)
			paidTAO += t
			st.Post(pools.ReasonTake, pools.UnitTAO, pools.AccountPendingRoot(net), pools.AccountStake(nr.Hotkey, dtaod.Root), take, nr.Coldkey)
			st.Post(pools.ReasonDividend, pools.UnitTAO, pools.AccountPendingRoot(net), pools.AccountStake(nr.Hotkey, dtaod.Root), t-take, "")
		}
	}
	st.BurnTAO(dtaod.TAO(pending - paidTAO)) // burned: nobody could be paid it
	st.Post(pools.ReasonBurn, pools.UnitTAO, pools.AccountPendingRoot(net), pools.AccountBurn, pending-paidTAO, "")
	rec.AlphaPaid = dtaod.Alpha(paid)
	rec.RootTAOPaid = dtaod.TAO(paidTAO)

	owed := uint64(s.PendingAlpha) + uint64(s.PendingOwnerCut)
	done := paid + uint64(rec.OwnerCutPaid)
	if owed >= done {
		rec.Undistributed = int64(owed - done)
		s.AlphaOut -= dtaod.Alpha(owed - done)
	} else {
		rec.Undistributed = -int64(done - owed)
		s.AlphaOut += dtaod.Alpha(done - owed)
	}
	// In the ledger the unpaid owner cut was burned above; what pending alpha could not pay (or
	// the rounding the payout overshot by) balances the pending account.
	if p := uint64(s.PendingAlpha); p >= paid {
		st.Post(pools.ReasonBurn, pools.AlphaOf(net), pools.AccountPending(net), pools.AccountBurn, p-paid, "")
	} else {
		st.Post(pools.ReasonEmission, pools.AlphaOf(net), pools.AccountIssuance, pools.AccountPending(net), paid-p, "")
	}
	s.PendingAlpha, s.PendingOwnerCut, s.PendingRootAlpha, s.PendingRootTAO = 0, 0, 0, 0
	return rec
}
