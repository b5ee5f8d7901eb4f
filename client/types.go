package client

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// Amount is an amount the API sent, {value, unit, display}, as a typed integer of base units
// (rao; 1 TAO = 10^9). It marshals back to the API's shape, so --json output of a program
// matches the server's.
type Amount struct {
	Value uint64 // base units
	Unit  string // "tao", or "alpha:<netuid>" (root stake is TAO)
}

// TAO is the amount as TAO (meaningful when Unit is "tao").
func (a Amount) TAO() dtaod.TAO { return dtaod.TAO(a.Value) }

// Alpha is the amount as alpha (meaningful when Unit is "alpha:N").
func (a Amount) Alpha() dtaod.Alpha { return dtaod.Alpha(a.Value) }

// Display is the value with 9 decimals, as the API's display field.
func (a Amount) Display() string { return dtaod.TAO(a.Value).String() }

// String is the value with 9 decimals and the unit: "1.500000000 TAO", "2.000000000 alpha:1".
func (a Amount) String() string { return a.Display() + " " + UnitLabel(a.Unit) }

// UnitLabel is how people read a unit: "TAO" for tao, the unit itself ("alpha:1") otherwise.
func UnitLabel(unit string) string {
	if unit == "tao" {
		return "TAO"
	}
	return unit
}

type wireAmount struct {
	Value   string `json:"value"`
	Unit    string `json:"unit"`
	Display string `json:"display"`
}

var unitRE = regexp.MustCompile(`^(tao|alpha:[0-9]{1,5})$`)

// UnmarshalJSON reads {value, unit, display}; a value that is not an integer string below 2^64
// is an error naming it (use WideAmount for 128-bit counters).
func (a *Amount) UnmarshalJSON(data []byte) error {
	var w wireAmount
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	if !unitRE.MatchString(w.Unit) {
		return fmt.Errorf("amount: unit %q is not tao or alpha:N", w.Unit)
	}
	v, err := parseUnits(w.Value)
	if err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	a.Value, a.Unit = v, w.Unit
	return nil
}

// MarshalJSON writes the API's {value, unit, display}.
func (a Amount) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireAmount{Value: strconv.FormatUint(a.Value, 10), Unit: a.Unit, Display: a.Display()})
}

// parseUnits reads a string of base units (digits only) into a uint64.
func parseUnits(s string) (uint64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("value %q is not a string of base units", s)
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("value %q is above 2^64-1", s)
	}
	return v, nil
}

// WideAmount is an amount that may pass 64 bits: the 128-bit volume counter, a market cap, a
// stake's value at a high price.
type WideAmount struct {
	Value uint256.Int
	Unit  string
}

// Display is the value with 9 decimals.
func (a WideAmount) Display() string {
	s := a.Value.Dec()
	for len(s) < 10 {
		s = "0" + s
	}
	return s[:len(s)-9] + "." + s[len(s)-9:]
}

// String is the value with 9 decimals and its unit.
func (a WideAmount) String() string { return a.Display() + " " + UnitLabel(a.Unit) }

// UnmarshalJSON reads {value, unit, display} with a value up to 2^256-1.
func (a *WideAmount) UnmarshalJSON(data []byte) error {
	var w wireAmount
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	if !unitRE.MatchString(w.Unit) {
		return fmt.Errorf("amount: unit %q is not tao or alpha:N", w.Unit)
	}
	if w.Value == "" || strings.TrimLeft(w.Value, "0123456789") != "" || len(w.Value) > 78 {
		return fmt.Errorf("amount: value %q is not a string of base units", w.Value)
	}
	v, err := uint256.FromDecimal(w.Value)
	if err != nil {
		return fmt.Errorf("amount: value %q: %w", w.Value, err)
	}
	a.Value, a.Unit = *v, w.Unit
	return nil
}

// MarshalJSON writes the API's {value, unit, display}.
func (a WideAmount) MarshalJSON() ([]byte, error) {
	return json.Marshal(wireAmount{Value: a.Value.Dec(), Unit: a.Unit, Display: a.Display()})
}

