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
	Index   int    `json:"index"`
	Block   uint64 `json:"block"`
	Type    string `json:"type"`
	OK      bool   `json:"ok"`
	TAO     uint64 `json:"tao"`
	Alpha   uint64 `json:"alpha"`
	Fee     uint64 `json:"fee"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
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
			Index int    `json:"index"`
			Block uint64 `json:"block"`
			Type  string `json:"type"`
			OK    bool   `json:"ok"`
			TAO   uint64 `json:"tao"`
			Alpha uint64 `json:"alpha"`
			Fee   uint64 `json:"fee"`
		}
		return marshal(ok{a.Index, a.Block, a.Type, true, a.TAO, a.Alpha, a.Fee})
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
	return r
}

func epochRecord(e *emission.EpochRecord) EpochRecord {
	return EpochRecord{
		NetUID: uint16(e.NetUID), Block: uint64(e.Block), Mode: e.Mode,
		AlphaPaid: uint64(e.AlphaPaid), RootTAOPaid: uint64(e.RootTAOPaid),
		OwnerCutPaid: uint64(e.OwnerCutPaid), Undistributed: e.Undistributed,
	}
}
