package scenario

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

func TestParseOrder(t *testing.T) {
	limit, _ := dtaod.ParsePrice("0.25")
	cases := []struct {
		in   string
		want pools.Order
	}{
		{`{"type":"add_stake","coldkey":"alice","hotkey":"v1","netuid":1,"amount":"1000000000"}`,
			pools.Order{Kind: pools.AddStake, Coldkey: "alice", Hotkey: "v1", NetUID: 1, Amount: 1e9}},
		{`{"type":"remove_stake","coldkey":"alice","hotkey":"v1","netuid":2,"amount":5,"limit_price":"0.25","allow_partial":true}`,
			pools.Order{Kind: pools.RemoveStake, Coldkey: "alice", Hotkey: "v1", NetUID: 2, Amount: 5, HasLimit: true, LimitPrice: limit, AllowPartial: true}},
		{`{"type":"move_stake","coldkey":"a","from_hotkey":"h1","to_hotkey":"h2","from_netuid":1,"to_netuid":0,"amount":"7"}`,
			pools.Order{Kind: pools.MoveStake, Coldkey: "a", FromHotkey: "h1", ToHotkey: "h2", FromNetUID: 1, Amount: 7}},
		{`{"type":"transfer_stake","coldkey":"a","to_coldkey":"b","hotkey":"h","from_netuid":1,"to_netuid":1,"amount":"7"}`,
			pools.Order{Kind: pools.TransferStake, Coldkey: "a", ToColdkey: "b", Hotkey: "h", FromHotkey: "h", ToHotkey: "h", FromNetUID: 1, ToNetUID: 1, Amount: 7}},
		{`{"type":"swap_stake","coldkey":"a","hotkey":"h","from_netuid":1,"to_netuid":3,"amount":"9"}`,
			pools.Order{Kind: pools.SwapStake, Coldkey: "a", Hotkey: "h", FromHotkey: "h", ToHotkey: "h", FromNetUID: 1, ToNetUID: 3, Amount: 9}},
		{`{"type":"register_neuron","coldkey":"a","hotkey":"h","netuid":4}`,
			pools.Order{Kind: pools.RegisterNeuron, Coldkey: "a", Hotkey: "h", NetUID: 4}},
		{`{"type":"set_weights","hotkey":"h","netuid":4,"weights":{"3":10,"1":65535}}`,
			pools.Order{Kind: pools.SetWeights, Hotkey: "h", NetUID: 4, Weights: []pools.Weight{{UID: 1, Value: 65535}, {UID: 3, Value: 10}}}},
		{`{"type":"register_subnet","coldkey":"a","hotkey":"h"}`,
			pools.Order{Kind: pools.RegisterSubnet, Coldkey: "a", Hotkey: "h"}},
		{`{"type":"transfer","coldkey":"alice","to_coldkey":"bob","amount":"2500000000"}`,
			pools.Order{Kind: pools.Transfer, Coldkey: "alice", ToColdkey: "bob", Amount: 2_500_000_000}},
		{`{ "amount": 18446744073709551615, "to_coldkey": "b", "coldkey": "a", "type": "transfer" }`,
			pools.Order{Kind: pools.Transfer, Coldkey: "a", ToColdkey: "b", Amount: 18446744073709551615}},
		{`{"type":"faucet","coldkey":"alice","amount":"1000000000"}`,
			pools.Order{Kind: pools.Faucet, Coldkey: "alice", Amount: 1e9}},
		{`{"type":"faucet","coldkey":"alice","amount":"0"}`,
			pools.Order{Kind: pools.Faucet, Coldkey: "alice"}},
	}
	for _, c := range cases {
		got, err := ParseOrder([]byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.in, got, c.want)
		}
		again, err := ParseOrder(FormatOrder(&got))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("%s: round trip through %s gave %+v, %v", c.in, FormatOrder(&got), again, err)
		}
	}
}

func TestParseOrderErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[]`, "must be a JSON object"},
		{`{"coldkey":"a"}`, "type: required field"},
		{`{"type":"add_stak","coldkey":"a"}`, `did you mean "add_stake"`},
		{`{"type":"set_params","params":{}}`, "unknown order type"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1}`, "amount: required field for add_stake is missing"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"-1"}`, "amount"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"18446744073709551616"}`, "amount"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":70000,"amount":"1"}`, "netuid"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"1","block":3}`, "block: unknown field"},
		{`{"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":"1","limit_price":"abc"}`, "limit_price"},
		{`{"type":"set_weights","hotkey":"h","netuid":1,"weights":{"70000":1}}`, "weights"},
		{`{"type":"add_stake"`, "invalid JSON"},
		{`{"type":"transfer","coldkey":"a","amount":"1"}`, "to_coldkey: required field for transfer is missing"},
		{`{"type":"transfer","coldkey":"a","to_coldkey":"b"}`, "amount: required field for transfer is missing"},
		{`{"type":"transfer","coldkey":"a","to_coldkey":"b","amount":"1","limit_price":"1"}`, "limit_price: unknown field"},
		{`{"type":"transfer","coldkey":"a","to_coldkey":"b","amount":"1","hotkey":"h"}`, "hotkey: unknown field"},
		{`{"type":"faucet","coldkey":"a","amount":"1","to_coldkey":"b"}`, "to_coldkey: unknown field"},
		{`{"type":"faucet","amount":"1"}`, "coldkey: required field for faucet is missing"},
		{`{"type":"faucet","coldkey":"a","amount":"-5"}`, "amount"},
		{`{"type":"transfr","coldkey":"a"}`, `did you mean "transfer"`},
	}
	for _, c := range cases {
		_, err := ParseOrder([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to mention %q", c.in, err, c.want)
		}
	}
}

