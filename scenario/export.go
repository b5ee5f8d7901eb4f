package scenario

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// ExportBlocks is the blocks value Export writes: a day of 12-second blocks, a starting point the
// user edits, since a live state has no natural end.
const ExportBlocks = 7200

// Export writes a live state as a version 1 scenario document (indented JSON) so that any state
// the service holds can be backtested: Parse accepts it and backtest.Genesis builds from it a
// state that runs the next blocks as st would, as far as the contract can say. start_block is
// st.Height (the last block applied), blocks is ExportBlocks, params are every field of p under
// its contract name, and the state lists every subnet, non-zero free balance, non-zero stake,
// neuron, weights row and bonds row, plus the subnet lock. The same state gives the same bytes:
// every list is in the snapshot's order (subnets by netuid; stakes by netuid, hotkey, coldkey;
// neurons by netuid, then uid, which is their order in the list; weights and bonds by uid).
//
// Each coldkey's stake is what the chain would pay it, floor(value x shares / denominator); the
// totals are written as they are (alpha_out, root_tao, total_issuance), so whatever the listed
// stakes do not name becomes the unnamed stake of backtest.Genesis, which never moves. The
// contract cannot carry, and Export folds:
//   - pending emission since the last epoch (PendingAlpha, PendingOwnerCut): kept in alpha_out,
//     so it becomes unnamed stake and the next epoch pays nothing of it;
//   - share-pool dust (a pool's value minus its floor'd stakes, under one base unit per staker):
//     kept in alpha_out or root_tao, so it is unnamed likewise, and restored pools hold exactly
//     the listed stakes;
//   - root's side of the emission since the last epoch (PendingRootTAO, the TAO the coinbase
//     swapped for root stakers, and PendingRootAlpha, the alpha that swap counts in the epoch's
//     dividends): dropped, since no field holds TAO between epochs; the TAO stays counted in
//     total_issuance (taken as given, so the halving is unchanged) and is never paid, and the
//     next epoch splits that much less alpha;
//   - the last epoch's neuron results (rank, trust, consensus, incentive, dividends, validator
//     trust, pruning score, active, emission): recomputed at each subnet's next epoch; until then
//     every neuron counts as active with pruning score 0, which can change which neuron a
//     registration on a full subnet replaces;
//   - a subnet's registration block (Genesis counts every subnet as started at block 0, so the
//     moving-price ramp reads as further along; only matters with moving_price_halving_blocks >
//     0), its swap volume counters, its last
//     coinbase's amounts (reporting only) and the burn shortfall (conservation bookkeeping);
//   - regimes not yet in effect: p is written as the params, the future is the user's to add.
//
// Validator permits are written for every neuron, so Genesis keeps them instead of recomputing.
func Export(st *pools.State, p dtaod.Params, name string) []byte {
	snap := st.Snapshot()
	blocks := uint64(ExportBlocks)
	if h := uint64(snap.Globals.Height); blocks > math.MaxUint64-h {
		blocks = max(math.MaxUint64-h, 1) // keep start_block + blocks in u64 when possible
	}
	doc := exportDoc{
		Version:    1,
		Name:       name,
		StartBlock: uint64(snap.Globals.Height),
		Blocks:     blocks,
		Params:     exportParamsOf(&p),
		State: exportState{
			TotalIssuance:        uint64(snap.Globals.TotalIssuance),
			RootTAO:              uint64(snap.Globals.RootTAO),
			Subnets:              []exportSubnet{},
			Balances:             []exportBalance{},
			Stakes:               []exportStake{},
			Neurons:              []exportNeuron{},
			Weights:              []exportWeights{},
			Bonds:                []exportBonds{},
			NetworkLastLock:      uint64(snap.Globals.NetworkLastLock),
			NetworkLastLockBlock: uint64(snap.Globals.NetworkLastLockBlock),
		},
	}
	s := &doc.State
	for i := range snap.Subnets {
		r := &snap.Subnets[i]
		s.Subnets = append(s.Subnets, exportSubnet{
			NetUID:               uint16(r.NetUID),
			TAOIn:                uint64(r.TAOIn),
			AlphaIn:              uint64(r.AlphaIn),
			AlphaOut:             uint64(r.AlphaOut),
			MovingPrice:          r.MovingPrice.String(),
			Tempo:                r.Tempo,
			RegistrationAllowed:  r.RegistrationAllowed,
			OwnerColdkey:         r.OwnerColdkey,
			OwnerHotkey:          r.OwnerHotkey,
			MaxAllowedUIDs:       r.MaxAllowedUIDs,
			MaxAllowedValidators: r.MaxAllowedValidators,
		})
	}
	for _, b := range snap.Balances { // already non-zero only
		s.Balances = append(s.Balances, exportBalance{Coldkey: b.Coldkey, Free: uint64(b.Free)})
	}
	for _, sh := range snap.Shares {
		// StakeOf is the floor the chain pays; a share too small to be worth a base unit is omitted.
		if v := st.StakeOf(sh.Coldkey, sh.Hotkey, sh.NetUID); v > 0 {
			s.Stakes = append(s.Stakes, exportStake{Coldkey: sh.Coldkey, Hotkey: sh.Hotkey, NetUID: uint16(sh.NetUID), Alpha: v})
		}
	}
	for i := range snap.Neurons {
		n := &snap.Neurons[i]
		s.Neurons = append(s.Neurons, exportNeuron{
			NetUID:          uint16(n.NetUID),
			Hotkey:          n.Hotkey,
			Coldkey:         n.Coldkey,
			RegisteredAt:    uint64(n.RegisteredAt),
			LastUpdate:      uint64(n.LastUpdate),
			ValidatorPermit: n.ValidatorPermit,
		})
		if len(n.Weights) > 0 {
			s.Weights = append(s.Weights, exportWeights{NetUID: uint16(n.NetUID), Hotkey: n.Hotkey, Weights: uidMap(n.Weights)})
		}
		if len(n.Bonds) > 0 {
			s.Bonds = append(s.Bonds, exportBonds{NetUID: uint16(n.NetUID), Hotkey: n.Hotkey, Bonds: uidMap(n.Bonds)})
		}
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // addresses are written as they are, not as \u003c escapes
	enc.SetIndent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		// Every value above is a plain string, integer or bool: encoding cannot fail.
		panic("scenario: Export: " + err.Error())
	}
	return buf.Bytes()
}

