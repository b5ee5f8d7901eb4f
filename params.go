package dtaod

import "fmt"

// Halving says what drives the halving of block emission.
type Halving uint8

// The halving rules of the scenario contract.
const (
	HalvingIssuance Halving = iota // emission halves as issuance crosses 1/2, 3/4, 7/8... of supply
	HalvingNone                    // block_emission until the cap, then 0
)

// EmissionShare is the rule that splits a block's TAO across subnets.
type EmissionShare uint8

// The emission share rules the engine implements.
const (
	ShareMovingPrice EmissionShare = iota // the launch rule
	ShareSpotPrice
	ShareTAOReserve
)

// String returns the contract's name of the rule.
func (s EmissionShare) String() string {
	switch s {
	case ShareMovingPrice:
		return "moving_price"
	case ShareSpotPrice:
		return "spot_price"
	case ShareTAOReserve:
		return "tao_reserve"
	}
	return fmt.Sprintf("EmissionShare(%d)", uint8(s))
}

// String returns the contract's name of the rule.
func (h Halving) String() string {
	if h == HalvingNone {
		return "none"
	}
	return "issuance"
}

// ConsensusMode chooses how an epoch splits a subnet's alpha.
type ConsensusMode uint8

// The consensus modes of the scenario contract.
const (
	ConsensusYuma      ConsensusMode = iota // Yuma consensus when any weights are set, else the fallback
	ConsensusAggregate                      // always the stake-only split, for fast whole-network studies
)

// String returns the contract's name of the mode.
func (c ConsensusMode) String() string {
	if c == ConsensusAggregate {
		return "aggregate"
	}
	return "yuma"
}

// Params are the chain parameters of the scenario contract. They are inputs to the pure core,
// never read from a global, so a regime change is just a different value for the next block.
type Params struct {
	BlockEmission            TAO
	TotalSupply              TAO
	Halving                  Halving
	EmissionShare            EmissionShare
	TAOWeight                Fixed
	MovingPriceAlpha         Fixed
	MovingPriceHalvingBlocks uint64
	OwnerCut                 Fixed
	StakingFee               TAO
	MinStake                 TAO
	MinPoolLiquidity         TAO
	DefaultTempo             uint16
	ValidatorTake            Fixed

	// Neurons, weights and consensus (the chain's subnet hyperparameters, network-wide here; a
	// subnet may override the two UID limits in its state).
	Consensus            ConsensusMode
	RegistrationBurn     TAO    // TAO burned to register a neuron
	MaxAllowedUIDs       uint16 // neuron slots per subnet
	MaxAllowedValidators uint16 // top-k by stake weight get a validator permit
	ImmunityPeriod       uint64 // blocks after registration a neuron cannot be pruned
	ActivityCutoff       uint64 // blocks after its last weights a validator counts as inactive
	WeightsRateLimit     uint64 // blocks between two set_weights of one hotkey
	Kappa                Fixed  // consensus majority
	BondsMovingAverage   Fixed  // the bond EMA's memory

	// Subnet registration (spec section 8).
	NetworkMinLock               TAO
	NetworkLockReductionInterval uint64
	SubnetLimit                  uint16
}

// DefaultParams returns the chain's values at the dTAO launch (February 2025).
func DefaultParams() Params {
	return Params{
		BlockEmission:    1_000_000_000,
		TotalSupply:      21_000_000_000_000_000,
		Halving:          HalvingIssuance,
		EmissionShare:    ShareMovingPrice,
		TAOWeight:        180_000_000_000_000_000,
		MovingPriceAlpha: 3_000_000_000_000,
		OwnerCut:         180_000_000_000_000_000,
		StakingFee:       50_000,
		MinStake:         500_000,
		MinPoolLiquidity: 10_000_000,
		DefaultTempo:     360,
		ValidatorTake:    180_000_000_000_000_000,

		Consensus:            ConsensusYuma,
		RegistrationBurn:     1_000_000_000,
		MaxAllowedUIDs:       256,
		MaxAllowedValidators: 128,
		ImmunityPeriod:       4096,
		ActivityCutoff:       5000,
		WeightsRateLimit:     100,
		Kappa:                500_000_000_000_000_000,
		BondsMovingAverage:   900_000_000_000_000_000,

		NetworkMinLock:               1_000_000_000,
		NetworkLockReductionInterval: 14 * 7200,
		SubnetLimit:                  128,
	}
}

// ParamsPatch is a partial set of parameters: a regime or a set_params action changes only the
// fields it names, so each field is a pointer (nil = unchanged).
type ParamsPatch struct {
	BlockEmission            *TAO
	TotalSupply              *TAO
	Halving                  *Halving
	EmissionShare            *EmissionShare
	TAOWeight                *Fixed
	MovingPriceAlpha         *Fixed
	MovingPriceHalvingBlocks *uint64
	OwnerCut                 *Fixed
	StakingFee               *TAO
	MinStake                 *TAO
	MinPoolLiquidity         *TAO
	DefaultTempo             *uint16
	ValidatorTake            *Fixed

	Consensus            *ConsensusMode
	RegistrationBurn     *TAO
	MaxAllowedUIDs       *uint16
	MaxAllowedValidators *uint16
	ImmunityPeriod       *uint64
	ActivityCutoff       *uint64
	WeightsRateLimit     *uint64
	Kappa                *Fixed
	BondsMovingAverage   *Fixed

	NetworkMinLock               *TAO
	NetworkLockReductionInterval *uint64
	SubnetLimit                  *uint16
}

// Apply returns p with the patch's fields overriding it.
func (q ParamsPatch) Apply(p Params) Params {
	set(&p.BlockEmission, q.BlockEmission)
	set(&p.TotalSupply, q.TotalSupply)
	set(&p.Halving, q.Halving)
	set(&p.EmissionShare, q.EmissionShare)
	set(&p.TAOWeight, q.TAOWeight)
	set(&p.MovingPriceAlpha, q.MovingPriceAlpha)
	set(&p.MovingPriceHalvingBlocks, q.MovingPriceHalvingBlocks)
	set(&p.OwnerCut, q.OwnerCut)
	set(&p.StakingFee, q.StakingFee)
	set(&p.MinStake, q.MinStake)
	set(&p.MinPoolLiquidity, q.MinPoolLiquidity)
	set(&p.DefaultTempo, q.DefaultTempo)
	set(&p.ValidatorTake, q.ValidatorTake)
	set(&p.Consensus, q.Consensus)
	set(&p.RegistrationBurn, q.RegistrationBurn)
	set(&p.MaxAllowedUIDs, q.MaxAllowedUIDs)
	set(&p.MaxAllowedValidators, q.MaxAllowedValidators)
	set(&p.ImmunityPeriod, q.ImmunityPeriod)
	set(&p.ActivityCutoff, q.ActivityCutoff)
	set(&p.WeightsRateLimit, q.WeightsRateLimit)
	set(&p.Kappa, q.Kappa)
	set(&p.BondsMovingAverage, q.BondsMovingAverage)
	set(&p.NetworkMinLock, q.NetworkMinLock)
	set(&p.NetworkLockReductionInterval, q.NetworkLockReductionInterval)
	set(&p.SubnetLimit, q.SubnetLimit)
	return p
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