// Price is a price in TAO per alpha, or a ratio (a share, a price impact), exactly as the API
// wrote it: 18 decimals on dtaod's fixed-point grid.
type Price struct{ dtaod.Price }

// UnmarshalJSON reads a decimal string.
func (p *Price) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("price: want a decimal string: %w", err)
	}
	v, err := dtaod.ParsePrice(s)
	if err != nil {
		return fmt.Errorf("price: %w", err)
	}
	p.Price = v
	return nil
}

// MarshalJSON writes the 18-decimal string.
func (p Price) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// ChainInfo is GET /v1/chain: what a client needs to sign for this chain and to know what it
// offers.
type ChainInfo struct {
	Block       uint64          `json:"block"`
	ChainID     string          `json:"chain_id"`      // signed into every order
	GenesisHash string          `json:"genesis_hash"`  // the genesis state hash
	SS58Prefix  uint16          `json:"ss58_prefix"`   // 42
	Dev         bool            `json:"dev"`           // started on the embedded dev genesis
	Faucet      bool            `json:"faucet"`        // POST /v1/admin/faucet is available
	BlockTimeMS int64           `json:"block_time_ms"` // the target time between blocks
	Params      json.RawMessage `json:"params"`        // the chain parameters, as a scenario's params
}

// Block is a block header (GET /v1/blocks/latest).
type Block struct {
	Block         uint64  `json:"block"`
	Height        uint64  `json:"height"`
	StateHash     string  `json:"state_hash"`
	ParentHash    string  `json:"parent_hash"`
	Emission      Amount  `json:"emission"`
	TotalIssuance Amount  `json:"total_issuance"`
	Orders        int     `json:"orders"`
	ProducedAt    *string `json:"produced_at"`
}

// Subnet is a subnet's pool, prices and emissions (GET /v1/subnets and /v1/subnets/{netuid}).
// Block is set by Subnet (one subnet); items of Subnets carry the page's block.
type Subnet struct {
	Block               uint64     `json:"block"`
	NetUID              uint16     `json:"netuid"`
	Name                string     `json:"name"`
	Symbol              string     `json:"symbol"`
	Tempo               uint16     `json:"tempo"`
	TAOIn               Amount     `json:"tao_in"`
	AlphaIn             Amount     `json:"alpha_in"`
	AlphaOut            Amount     `json:"alpha_out"`
	Price               Price      `json:"price"`
	MovingPrice         Price      `json:"moving_price"`
	MarketCap           WideAmount `json:"market_cap"`
	EmissionShare       Price      `json:"emission_share"`
	TAOInEmission       Amount     `json:"tao_in_emission"`
	AlphaInEmission     Amount     `json:"alpha_in_emission"`
	AlphaOutEmission    Amount     `json:"alpha_out_emission"`
	Volume              WideAmount `json:"volume"`
	OwnerColdkey        string     `json:"owner_coldkey"`
	OwnerHotkey         string     `json:"owner_hotkey"`
	RegistrationAllowed bool       `json:"registration_allowed"`
	Neurons             int        `json:"neurons"`
}

// Neuron is a registered hotkey of a subnet with its stake and last epoch's results.
type Neuron struct {
	UID             uint16 `json:"uid"`
	Hotkey          string `json:"hotkey"`
	Coldkey         string `json:"coldkey"`
	RegisteredAt    uint64 `json:"registered_at"`
	LastUpdate      uint64 `json:"last_update"`
	ValidatorPermit bool   `json:"validator_permit"`
	Stake           Amount `json:"stake"`
	Rank            Price  `json:"rank"`
	Trust           Price  `json:"trust"`
	Consensus       Price  `json:"consensus"`
	Incentive       Price  `json:"incentive"`
	Dividends       Price  `json:"dividends"`
	ValidatorTrust  Price  `json:"validator_trust"`
	Emission        Amount `json:"emission"`
	Active          bool   `json:"active"`
}

// Account is an account's free TAO, next nonce and stake positions.
type Account struct {
	Block     uint64     `json:"block"`
	Address   string     `json:"address"`
	Free      Amount     `json:"free"`
	Nonce     uint64     `json:"nonce"`
	Positions []Position `json:"positions"`
}