// The document's shape, in the contract's field order. Amounts are strings of base units (the
// contract allows both, and strings survive tools that read JSON numbers as float64).
type exportDoc struct {
	Version    int          `json:"version"`
	Name       string       `json:"name"`
	StartBlock uint64       `json:"start_block"`
	Blocks     uint64       `json:"blocks"`
	Params     exportParams `json:"params"`
	State      exportState  `json:"state"`
}

type exportParams struct {
	BlockEmission                uint64 `json:"block_emission,string"`
	TotalSupply                  uint64 `json:"total_supply,string"`
	Halving                      string `json:"halving"`
	EmissionShare                string `json:"emission_share"`
	TAOWeight                    string `json:"tao_weight"`
	MovingPriceAlpha             string `json:"moving_price_alpha"`
	MovingPriceHalvingBlocks     uint64 `json:"moving_price_halving_blocks"`
	OwnerCut                     string `json:"owner_cut"`
	StakingFee                   uint64 `json:"staking_fee,string"`
	MinStake                     uint64 `json:"min_stake,string"`
	MinPoolLiquidity             uint64 `json:"min_pool_liquidity,string"`
	DefaultTempo                 uint16 `json:"default_tempo"`
	ValidatorTake                string `json:"validator_take"`
	Consensus                    string `json:"consensus"`
	RegistrationBurn             uint64 `json:"registration_burn,string"`
	MaxAllowedUIDs               uint16 `json:"max_allowed_uids"`
	MaxAllowedValidators         uint16 `json:"max_allowed_validators"`
	ImmunityPeriod               uint64 `json:"immunity_period"`
	ActivityCutoff               uint64 `json:"activity_cutoff"`
	WeightsRateLimit             uint64 `json:"weights_rate_limit"`
	Kappa                        string `json:"kappa"`
	BondsMovingAverage           string `json:"bonds_moving_average"`
	NetworkMinLock               uint64 `json:"network_min_lock,string"`
	NetworkLockReductionInterval uint64 `json:"network_lock_reduction_interval"`
	SubnetLimit                  uint16 `json:"subnet_limit"`
}

