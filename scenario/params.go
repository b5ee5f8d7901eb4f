package scenario

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/dtaod/dtaod"
)

// A live chain changes its parameters with a set_params entry in the mempool: the scenario
// action without its block, {"type":"set_params","params":{...}}, parsed by the same rules as a
// scenario file's params so a sudo change, a regime and a backtest's set_params agree.

// ParamType is how a parameter is written in a params object, for callers (the HTTP API) that
// hold requests to a stricter form than a scenario file: amounts and fractions as strings,
// integers as numbers.
type ParamType uint8

// The parameter types.
const (
	ParamAmount   ParamType = iota // base units: a string of digits (a file may write a number)
	ParamFraction                  // a decimal string such as "0.18" (a file may write a number)
	ParamInteger                   // a JSON integer (blocks, counts, tempo)
	ParamName                      // one of a few names ("issuance", "yuma"...)
)

// Param names a parameter of the contract's params object and its type.
type Param struct {
	Name string
	Type ParamType
}

// paramSpec is a parameter with the function that writes its value from a patch (ok false when
// the patch leaves it unchanged), as the JSON text FormatParams writes.
type paramSpec struct {
	Param
	text func(q *dtaod.ParamsPatch) (string, bool)
}

func amountText(v *dtaod.TAO) (string, bool) {
	if v == nil {
		return "", false
	}
	return strconv.Quote(strconv.FormatUint(uint64(*v), 10)), true
}

func fractionText(v *dtaod.Fixed) (string, bool) {
	if v == nil {
		return "", false
	}
	return strconv.Quote(v.String()), true
}

func intText[T uint16 | uint64](v *T) (string, bool) {
	if v == nil {
		return "", false
	}
	return strconv.FormatUint(uint64(*v), 10), true
}

func nameText[T interface{ String() string }](v *T) (string, bool) {
	if v == nil {
		return "", false
	}
	return strconv.Quote((*v).String()), true
}

// paramSpecs is every parameter in the contract's order (the order FormatParams writes).
var paramSpecs = []paramSpec{
	{Param{"block_emission", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.BlockEmission) }},
	{Param{"total_supply", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.TotalSupply) }},
	{Param{"halving", ParamName}, func(q *dtaod.ParamsPatch) (string, bool) { return nameText(q.Halving) }},
	{Param{"emission_share", ParamName}, func(q *dtaod.ParamsPatch) (string, bool) { return nameText(q.EmissionShare) }},
	{Param{"tao_weight", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.TAOWeight) }},
	{Param{"moving_price_alpha", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.MovingPriceAlpha) }},
	{Param{"moving_price_halving_blocks", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.MovingPriceHalvingBlocks) }},
	{Param{"owner_cut", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.OwnerCut) }},
	{Param{"staking_fee", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.StakingFee) }},
	{Param{"min_stake", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.MinStake) }},
	{Param{"min_pool_liquidity", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.MinPoolLiquidity) }},
	{Param{"default_tempo", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.DefaultTempo) }},
	{Param{"validator_take", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.ValidatorTake) }},
	{Param{"consensus", ParamName}, func(q *dtaod.ParamsPatch) (string, bool) { return nameText(q.Consensus) }},
	{Param{"registration_burn", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.RegistrationBurn) }},
	{Param{"max_allowed_uids", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.MaxAllowedUIDs) }},
	{Param{"max_allowed_validators", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.MaxAllowedValidators) }},
	{Param{"immunity_period", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.ImmunityPeriod) }},
	{Param{"activity_cutoff", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.ActivityCutoff) }},
	{Param{"weights_rate_limit", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.WeightsRateLimit) }},
	{Param{"kappa", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.Kappa) }},
	{Param{"bonds_moving_average", ParamFraction}, func(q *dtaod.ParamsPatch) (string, bool) { return fractionText(q.BondsMovingAverage) }},
	{Param{"network_min_lock", ParamAmount}, func(q *dtaod.ParamsPatch) (string, bool) { return amountText(q.NetworkMinLock) }},
	{Param{"network_lock_reduction_interval", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) {
		return intText(q.NetworkLockReductionInterval)
	}},
	{Param{"subnet_limit", ParamInteger}, func(q *dtaod.ParamsPatch) (string, bool) { return intText(q.SubnetLimit) }},
}

// ParamList lists every parameter of the contract's params object, in its order: what a client
// may name in a params change, and what FormatParams writes for a full set.
func ParamList() []Param {
	out := make([]Param, len(paramSpecs))
	for i, s := range paramSpecs {
		out[i] = s.Param
	}
	return out
}

