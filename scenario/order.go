package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// ParseOrder reads one order written as a scenario action without its block, e.g.
// {"type":"add_stake","coldkey":"alice","hotkey":"v1","netuid":1,"amount":"1000000000"}: the
// shape users already know from scenario files, so the live service's orders, a backtest's
// actions and the stored mempool payloads are one format, validated by one parser. Errors are an
// *ErrorList naming each field.
func ParseOrder(data []byte) (pools.Order, error) {
	if o, ok := parseCanonical(data); ok {
		return o, nil
	}
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
	case pools.Transfer:
		field("to_coldkey", o.ToColdkey)
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
	case pools.Transfer, pools.Faucet:
		field("amount", strconv.FormatUint(o.Amount, 10))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func str(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// wireOrder is the canonical order decoded without positions, for parseCanonical.
type wireOrder struct {
	Type         string            `json:"type"`
	Coldkey      string            `json:"coldkey"`
	Hotkey       string            `json:"hotkey"`
	NetUID       uint16            `json:"netuid"`
	ToColdkey    string            `json:"to_coldkey"`
	FromHotkey   string            `json:"from_hotkey"`
	ToHotkey     string            `json:"to_hotkey"`
	FromNetUID   uint16            `json:"from_netuid"`
	ToNetUID     uint16            `json:"to_netuid"`
	Amount       string            `json:"amount"`
	LimitPrice   *string           `json:"limit_price"`
	AllowPartial bool              `json:"allow_partial"`
	Weights      map[string]uint16 `json:"weights"`
}

// ParseCanonicalOrder reports whether data is exactly FormatOrder's encoding of a valid order,
// and that order: a caller that needs the canonical bytes (a signed call, a mempool payload)
// can then use data itself instead of re-encoding the order to compare. When it reports false
// the data may still be a valid, non-canonical order: ParseOrder says.
func ParseCanonicalOrder(data []byte) (pools.Order, bool) { return parseCanonical(data) }

// parseCanonical reads an order that is exactly FormatOrder's encoding of a valid order, several
// times faster than the positional parser; anything else reports false and goes to ParseOrder's
// full validation. Its answer is the slow path's: the order is valid (non-empty keys, amounts in
// range) and re-encodes to the very same bytes, and ParseOrder(FormatOrder(o)) == o for every
// valid o (TestParseOrder, FuzzParseOrder, FuzzParseCanonical).
func parseCanonical(data []byte) (pools.Order, bool) {
	var w wireOrder
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &w) != nil {
		return pools.Order{}, false
	}
	kind, ok := orderKinds[w.Type]
	if !ok {
		return pools.Order{}, false
	}
	o := pools.Order{Kind: kind, Coldkey: w.Coldkey, Hotkey: w.Hotkey, NetUID: dtaod.NetUID(w.NetUID),
		FromNetUID: dtaod.NetUID(w.FromNetUID), ToNetUID: dtaod.NetUID(w.ToNetUID), AllowPartial: w.AllowPartial}
	keys := []string{w.Coldkey}
	switch kind {
	case pools.AddStake, pools.RemoveStake, pools.RegisterNeuron, pools.RegisterSubnet:
		keys = append(keys, w.Hotkey)
	case pools.SetWeights:
		keys = []string{w.Hotkey}
	case pools.MoveStake:
		o.FromHotkey, o.ToHotkey = w.FromHotkey, w.ToHotkey
		keys = append(keys, w.FromHotkey, w.ToHotkey)
	case pools.TransferStake:
		o.ToColdkey, o.FromHotkey, o.ToHotkey = w.ToColdkey, w.Hotkey, w.Hotkey
		keys = append(keys, w.ToColdkey, w.Hotkey)
	case pools.SwapStake:
		o.FromHotkey, o.ToHotkey = w.Hotkey, w.Hotkey
		keys = append(keys, w.Hotkey)
	case pools.Transfer:
		o.ToColdkey = w.ToColdkey
		keys = append(keys, w.ToColdkey)
	}
	for _, k := range keys {
		if k == "" {
			return pools.Order{}, false
		}
	}
	if w.Amount != "" {
		v, err := strconv.ParseUint(w.Amount, 10, 64)
		if err != nil {
			return pools.Order{}, false
		}
		o.Amount = v
	}
	if w.LimitPrice != nil {
		p, err := dtaod.ParsePrice(*w.LimitPrice)
		if err != nil {
			return pools.Order{}, false
		}
		o.LimitPrice, o.HasLimit = p, true
	}
	if kind == pools.SetWeights && len(w.Weights) > 0 {
		o.Weights = make([]pools.Weight, 0, len(w.Weights))
		for k, v := range w.Weights {
			uid, err := strconv.ParseUint(k, 10, 16)
			if err != nil {
				return pools.Order{}, false
			}
			o.Weights = append(o.Weights, pools.Weight{UID: uint16(uid), Value: v})
		}
		slices.SortFunc(o.Weights, func(a, b pools.Weight) int { return int(a.UID) - int(b.UID) })
	}
	if !bytes.Equal(FormatOrder(&o), data) {
		return pools.Order{}, false
	}
	return o, true
}
