package backtest

import (
	"bytes"
	"encoding/json"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/engine"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// Record is one output record of the contract: the state after block B's coinbase and actions,
// and what happened since the previous record. Field names and order are the contract's.
type Record struct {
	Name          string          `json:"name"`
	Block         uint64          `json:"block"`
	BlockEmission uint64          `json:"block_emission"`
	TotalIssuance uint64          `json:"total_issuance"`
	RootTAO       uint64          `json:"root_tao"`
	Subnets       []SubnetRecord  `json:"subnets"`
	Actions       []ActionRecord  `json:"actions"`
	Epochs        []EpochRecord   `json:"epochs"`
	Balances      []BalanceRecord `json:"balances,omitempty"`
	Stakes        []StakeRecord   `json:"stakes,omitempty"`

	accounts bool // record.accounts: write balances and stakes even when empty
}

// SubnetRecord is one subnet in a record.
type SubnetRecord struct {
	NetUID           uint16 `json:"netuid"`
	TAOIn            uint64 `json:"tao_in"`
	AlphaIn          uint64 `json:"alpha_in"`
	AlphaOut         uint64 `json:"alpha_out"`
	Price            string `json:"price"`
	MovingPrice      string `json:"moving_price"`
	TAOInEmission    uint64 `json:"tao_in_emission"`
	AlphaInEmission  uint64 `json:"alpha_in_emission"`
	AlphaOutEmission uint64 `json:"alpha_out_emission"`
	OwnerCut         uint64 `json:"owner_cut"`
	RootDivsTAO      uint64 `json:"root_divs_tao"`
}

// ActionRecord is one action's outcome: amounts when ok, the stable code (and a message for
// people, our addition) when not.
type ActionRecord struct {
	Index   int     `json:"index"`
	Block   uint64  `json:"block"`
	Type    string  `json:"type"`
	OK      bool    `json:"ok"`
	TAO     uint64  `json:"tao"`
	Alpha   uint64  `json:"alpha"`
	Fee     uint64  `json:"fee"`
	UID     *uint16 `json:"uid,omitempty"`    // register_neuron, set_weights
	NetUID  *uint16 `json:"netuid,omitempty"` // register_subnet
	Error   string  `json:"error,omitempty"`
	Message string  `json:"message,omitempty"`
}

// EpochRecord is one epoch's payout.
type EpochRecord struct {
	NetUID        uint16 `json:"netuid"`
	Block         uint64 `json:"block"`
	Mode          string `json:"mode"`
	AlphaPaid     uint64 `json:"alpha_paid"`
	RootTAOPaid   uint64 `json:"root_tao_paid"`
	OwnerCutPaid  uint64 `json:"owner_cut_paid"`
	Undistributed int64  `json:"undistributed"`
	// Neurons is each registered neuron's part of the epoch, uid order (our addition).
	Neurons []NeuronRecord `json:"neurons,omitempty"`
}

// NeuronRecord is one neuron in an epoch: the chain's stored u16 proportions and the alpha paid.
type NeuronRecord struct {
	UID             uint16      `json:"uid"`
	Hotkey          string      `json:"hotkey"`
	StakeWeight     uint64      `json:"stake_weight"`
	Rank            uint16      `json:"rank"`
	Trust           uint16      `json:"trust"`
	Consensus       uint16      `json:"consensus"`
	Incentive       uint16      `json:"incentive"`
	Dividends       uint16      `json:"dividends"`
	ValidatorTrust  uint16      `json:"validator_trust"`
	ValidatorPermit bool        `json:"validator_permit"`
	Active          bool        `json:"active"`
	Emission        uint64      `json:"emission"`
	IncentiveAlpha  uint64      `json:"incentive_alpha"`
	DividendsAlpha  uint64      `json:"dividends_alpha"`
	Bonds           [][2]uint16 `json:"bonds,omitempty"` // [uid, value], with record.bonds
}

// BalanceRecord is a coldkey's free TAO.
type BalanceRecord struct {
	Coldkey string `json:"coldkey"`
	Free    uint64 `json:"free"`
}

// StakeRecord is a coldkey's stake on (hotkey, netuid).
type StakeRecord struct {
	Coldkey string `json:"coldkey"`
	Hotkey  string `json:"hotkey"`
	NetUID  uint16 `json:"netuid"`
	Alpha   uint64 `json:"alpha"`
}

// MarshalJSON writes the contract's two shapes: amounts for a success, the code (and message)
// for a failure, never zero amounts that would read as "filled nothing".
func (a ActionRecord) MarshalJSON() ([]byte, error) {
	if a.OK {
		type ok struct {
			Index  int     `json:"index"`
			Block  uint64  `json:"block"`
			Type   string  `json:"type"`
			OK     bool    `json:"ok"`
			TAO    uint64  `json:"tao"`
			Alpha  uint64  `json:"alpha"`
			Fee    uint64  `json:"fee"`
			UID    *uint16 `json:"uid,omitempty"`
			NetUID *uint16 `json:"netuid,omitempty"`
		}
		return marshal(ok{a.Index, a.Block, a.Type, true, a.TAO, a.Alpha, a.Fee, a.UID, a.NetUID})
	}
	type failed struct {
		Index   int    `json:"index"`
		Block   uint64 `json:"block"`
		Type    string `json:"type"`
		OK      bool   `json:"ok"`
		Error   string `json:"error"`
		Message string `json:"message,omitempty"`
	}
	return marshal(failed{a.Index, a.Block, a.Type, false, a.Error, a.Message})
}

// marshal is json.Marshal without HTML escaping: records are data, and "<" in a message should
// read as "<".
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func subnetRecord(s *pools.Subnet) SubnetRecord {
	price := "0.000000000000000000"
	if s.AlphaIn != 0 {
		price = dtaod.FormatQuotient(uint64(s.TAOIn), uint64(s.AlphaIn))
	}
	return SubnetRecord{
		NetUID:           uint16(s.NetUID),
		TAOIn:            uint64(s.TAOIn),
		AlphaIn:          uint64(s.AlphaIn),
		AlphaOut:         uint64(s.AlphaOut),
		Price:            price,
		MovingPrice:      s.MovingPrice.String(),
		TAOInEmission:    uint64(s.LastTAOInEmission),
		AlphaInEmission:  uint64(s.LastAlphaInEmission),
		AlphaOutEmission: uint64(s.LastAlphaOutEmission),
		OwnerCut:         uint64(s.LastOwnerCut),
		RootDivsTAO:      uint64(s.LastRootDivsTAO),
	}
}

func actionRecord(a *scenario.Action, out *engine.Outcome) ActionRecord {
	r := ActionRecord{Index: a.Index, Block: uint64(a.Block), Type: a.Name, OK: out.Err == nil}
	if out.Err != nil {
		r.Error = dtaod.CodeOf(out.Err)
		r.Message = out.Err.Error()
		return r
	}
	r.TAO, r.Alpha, r.Fee = uint64(out.Receipt.TAO), uint64(out.Receipt.Alpha), uint64(out.Receipt.Fee)
	switch a.Order.Kind {
	case pools.RegisterNeuron, pools.SetWeights:
		uid := out.Receipt.UID
		r.UID = &uid
	case pools.RegisterSubnet:
		n := uint16(out.Receipt.NetUID)
		r.NetUID = &n
	}
	return r
}

// epochRecord copies an epoch's record out of the engine's per-block arena (which the next block
// reuses); bonds only when asked for, since a 256-neuron subnet's bonds dwarf the rest.
func epochRecord(e *emission.EpochRecord, neurons, bonds bool) EpochRecord {
	r := EpochRecord{
		NetUID: uint16(e.NetUID), Block: uint64(e.Block), Mode: e.Mode,
		AlphaPaid: uint64(e.AlphaPaid), RootTAOPaid: uint64(e.RootTAOPaid),
		OwnerCutPaid: uint64(e.OwnerCutPaid), Undistributed: e.Undistributed,
	}
	if !neurons {
		return r
	}
	r.Neurons = make([]NeuronRecord, len(e.Neurons))
	for i, n := range e.Neurons {
		r.Neurons[i] = NeuronRecord{
			UID: n.UID, Hotkey: n.Hotkey, StakeWeight: n.StakeWeight, Rank: n.Rank, Trust: n.Trust,
			Consensus: n.Consensus, Incentive: n.Incentive, Dividends: n.Dividends, ValidatorTrust: n.ValidatorTrust,
			ValidatorPermit: n.ValidatorPermit, Active: n.Active, Emission: n.Emission,
			IncentiveAlpha: n.IncentiveAlpha, DividendsAlpha: n.DividendsAlpha,
		}
		if bonds {
			r.Neurons[i].Bonds = make([][2]uint16, len(n.Bonds))
			for j, b := range n.Bonds {
				r.Neurons[i].Bonds[j] = [2]uint16{b.UID, b.Value}
			}
		}
	}
	return r
}
