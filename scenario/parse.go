package scenario

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dtaod/dtaod"
)

// Format is the syntax of a scenario file. The contract allows JSON and YAML with the same
// fields; callers that know the syntax (from a file name or a content type) say so, others let
// Parse sniff it.
type Format uint8

// The formats Parse reads.
const (
	FormatAuto Format = iota // JSON if the first non-space byte is '{', else YAML
	FormatJSON
	FormatYAML
)

// String returns the format's name as a user would write it.
func (f Format) String() string {
	switch f {
	case FormatAuto:
		return "auto"
	case FormatJSON:
		return "json"
	case FormatYAML:
		return "yaml"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// FormatOf picks the format from a file name's extension (.json, .yaml, .yml), so that a YAML
// file that happens to start with '{' is still read as YAML; anything else is FormatAuto.
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON
	case ".yaml", ".yml":
		return FormatYAML
	}
	return FormatAuto
}

// ParseFile reads and parses a scenario file, choosing the format with FormatOf. A file that
// cannot be read returns the operating system's error (which names the file) rather than an
// *ErrorList, so callers can tell "no such file" from "bad file".
func ParseFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, FormatOf(path))
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Parse decodes and validates a scenario, applying every default of the contract. On failure it
// returns nil and an *ErrorList holding every problem found, in file order, each naming the
// field's path and the reason; it never panics, whatever the input.
func Parse(data []byte, format Format) (*Scenario, error) {
	return parse(data, format, false)
}

// ParseGenesis reads a live chain's genesis: a scenario file whose params and state (and
// start_block, the height the chain starts after) are used; blocks is optional, and the rest
// (actions, regimes, record) is validated but is the caller's to ignore. Any backtest's file is
// therefore a valid genesis.
func ParseGenesis(data []byte, format Format) (*Scenario, error) {
	return parse(data, format, true)
}

func parse(data []byte, format Format, genesis bool) (*Scenario, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if format == FormatAuto {
		format = FormatYAML
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			format = FormatJSON
		}
	}
	var root *node
	var issues []*issue
	switch format {
	case FormatJSON:
		root, issues = decodeJSON(data)
	case FormatYAML:
		root, issues = decodeYAML(data)
	default:
		return nil, &ErrorList{Errors: []*FieldError{{Reason: fmt.Sprintf("syntax error: unknown format %v", format)}}}
	}
	if root == nil {
		return nil, sortedList(issues)
	}
	p := &parser{issues: issues, genesis: genesis}
	sc := p.scenario(root)
	if len(p.issues) > 0 || sc == nil {
		return nil, sortedList(p.issues)
	}
	return sc, nil
}

// scenario walks the top level.
func (p *parser) scenario(root *node) *Scenario {
	if root.kind != kObject {
		p.fail(root.pos, "", "line %d: the top level must be an object with at least version and blocks, got %s",
			max(root.pos.line, 1), describe(root))
		return nil
	}
	o := p.object(root, "")
	sc := &Scenario{Version: 1, Params: dtaod.DefaultParams(), Record: Record{Every: 1}}

	if n := o.require("version"); n != nil {
		if v, ok := p.uint64Of(n, "version"); ok && v != 1 {
			p.fail(n.pos, "version", "unsupported version %d (this engine reads version 1)", v)
		}
	}
	if n := o.get("name"); n != nil {
		sc.Name, _ = p.stringOf(n, "name")
	}
	if n := o.get("seed"); n != nil {
		sc.Seed, _ = p.int64Of(n, "seed")
	}
	startOK := true
	if n := o.get("start_block"); n != nil {
		var v uint64
		v, startOK = p.uint64Of(n, "start_block")
		sc.StartBlock = dtaod.Block(v)
	}
	blocksOK := false
	blocksNode := o.get("blocks")
	if blocksNode == nil && !p.genesis {
		blocksNode = o.require("blocks")
	}
	if p.genesis && blocksNode == nil {
		blocksOK = true
	}
	if n := blocksNode; n != nil {
		sc.Blocks, blocksOK = p.uintIn(n, "blocks", 1, math.MaxUint64, "a number of blocks")
		if blocksOK && startOK && sc.Blocks > math.MaxUint64-uint64(sc.StartBlock) {
			p.fail(n.pos, "blocks", "start_block + blocks = %d + %d exceeds the u64 maximum %s",
				sc.StartBlock, sc.Blocks, u64Max)
			blocksOK = false
		}
	}
	if n := o.get("record"); n != nil {
		sc.Record = p.record(n)
	}
	if n := o.get("params"); n != nil {
		patch, _ := p.parsePatch(n, "params")
		sc.Params = patch.Apply(sc.Params)
	}
	if n := o.get("regimes"); n != nil {
		sc.Regimes = p.regimes(n)
	}
	if n := o.get("state"); n != nil {
		sc.State = p.state(n, sc.Params)
	}
	if n := o.get("actions"); n != nil {
		first, last := uint64(sc.StartBlock)+1, uint64(sc.StartBlock)+sc.Blocks
		sc.Actions = p.actions(n, first, last, startOK && blocksOK)
	}
	o.done("")
	return sc
}

