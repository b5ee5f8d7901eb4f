package scenario

import (
	"fmt"
	"math"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// orderKinds maps the contract's action types (and our swap_stake) to order kinds.
var orderKinds = map[string]pools.OrderKind{
	"add_stake":       pools.AddStake,
	"remove_stake":    pools.RemoveStake,
	"move_stake":      pools.MoveStake,
	"transfer_stake":  pools.TransferStake,
	"swap_stake":      pools.SwapStake,
	"register_neuron": pools.RegisterNeuron,
	"set_weights":     pools.SetWeights,
	"register_subnet": pools.RegisterSubnet,
	"transfer":        pools.Transfer,
	"faucet":          pools.Faucet,
}

// actionTypes lists every type for suggestions and messages, in the order the help shows them.
var actionTypes = []string{"add_stake", "remove_stake", "move_stake", "transfer_stake", "swap_stake",
	"register_neuron", "set_weights", "register_subnet", "transfer", "faucet", "set_params"}

// actionTypeList is actionTypes as prose: "a, b ... or z".
var actionTypeList = strings.Join(actionTypes[:len(actionTypes)-1], ", ") + " or " + actionTypes[len(actionTypes)-1]

// actions reads the actions list. first..last is the range of simulated blocks; rangeOK is false
// when start_block or blocks is itself invalid, so the range is not checked against a guess.
func (p *parser) actions(n *node, first, last uint64, rangeOK bool) []Action {
	var out []Action
	for i, item := range p.list(n, "actions") {
		path := index("actions", i)
		o := p.object(item, path)
		a := Action{Index: i}
		if v := o.require("block"); v != nil {
			if b, ok := p.uint64Of(v, path+".block"); ok {
				a.Block = dtaod.Block(b)
				if rangeOK && (b < first || b > last) {
					p.fail(v.pos, path+".block", "must be a simulated block, between start_block+1 = %d and start_block+blocks = %d, got %d",
						first, last, b)
				}
			}
		}
		typ := ""
		if v := o.require("type"); v != nil {
			typ, _ = p.stringOf(v, path+".type")
			if _, isOrder := orderKinds[typ]; typ != "" && !isOrder && typ != "set_params" {
				reason := fmt.Sprintf("unknown action type %s", describe(v))
				if s := suggest(typ, actionTypes); s != "" {
					reason += fmt.Sprintf(" (did you mean %q?)", s)
				} else {
					reason += " (want " + actionTypeList + ")"
				}
				p.fail(v.pos, path+".type", "%s", reason)
				typ = ""
			} else if v.kind == kString && typ == "" {
				p.fail(v.pos, path+".type", "must be an action type, got \"\"")
			}
		}
		if typ == "" {
			o.skip() // without a type the allowed fields are unknown
			out = append(out, a)
			continue
		}
		a.Name = typ
		o.context = " for " + typ
		if typ == "set_params" {
			a.Type = ActionSetParams
			if v := o.require("params"); v != nil {
				a.Params, _ = p.parsePatch(v, path+".params")
			}
		} else {
			a.Type = ActionOrder
			a.Order = p.order(o, path, orderKinds[typ])
		}
		o.done(" for " + typ)
		out = append(out, a)
	}
	return out
}

// order reads the fields of an order. Moves of every kind fill From*/To* so the engine can treat
// them uniformly; add and remove use Hotkey and NetUID. The registrations and set_weights take
// no amount, limit or partial fill; set_weights is signed by the hotkey, so it has no coldkey.
// transfer (free TAO to to_coldkey) and faucet take an amount but no limit: no pool is touched.
func (p *parser) order(o *object, path string, kind pools.OrderKind) pools.Order {
	ord := pools.Order{Kind: kind}
	key := func(name string) string {
		if v := o.require(name); v != nil {
			k, _ := p.key(v, path+"."+name)
			return k
		}
		return ""
	}
	netuid := func(name string) dtaod.NetUID {
		if v := o.require(name); v != nil {
			id, _ := p.uintIn(v, path+"."+name, 0, math.MaxUint16, "a netuid")
			return dtaod.NetUID(id)
		}
		return 0
	}
	if kind != pools.SetWeights {
		ord.Coldkey = key("coldkey")
	}
	switch kind {
	case pools.AddStake, pools.RemoveStake:
		ord.Hotkey = key("hotkey")
		ord.NetUID = netuid("netuid")
	case pools.MoveStake:
		ord.FromHotkey = key("from_hotkey")
		ord.ToHotkey = key("to_hotkey")
		ord.FromNetUID = netuid("from_netuid")
		ord.ToNetUID = netuid("to_netuid")
	case pools.TransferStake:
		ord.ToColdkey = key("to_coldkey")
		ord.Hotkey = key("hotkey")
		ord.FromHotkey, ord.ToHotkey = ord.Hotkey, ord.Hotkey
		ord.FromNetUID = netuid("from_netuid")
		ord.ToNetUID = netuid("to_netuid")
	case pools.SwapStake:
		ord.Hotkey = key("hotkey")
		ord.FromHotkey, ord.ToHotkey = ord.Hotkey, ord.Hotkey
		ord.FromNetUID = netuid("from_netuid")
		ord.ToNetUID = netuid("to_netuid")
	case pools.RegisterNeuron:
		ord.Hotkey = key("hotkey")
		ord.NetUID = netuid("netuid")
		return ord
	case pools.SetWeights:
		ord.Hotkey = key("hotkey")
		ord.NetUID = netuid("netuid")
		if v := o.require("weights"); v != nil {
			// The subnet's neurons at that block are known only at run time; the engine checks
			// the uids then and fails the action with a code.
			ord.Weights, _ = p.weightMap(v, path+".weights", -1, 0, "weights")
		}
		return ord
	case pools.RegisterSubnet:
		ord.Hotkey = key("hotkey")
		return ord
	case pools.Transfer, pools.Faucet:
		if kind == pools.Transfer {
			ord.ToColdkey = key("to_coldkey")
		}
		if v := o.require("amount"); v != nil {
			ord.Amount, _ = p.amount(v, path+".amount")
		}
		return ord
	}
	if v := o.require("amount"); v != nil {
		ord.Amount, _ = p.amount(v, path+".amount")
	}
	if v := o.get("limit_price"); v != nil {
		ord.LimitPrice, ord.HasLimit = p.price(v, path+".limit_price")
	}
	if v := o.get("allow_partial"); v != nil {
		ord.AllowPartial, _ = p.boolOf(v, path+".allow_partial")
	}
	return ord
}
