package yuma

import (
	"fmt"
	"math"

	"github.com/dtaod/dtaod/fixedpoint"
)

// Chain defaults at f9254ea63 (runtime/src/lib.rs parameter_types, spec 253 era). They are what a
// subnet has unless its owner or sudo changed the hyperparameter.
const (
	DefaultActivityCutoff       = 5000    // SubtensorInitialActivityCutoff
	DefaultKappa                = 32_767  // SubtensorInitialKappa, 0.5 as a u16 proportion
	DefaultBondsMovingAverage   = 900_000 // SubtensorInitialBondsMovingAverage, 0.9 in millionths
	DefaultBondsPenalty         = 0       // SubtensorInitialBondsPenalty at launch (later u16::MAX)
	DefaultMaxAllowedValidators = 128     // SubtensorInitialMaxAllowedValidators
)

// WeightEntry is one (uid, value) pair of a sparse weights or bonds row, exactly as the chain
// stores it (Weights and Bonds are Vec<(u16, u16)> per uid).
type WeightEntry struct {
	UID   uint16
	Value uint16
}

// Input is everything one epoch of one subnet reads from chain state, all vectors indexed by UID
// (n = len(StakeWeight) neurons). It is plain data so that a simulator can run the chain's epoch
// without the chain.
type Input struct {
	Block          uint64 // current block (get_current_block_as_u64)
	Tempo          uint16 // not read at f9254ea63; the last-tempo bond reset (PR #1443) came later
	ActivityCutoff uint64 // blocks after its last weights a neuron counts as inactive
	// Kappa is the consensus majority as a u16 proportion (get_float_kappa = Kappa / 65535).
	Kappa uint16
	// BondsMovingAverage is the bond EMA's memory in millionths: alpha = 1 - BMA/1e6.
	BondsMovingAverage uint64
	// BondsPenalty is a u16 proportion: 0 computes bonds from the unclipped weights, 65535 from
	// the consensus-clipped weights (the behaviour before the hyperparameter existed).
	BondsPenalty uint16
	// MaxAllowedValidators is k of the top-k stake rule for new validator permits.
	MaxAllowedValidators uint16
	// StakeWeight is each UID's stake weight exactly as get_stake_weights_for_network returns it:
	// alpha + tao_weight * root stake in I64F64 (see StakeWeight and TaoWeight). It is not
	// rounded to u64 because the chain normalises the fractional value.
	StakeWeight         []fixedpoint.I64F64
	LastUpdate          []uint64 // block each UID last set weights (or registered)
	BlockAtRegistration []uint64 // block each UID was last registered
	ValidatorPermit     []bool   // permits stored by the previous epoch
	Weights             [][]WeightEntry
	Bonds               [][]WeightEntry

	// WeightsUnchanged and BondsUnchanged are optional promises by a caller that runs a subnet
	// epoch after epoch with one Output, so that Epoch need not compare rows it has seen:
	// WeightsUnchanged that every row of Weights holds the entries it held in the previous Epoch
	// with the same Output, BondsUnchanged that every row of Bonds holds the entries of that
	// Epoch's Output.Bonds. They change nothing in the results when true; when false the results
	// are wrong. Without them Epoch compares the rows itself.
	WeightsUnchanged, BondsUnchanged bool
}

// Output is what the epoch writes back and what the emission split needs. Epoch reuses its slices
// and scratch space, so one Output per subnet makes repeated epochs allocation-free.
type Output struct {
	// The chain's stored vectors: fixed_proportion_to_u16 of the I32F32 values.
	Rank, Trust, Consensus, Incentive, Dividends, ValidatorTrust []uint16
	// PruningScores is vec_max_upscale_to_u16 of the normalised combined emission.
	PruningScores []uint16
	Active        []bool // the stored Active vector (not inactive)
	// ValidatorPermit holds the new permits (is_topk of stake) the chain stores.
	ValidatorPermit []bool
	// Bonds are the rows to store. Rows of neurons that neither held nor gained a permit are the
	// input rows unchanged (the chain leaves them untouched); rows that lost the permit are empty.
	// The next Epoch with this Output reuses the rows' memory: copy them to keep them, or feed
	// Bonds straight back as the next Input.Bonds, which is supported.
	Bonds [][]WeightEntry

	// Exact fixed-point vectors. StakeFixed is the normalised stake, ActiveStakeFixed the stake
	// of active permitted validators renormalised, IncentiveFixed the normalised ranks and
	// DividendsFixed the normalised bond-weighted incentive.
	StakeFixed, ActiveStakeFixed, ConsensusFixed, IncentiveFixed, DividendsFixed []fixedpoint.I32F32
	// ServerEmissionFixed, ValidatorEmissionFixed and CombinedEmissionFixed are the chain's
	// normalized_server_emission, normalized_validator_emission and normalized_combined_emission:
	// what Split multiplies by the epoch's alpha.
	ServerEmissionFixed, ValidatorEmissionFixed, CombinedEmissionFixed []fixedpoint.I32F32
	// Fallback is true when incentive plus dividends summed to zero (no usable weights), so the
	// validator emission is the stake itself, as the chain does.
	Fallback bool

	ws workspace
}

// N is the number of neurons of the input.
func (in *Input) N() int { return len(in.StakeWeight) }

// MaxNeurons bounds n. The chain caps subnets at 4096 UIDs (MaxAllowedUids); this port accepts up
// to 32768, which keeps every sum of u16 weights or of shares below 2^31 so that its inline
// arithmetic never meets the crate's overflow cases.
const MaxNeurons = 32768

// Validate reports inconsistent inputs: every per-UID vector must have n <= MaxNeurons entries.
// Entries whose UID is n or more are allowed and ignored, as the chain filters them.
func (in *Input) Validate() error {
	n := len(in.StakeWeight)
	if n > MaxNeurons {
		return fmt.Errorf("yuma: %d neurons, at most %d", n, MaxNeurons)
	}
	for _, v := range []struct {
		name string
		l    int
	}{
		{"LastUpdate", len(in.LastUpdate)}, {"BlockAtRegistration", len(in.BlockAtRegistration)},
		{"ValidatorPermit", len(in.ValidatorPermit)}, {"Weights", len(in.Weights)}, {"Bonds", len(in.Bonds)},
	} {
		if v.l != n {
			return fmt.Errorf("yuma: %s has %d entries, StakeWeight has %d", v.name, v.l, n)
		}
	}
	return nil
}

// TaoWeight is the chain's get_tao_weight: the stored u64 TaoWeight divided by u64::MAX in I96F32
// (it floors to 32 fractional bits).
func TaoWeight(raw uint64) fixedpoint.I96F32 {
	return fixedpoint.I96F32FromU64(raw).SaturatingDiv(fixedpoint.I96F32FromU64(math.MaxUint64))
}

// StakeWeight is one UID's entry of get_stake_weights_for_network: alpha (the hotkey's inherited
// alpha on the subnet) + root (its inherited root TAO) * tao weight, in I64F64 with saturating
// arithmetic. With a 32-fractional-bit tao weight the product is exact.
func StakeWeight(alpha, root uint64, taoWeight fixedpoint.I96F32) fixedpoint.I64F64 {
	a := fixedpoint.I64F64SaturatingFromU64(alpha)
	if root == 0 { // r * tw = 0
		return a
	}
	r := fixedpoint.I64F64SaturatingFromU64(root)
	return a.SaturatingAdd(r.SaturatingMul(taoWeight.SaturatingToI64F64()))
}
