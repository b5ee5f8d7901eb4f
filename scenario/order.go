package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dtaod/dtaod/pools"
)

// ParseOrder reads one order written as a scenario action without its block, e.g.
// {"type":"add_stake","coldkey":"alice","hotkey":"v1","netuid":1,"amount":"1000000000"}: the
// shape users already know from scenario files, so the live service's orders, a backtest's
// actions and the stored mempool payloads are one format, validated by one parser. Errors are an
// *ErrorList naming each field.
func ParseOrder(data []byte) (pools.Order, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	root, issues := decodeJSON(data)
	if root == nil {
		return pools.Order{}, sortedList(issues)
	}
	p := &parser{issues: issues}
	var ord pools.Order
	if root.kind != kObject {
		p.fail(root.pos, "", "an order must be a JSON object with a type, got %s", describe(root))
		return pools.Order{}, sortedList(p.issues)
	}
	o := p.object(root, "")
	if v := o.require("type"); v != nil {
		typ, _ := p.stringOf(v, "type")
		kind, ok := orderKinds[typ]
		switch {
		case ok:
			o.context = " for " + typ
			ord = p.order(o, "", kind)
			o.done(" for " + typ)
		case typ != "":
			reason := fmt.Sprintf("unknown order type %s", describe(v))
			if s := suggest(typ, actionTypes[:len(actionTypes)-1]); s != "" {
				reason += fmt.Sprintf(" (did you mean %q?)", s)
			}
			p.fail(v.pos, "type", "%s", reason)
			o.skip()
		default:
			if v.kind == kString {
				p.fail(v.pos, "type", "must be an order type, got \"\"")
			}
			o.skip()
		}
	} else {
		o.skip()
	}
	if len(p.issues) > 0 {
		return pools.Order{}, sortedList(p.issues)
	}
	return ord, nil
}

// FormatOrder writes an order in ParseOrder's shape, canonically (fixed field order, amounts as
// strings of base units, prices as decimals), so ParseOrder(FormatOrder(o)) == o and equal
// orders have equal bytes.
func FormatOrder(o *pools.Order) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	str(&b, o.Kind.String())
	field := func(name, value string) {
		b.WriteString(`,"` + name + `":`)
		str(&b, value)
	}
	num := func(name string, v uint64) { b.WriteString(`,"` + name + `":` + strconv.FormatUint(v, 10)) }
	if o.Kind != pools.SetWeights {
		field("coldkey", o.Coldkey)
	}
	switch o.Kind {
	case pools.AddStake, pools.RemoveStake, pools.RegisterNeuron, pools.SetWeights:
		field("hotkey", o.Hotkey)
		num("netuid", uint64(o.NetUID))
	case pools.MoveStake:
		field("from_hotkey", o.FromHotkey)
		field("to_hotkey", o.ToHotkey)
		num("from_netuid", uint64(o.FromNetUID))
		num("to_netuid", uint64(o.ToNetUID))
	case pools.TransferStake:
		field("to_coldkey", o.ToColdkey)
		field("hotkey", o.Hotkey)
		num("from_netuid", uint64(o.FromNetUID))
		num("to_netuid", uint64(o.ToNetUID))
	case pools.SwapStake:
		field("hotkey", o.Hotkey)
		num("from_netuid", uint64(o.FromNetUID))
		num("to_netuid", uint64(o.ToNetUID))
	case pools.RegisterSubnet:
		field("hotkey", o.Hotkey)
	}
	switch o.Kind {
	case pools.SetWeights:
		b.WriteString(`,"weights":{`)
		for i, w := range o.Weights {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strconv.Itoa(int(w.UID)) + `":` + strconv.Itoa(int(w.Value)))
		}
		b.WriteByte('}')
	case pools.AddStake, pools.RemoveStake, pools.MoveStake, pools.TransferStake, pools.SwapStake:
		field("amount", strconv.FormatUint(o.Amount, 10))
		if o.HasLimit {
			field("limit_price", o.LimitPrice.String())
		}
		if o.AllowPartial {
			b.WriteString(`,"allow_partial":true`)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func str(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}