// FuzzParseOrder: any input is refused with an error or parsed; a parsed order survives its
// canonical encoding unchanged.
func FuzzParseOrder(f *testing.F) {
	f.Add([]byte(`{"type":"add_stake","coldkey":"alice","hotkey":"v1","netuid":1,"amount":"1000000000","limit_price":"1.5"}`))
	f.Add([]byte(`{"type":"set_weights","hotkey":"h","netuid":4,"weights":{"3":10,"1":65535}}`))
	f.Add([]byte(`{"type":"transfer_stake","coldkey":"a","to_coldkey":"b","hotkey":"h","from_netuid":1,"to_netuid":1,"amount":"7"}`))
	f.Add([]byte(`{"type":"transfer","coldkey":"a","to_coldkey":"b","amount":7}`))
	f.Add([]byte(`{"type":"faucet","coldkey":"a","amount":"1","limit_price":"1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseOrder(data)
		if err != nil {
			return
		}
		again, err := ParseOrder(FormatOrder(&o))
		if err != nil || !reflect.DeepEqual(again, o) {
			t.Fatalf("%q: round trip gave %+v, %v; want %+v", data, again, err, o)
		}
	})
}

// FuzzParseCanonical: whatever the fast path accepts, the full parser accepts too and reads the
// same order; whatever the full parser reads re-encodes to bytes the fast path accepts.
func FuzzParseCanonical(f *testing.F) {
	f.Add([]byte(`{"type":"add_stake","coldkey":"alice","hotkey":"v1","netuid":1,"amount":"1000000000","limit_price":"1.500000000000000000","allow_partial":true}`))
	f.Add([]byte(`{"type":"set_weights","hotkey":"h","netuid":4,"weights":{"1":65535,"3":10}}`))
	f.Add([]byte(`{"type":"transfer_stake","coldkey":"a","to_coldkey":"b","hotkey":"h","from_netuid":1,"to_netuid":1,"amount":"7"}`))
	f.Add([]byte(`{"type":"register_subnet","coldkey":"a","hotkey":"h"}`))
	f.Add([]byte(`{"type":"transfer","coldkey":"a","to_coldkey":"b","amount":"7"}`))
	f.Add([]byte(`{"type":"faucet","coldkey":"a","amount":"18446744073709551615"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := parseCanonical(data)
		p := &parser{}
		root, issues := decodeJSON(data)
		var slow pools.Order
		slowOK := false
		if root != nil && len(issues) == 0 && root.kind == kObject {
			o := p.object(root, "")
			if v := o.get("type"); v != nil {
				if kind, known := orderKinds[v.text]; known && v.kind == kString {
					slow = p.order(o, "", kind)
					o.done("")
					slowOK = len(p.issues) == 0
				}
			}
		}
		if ok && (!slowOK || !reflect.DeepEqual(fast, slow)) {
			t.Fatalf("%q: fast path read %+v, full parser %+v (ok %v, %v)", data, fast, slow, slowOK, p.issues)
		}
		// What the fast path accepts is the canonical encoding itself (the API signs and stores
		// such input as is: ParseCanonicalOrder).
		if ok && !bytes.Equal(FormatOrder(&fast), data) {
			t.Fatalf("%q: the fast path accepted it, but it is not canonical: %q", data, FormatOrder(&fast))
		}
		if slowOK {
			if again, ok := parseCanonical(FormatOrder(&slow)); !ok || !reflect.DeepEqual(again, slow) {
				t.Fatalf("%q: the canonical form of %+v is refused by the fast path", data, slow)
			}
		}
	})
}

// TestParseCanonicalTransfer: the canonical encodings of transfer and faucet take the fast path
// and read the same order as the full parser.
func TestParseCanonicalTransfer(t *testing.T) {
	for _, o := range []pools.Order{
		{Kind: pools.Transfer, Coldkey: "a\"ü", ToColdkey: "b", Amount: 1},
		{Kind: pools.Faucet, Coldkey: "5Grw", Amount: 18446744073709551615},
	} {
		data := FormatOrder(&o)
		fast, ok := parseCanonical(data)
		if !ok || !reflect.DeepEqual(fast, o) {
			t.Fatalf("%s: fast path %+v, %v; want %+v", data, fast, ok, o)
		}
		slow, err := ParseOrder(append([]byte(" "), data...))
		if err != nil || !reflect.DeepEqual(slow, o) {
			t.Fatalf("%s: full parser %+v, %v; want %+v", data, slow, err, o)
		}
	}
}