// Position is stake on one hotkey in one subnet, with its value now.
type Position struct {
	Hotkey            string     `json:"hotkey"`
	NetUID            uint16     `json:"netuid"`
	Alpha             Amount     `json:"alpha"`
	ValueSpot         WideAmount `json:"value_spot"`
	ValueIfSold       Amount     `json:"value_if_sold"`
	ValueIfSoldReason string     `json:"value_if_sold_reason,omitempty"`
}

// QuoteRequest asks what a trade would give now. Kind is "stake", "unstake" or "move"; NetUID
// is for stake and unstake, FromNetUID and ToNetUID for moves. Exactly one of AmountIn and
// AmountOut is set (ExactOut says which): a stake spends TAO, an unstake or move spends alpha.
// Tolerance is a decimal fraction ("0.005"); empty means the server's default, 0.5%.
type QuoteRequest struct {
	Kind       string
	NetUID     uint16
	FromNetUID uint16
	ToNetUID   uint16
	Amount     uint64
	ExactOut   bool
	Tolerance  string
}

// MarshalJSON writes the API's QuoteStake or QuoteMove body.
func (q QuoteRequest) MarshalJSON() ([]byte, error) {
	m := map[string]any{"kind": q.Kind}
	if q.Kind == "move" {
		m["from_netuid"], m["to_netuid"] = q.FromNetUID, q.ToNetUID
	} else {
		m["netuid"] = q.NetUID
	}
	amt := strconv.FormatUint(q.Amount, 10)
	if q.ExactOut {
		m["amount_out"] = amt
	} else {
		m["amount_in"] = amt
	}
	if q.Tolerance != "" {
		m["tolerance"] = q.Tolerance
	}
	return json.Marshal(m)
}

// Quote is what a trade gives now and the protection to send with it: LimitPrice makes the
// order fail rather than deliver less than MinReceived.
type Quote struct {
	Block           uint64 `json:"block"`
	Kind            string `json:"kind"`
	AmountIn        Amount `json:"amount_in"`
	AmountOut       Amount `json:"amount_out"`
	Fee             Amount `json:"fee"`
	SpotPriceBefore Price  `json:"spot_price_before"`
	ExecutionPrice  Price  `json:"execution_price"`
	PriceAfter      Price  `json:"price_after"`
	PriceImpact     Price  `json:"price_impact"`
	MinReceived     Amount `json:"min_received"`
	LimitPrice      Price  `json:"limit_price"`
	MaxFillAtLimit  Amount `json:"max_fill_at_limit"`
}

// Order is an order and, once its block is committed, its receipt. An order just accepted
// (a submit answered 202) has only Block, Seq and Status.
type Order struct {
	Block         uint64          `json:"block"`
	Seq           int64           `json:"seq"`
	Status        string          `json:"status"` // pending | included
	Signer        *string         `json:"signer,omitempty"`
	Nonce         *uint64         `json:"nonce,omitempty"`
	Call          json.RawMessage `json:"call,omitempty"`
	SubmittedAt   string          `json:"submitted_at,omitempty"`
	IncludedBlock *uint64         `json:"included_block,omitempty"`
	Index         *int            `json:"index,omitempty"`
	Receipt       *Receipt        `json:"receipt,omitempty"`
}

// Included reports whether the order's block is committed (Receipt is then set).
func (o *Order) Included() bool { return o.Status == "included" && o.Receipt != nil }

// Receipt is what an included order did; a failed one (OK false, Code set) changed nothing.
type Receipt struct {
	OK          bool   `json:"ok"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	TAO         Amount `json:"tao"`
	Alpha       Amount `json:"alpha"`
	Fee         Amount `json:"fee"`
	UID         uint16 `json:"uid"`
	NetUID      uint16 `json:"netuid"`
	PriceBefore Price  `json:"price_before"`
	PriceAfter  Price  `json:"price_after"`
}

// Accepted is an admin request's answer: accepted, applied in the next block; Seq is the
// order's (0 for a parameter change, which has none).
type Accepted struct {
	Block  uint64 `json:"block"`
	Seq    int64  `json:"seq,omitempty"`
	Status string `json:"status"`
}