// record reads the record options.
func (p *parser) record(n *node) Record {
	r := Record{Every: 1}
	o := p.object(n, "record")
	if v := o.get("every"); v != nil {
		if e, ok := p.uintIn(v, "record.every", 1, math.MaxUint64, "a number of blocks"); ok {
			r.Every = e
		}
	}
	if v := o.get("accounts"); v != nil {
		r.Accounts, _ = p.boolOf(v, "record.accounts")
	}
	if v := o.get("bonds"); v != nil {
		r.Bonds, _ = p.boolOf(v, "record.bonds")
	}
	if v := o.get("neurons"); v != nil {
		on, ok := p.boolOf(v, "record.neurons")
		r.NoNeurons = ok && !on
	}
	o.done("")
	return r
}

// regimes reads the parameter regimes, sorted stably by from_block so that two regimes at the
// same block apply in file order.
func (p *parser) regimes(n *node) []Regime {
	var out []Regime
	for i, item := range p.list(n, "regimes") {
		path := index("regimes", i)
		o := p.object(item, path)
		var r Regime
		if v := o.require("from_block"); v != nil {
			b, _ := p.uint64Of(v, path+".from_block")
			r.FromBlock = dtaod.Block(b)
		}
		if v := o.require("params"); v != nil {
			r.Params, _ = p.parsePatch(v, path+".params")
		}
		o.done("")
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FromBlock < out[j].FromBlock })
	return out
}

// The emission share rules by their contract names. Others ("flow"...) are reserved by the
// contract for later rules, and an engine must refuse a rule it does not implement.
var emissionShares = map[string]dtaod.EmissionShare{
	"moving_price": dtaod.ShareMovingPrice,
	"spot_price":   dtaod.ShareSpotPrice,
	"tao_reserve":  dtaod.ShareTAOReserve,
}

// The consensus modes by their contract names.
var consensusModes = map[string]dtaod.ConsensusMode{
	"yuma":      dtaod.ConsensusYuma,
	"aggregate": dtaod.ConsensusAggregate,
}