func exportParamsOf(p *dtaod.Params) exportParams {
	return exportParams{
		BlockEmission:                uint64(p.BlockEmission),
		TotalSupply:                  uint64(p.TotalSupply),
		Halving:                      p.Halving.String(),
		EmissionShare:                p.EmissionShare.String(),
		TAOWeight:                    p.TAOWeight.String(),
		MovingPriceAlpha:             p.MovingPriceAlpha.String(),
		MovingPriceHalvingBlocks:     p.MovingPriceHalvingBlocks,
		OwnerCut:                     p.OwnerCut.String(),
		StakingFee:                   uint64(p.StakingFee),
		MinStake:                     uint64(p.MinStake),
		MinPoolLiquidity:             uint64(p.MinPoolLiquidity),
		DefaultTempo:                 p.DefaultTempo,
		ValidatorTake:                p.ValidatorTake.String(),
		Consensus:                    p.Consensus.String(),
		RegistrationBurn:             uint64(p.RegistrationBurn),
		MaxAllowedUIDs:               p.MaxAllowedUIDs,
		MaxAllowedValidators:         p.MaxAllowedValidators,
		ImmunityPeriod:               p.ImmunityPeriod,
		ActivityCutoff:               p.ActivityCutoff,
		WeightsRateLimit:             p.WeightsRateLimit,
		Kappa:                        p.Kappa.String(),
		BondsMovingAverage:           p.BondsMovingAverage.String(),
		NetworkMinLock:               uint64(p.NetworkMinLock),
		NetworkLockReductionInterval: p.NetworkLockReductionInterval,
		SubnetLimit:                  p.SubnetLimit,
	}
}

type exportState struct {
	TotalIssuance        uint64          `json:"total_issuance,string"`
	RootTAO              uint64          `json:"root_tao,string"`
	Subnets              []exportSubnet  `json:"subnets"`
	Balances             []exportBalance `json:"balances"`
	Stakes               []exportStake   `json:"stakes"`
	Neurons              []exportNeuron  `json:"neurons"`
	Weights              []exportWeights `json:"weights"`
	Bonds                []exportBonds   `json:"bonds"`
	NetworkLastLock      uint64          `json:"network_last_lock,string"`
	NetworkLastLockBlock uint64          `json:"network_last_lock_block"`
}

type exportSubnet struct {
	NetUID               uint16 `json:"netuid"`
	TAOIn                uint64 `json:"tao_in,string"`
	AlphaIn              uint64 `json:"alpha_in,string"`
	AlphaOut             uint64 `json:"alpha_out,string"`
	MovingPrice          string `json:"moving_price"`
	Tempo                uint16 `json:"tempo"`
	RegistrationAllowed  bool   `json:"registration_allowed"`
	OwnerColdkey         string `json:"owner_coldkey"`
	OwnerHotkey          string `json:"owner_hotkey"`
	MaxAllowedUIDs       uint16 `json:"max_allowed_uids"`
	MaxAllowedValidators uint16 `json:"max_allowed_validators"`
}

type exportBalance struct {
	Coldkey string `json:"coldkey"`
	Free    uint64 `json:"free,string"`
}

type exportStake struct {
	Coldkey string `json:"coldkey"`
	Hotkey  string `json:"hotkey"`
	NetUID  uint16 `json:"netuid"`
	Alpha   uint64 `json:"alpha,string"`
}

type exportNeuron struct {
	NetUID          uint16 `json:"netuid"`
	Hotkey          string `json:"hotkey"`
	Coldkey         string `json:"coldkey"`
	RegisteredAt    uint64 `json:"registered_at"`
	LastUpdate      uint64 `json:"last_update"`
	ValidatorPermit bool   `json:"validator_permit"`
}

type exportWeights struct {
	NetUID  uint16 `json:"netuid"`
	Hotkey  string `json:"hotkey"`
	Weights uidMap `json:"weights"`
}

type exportBonds struct {
	NetUID uint16 `json:"netuid"`
	Hotkey string `json:"hotkey"`
	Bonds  uidMap `json:"bonds"`
}

// uidMap is a sparse weights or bonds row written as the contract's {uid: value} object, keys in
// uid order (a Go map would sort them as strings: "10" before "2").
type uidMap []pools.Weight

// MarshalJSON writes the row as an object with numeric keys in uid order.
func (m uidMap) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, w := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = strconv.AppendUint(b, uint64(w.UID), 10)
		b = append(b, '"', ':')
		b = strconv.AppendUint(b, uint64(w.Value), 10)
	}
	return append(b, '}'), nil
}