// PatchOf is the patch that sets every parameter to p's value.
func PatchOf(p dtaod.Params) dtaod.ParamsPatch {
	return dtaod.ParamsPatch{
		BlockEmission: &p.BlockEmission, TotalSupply: &p.TotalSupply, Halving: &p.Halving,
		EmissionShare: &p.EmissionShare, TAOWeight: &p.TAOWeight, MovingPriceAlpha: &p.MovingPriceAlpha,
		MovingPriceHalvingBlocks: &p.MovingPriceHalvingBlocks, OwnerCut: &p.OwnerCut,
		StakingFee: &p.StakingFee, MinStake: &p.MinStake, MinPoolLiquidity: &p.MinPoolLiquidity,
		DefaultTempo: &p.DefaultTempo, ValidatorTake: &p.ValidatorTake, Consensus: &p.Consensus,
		RegistrationBurn: &p.RegistrationBurn, MaxAllowedUIDs: &p.MaxAllowedUIDs,
		MaxAllowedValidators: &p.MaxAllowedValidators, ImmunityPeriod: &p.ImmunityPeriod,
		ActivityCutoff: &p.ActivityCutoff, WeightsRateLimit: &p.WeightsRateLimit, Kappa: &p.Kappa,
		BondsMovingAverage: &p.BondsMovingAverage, NetworkMinLock: &p.NetworkMinLock,
		NetworkLockReductionInterval: &p.NetworkLockReductionInterval, SubnetLimit: &p.SubnetLimit,
	}
}

// FormatParamsPatch writes a patch as a params object, canonically: the parameters it sets in
// the contract's order, amounts as strings of base units, fractions as decimal strings with 18
// decimals, integers as numbers and names as strings. An empty patch is {}.
func FormatParamsPatch(q *dtaod.ParamsPatch) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, s := range paramSpecs {
		v, ok := s.text(q)
		if !ok {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + s.Name + `":` + v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// FormatParams writes every parameter of p as a params object (FormatParamsPatch of PatchOf):
// the shape of a scenario file's params, so it can be pasted into one, and what GET /v1/chain
// shows.
func FormatParams(p dtaod.Params) []byte {
	q := PatchOf(p)
	return FormatParamsPatch(&q)
}

// FormatParamsChange writes a set_params entry canonically,
// {"type":"set_params","params":FormatParamsPatch(q)}: the mempool payload of a sudo change, so
// ParseParamsChange(FormatParamsChange(q)) == q and equal changes have equal bytes.
func FormatParamsChange(q *dtaod.ParamsPatch) []byte {
	return append(append([]byte(`{"type":"set_params","params":`), FormatParamsPatch(q)...), '}')
}

// IsParamsChange reports whether a payload is meant as a set_params entry (a JSON object whose
// type is "set_params"), valid or not: a mempool reader uses it to choose between ParseOrder and
// ParseParamsChange, and so to report the right parser's errors.
func IsParamsChange(data []byte) bool {
	var w struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(bytes.TrimPrefix(data, utf8BOM), &w) == nil && w.Type == "set_params"
}

// ParseParamsChange reads a parameter change: a JSON object with params (a params object as in
// a scenario file, every rule of which applies) and optionally type, which must then be
// "set_params" - so it reads both a set_params entry and the API's {"params":{...}}. Errors are
// an *ErrorList naming each field ("params.staking_fee", "params.stakin_fee" as unknown with a
// suggestion, "type").
func ParseParamsChange(data []byte) (dtaod.ParamsPatch, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	root, issues := decodeJSON(data)
	if root == nil {
		return dtaod.ParamsPatch{}, sortedList(issues)
	}
	p := &parser{issues: issues}
	if root.kind != kObject {
		p.fail(root.pos, "", "a parameter change must be a JSON object with params, got %s", describe(root))
		return dtaod.ParamsPatch{}, sortedList(p.issues)
	}
	o := p.object(root, "")
	o.context = " for set_params"
	if v := o.get("type"); v != nil {
		if typ, ok := p.stringOf(v, "type"); ok && typ != "set_params" {
			p.fail(v.pos, "type", "must be \"set_params\", got %s", describe(v))
		}
	}
	var q dtaod.ParamsPatch
	if v := o.require("params"); v != nil {
		q, _ = p.parsePatch(v, "params")
	}
	o.done("")
	if len(p.issues) > 0 {
		return dtaod.ParamsPatch{}, sortedList(p.issues)
	}
	return q, nil
}

// ParseParams reads a full params object as FormatParams writes it (how a store keeps changed
// params): the rules of ParseParamsChange, and every parameter must be present, so that nothing
// silently takes a default. Errors are an *ErrorList naming "params.<name>".
func ParseParams(data []byte) (dtaod.Params, error) {
	doc := append(append([]byte(`{"params":`), bytes.TrimPrefix(data, utf8BOM)...), '}')
	q, err := ParseParamsChange(doc)
	if err != nil {
		return dtaod.Params{}, err
	}
	l := &ErrorList{}
	for _, s := range paramSpecs {
		if _, ok := s.text(&q); !ok {
			l.Errors = append(l.Errors, &FieldError{Path: "params." + s.Name, Reason: "required field is missing (a full params object names every parameter)"})
		}
	}
	if len(l.Errors) > 0 {
		return dtaod.Params{}, l
	}
	return q.Apply(dtaod.Params{}), nil
}