// parsePatch reads a params object: the top-level params, a regime's and a set_params action's
// share one schema. Problems are recorded in p (so they are reported with the rest, in file
// order) and also returned, as an *ErrorList of this object's problems only, for callers that
// care whether this object was valid.
func (p *parser) parsePatch(n *node, path string) (dtaod.ParamsPatch, error) {
	before := p.count()
	var q dtaod.ParamsPatch
	o := p.object(n, path)

	amount := func(key string) *dtaod.TAO {
		if v := o.get(key); v != nil {
			if a, ok := p.amount(v, join(path, key)); ok {
				t := dtaod.TAO(a)
				return &t
			}
		}
		return nil
	}
	share := func(key string) *dtaod.Fixed {
		if v := o.get(key); v != nil {
			if f, ok := p.fixed(v, join(path, key), true); ok {
				return &f
			}
		}
		return nil
	}
	u16 := func(key, want string) *uint16 {
		if v := o.get(key); v != nil {
			if n, ok := p.uintIn(v, join(path, key), 0, math.MaxUint16, want); ok {
				n16 := uint16(n)
				return &n16
			}
		}
		return nil
	}
	u64 := func(key string, lo uint64) *uint64 {
		if v := o.get(key); v != nil {
			if n, ok := p.uintIn(v, join(path, key), lo, math.MaxUint64, "a number of blocks"); ok {
				return &n
			}
		}
		return nil
	}

	q.BlockEmission = amount("block_emission")
	q.TotalSupply = amount("total_supply")
	if v := o.get("halving"); v != nil {
		if s, ok := p.stringOf(v, join(path, "halving")); ok {
			switch s {
			case "issuance":
				h := dtaod.HalvingIssuance
				q.Halving = &h
			case "none":
				h := dtaod.HalvingNone
				q.Halving = &h
			default:
				p.fail(v.pos, join(path, "halving"), "must be \"issuance\" or \"none\", got %s", describe(v))
			}
		}
	}
	if v := o.get("emission_share"); v != nil {
		if s, ok := p.stringOf(v, join(path, "emission_share")); ok {
			if r, ok := emissionShares[s]; ok {
				q.EmissionShare = &r
			} else {
				p.fail(v.pos, join(path, "emission_share"),
					"rule %s is not implemented by this engine (it implements moving_price, spot_price and tao_reserve)",
					describe(v))
			}
		}
	}
	q.TAOWeight = share("tao_weight")
	q.MovingPriceAlpha = share("moving_price_alpha")
	if v := o.get("moving_price_halving_blocks"); v != nil {
		if h, ok := p.uint64Of(v, join(path, "moving_price_halving_blocks")); ok {
			q.MovingPriceHalvingBlocks = &h
		}
	}
	q.OwnerCut = share("owner_cut")
	q.StakingFee = amount("staking_fee")
	q.MinStake = amount("min_stake")
	q.MinPoolLiquidity = amount("min_pool_liquidity")
	if v := o.get("default_tempo"); v != nil {
		if t, ok := p.uintIn(v, join(path, "default_tempo"), 0, math.MaxUint16, "a tempo in blocks"); ok {
			t16 := uint16(t)
			q.DefaultTempo = &t16
		}
	}
	q.ValidatorTake = share("validator_take")

	if v := o.get("consensus"); v != nil {
		if s, ok := p.stringOf(v, join(path, "consensus")); ok {
			if m, ok := consensusModes[s]; ok {
				q.Consensus = &m
			} else {
				p.fail(v.pos, join(path, "consensus"), "must be \"yuma\" or \"aggregate\", got %s", describe(v))
			}
		}
	}
	q.RegistrationBurn = amount("registration_burn")
	q.MaxAllowedUIDs = u16("max_allowed_uids", "a number of neuron slots")
	q.MaxAllowedValidators = u16("max_allowed_validators", "a number of validator permits")
	q.ImmunityPeriod = u64("immunity_period", 0)
	q.ActivityCutoff = u64("activity_cutoff", 0)
	q.WeightsRateLimit = u64("weights_rate_limit", 0)
	q.Kappa = share("kappa")
	q.BondsMovingAverage = share("bonds_moving_average")
	q.NetworkMinLock = amount("network_min_lock")
	q.NetworkLockReductionInterval = u64("network_lock_reduction_interval", 1)
	q.SubnetLimit = u16("subnet_limit", "a number of subnets")
	o.done("")

	if p.count() > before {
		return q, sortedList(append([]*issue(nil), p.issues[before:]...))
	}
	return q, nil
}
