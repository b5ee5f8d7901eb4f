package scenario

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
)

// TestParamsChangeRoundTrip: FormatParamsChange is canonical and ParseParamsChange reads it back
// exactly, for a full set, a partial one and none; FormatParams is a params object a scenario
// file accepts.
func TestParamsChangeRoundTrip(t *testing.T) {
	p := dtaod.DefaultParams()
	p.Halving, p.EmissionShare, p.Consensus = dtaod.HalvingNone, dtaod.ShareTAOReserve, dtaod.ConsensusAggregate
	p.TAOWeight, p.OwnerCut = dtaod.FixedOne, 0
	fee := dtaod.TAO(100_000)
	tempo := uint16(10)
	for name, q := range map[string]dtaod.ParamsPatch{
		"full":     PatchOf(p),
		"defaults": PatchOf(dtaod.DefaultParams()),
		"partial":  {StakingFee: &fee, DefaultTempo: &tempo},
		"empty":    {},
	} {
		doc := FormatParamsChange(&q)
		got, err := ParseParamsChange(doc)
		if err != nil {
			t.Fatalf("%s: %s does not parse: %v", name, doc, err)
		}
		if !reflect.DeepEqual(got, q) || string(FormatParamsChange(&got)) != string(doc) {
			t.Fatalf("%s: round trip of %s gives %s", name, doc, FormatParamsChange(&got))
		}
		if !IsParamsChange(doc) {
			t.Fatalf("%s: IsParamsChange(%s) is false", name, doc)
		}
	}
	partial := dtaod.ParamsPatch{StakingFee: &fee, DefaultTempo: &tempo}
	if got := string(FormatParamsChange(&partial)); got != `{"type":"set_params","params":{"staking_fee":"100000","default_tempo":10}}` {
		t.Fatalf("canonical form %s", got)
	}
	// The API's shape, without type.
	if got, err := ParseParamsChange([]byte(`{"params":{"tao_weight":"0.2"}}`)); err != nil || got.TAOWeight == nil || *got.TAOWeight != 200_000_000_000_000_000 {
		t.Fatalf("without type: %+v %v", got, err)
	}
	// FormatParams is a scenario's params: a file with it parses to p.
	doc := `{"version":1,"blocks":1,"params":` + string(FormatParams(p)) + `}`
	sc, err := Parse([]byte(doc), FormatJSON)
	if err != nil || sc.Params != p {
		t.Fatalf("FormatParams in a scenario: %v\n%+v\n%+v", err, sc, p)
	}
	if got, err := ParseParams(FormatParams(p)); err != nil || got != p {
		t.Fatalf("ParseParams(FormatParams(p)): %+v %v", got, err)
	}
	if _, err := ParseParams([]byte(`{"staking_fee":"1"}`)); err == nil || !strings.Contains(err.Error(), "params.block_emission: required") {
		t.Fatalf("ParseParams of a partial object: %v", err)
	}
	if IsParamsChange([]byte(`{"type":"add_stake"}`)) || IsParamsChange([]byte(`[`)) {
		t.Fatal("IsParamsChange of an order")
	}
}

// TestParamList: the list names every field of ParamsPatch, each name sets exactly one field,
// and PatchOf sets them all.
func TestParamList(t *testing.T) {
	list := ParamList()
	if n := reflect.TypeOf(dtaod.ParamsPatch{}).NumField(); len(list) != n {
		t.Fatalf("%d params listed, ParamsPatch has %d fields", len(list), n)
	}
	values := map[ParamType]string{ParamAmount: `"7"`, ParamFraction: `"0.5"`, ParamInteger: `7`}
	names := map[string]string{"halving": `"none"`, "emission_share": `"spot_price"`, "consensus": `"aggregate"`}
	seen := map[int]string{}
	for _, prm := range list {
		v := values[prm.Type]
		if prm.Type == ParamName {
			v = names[prm.Name]
		}
		q, err := ParseParamsChange([]byte(`{"type":"set_params","params":{"` + prm.Name + `":` + v + `}}`))
		if err != nil {
			t.Fatalf("%s: %v", prm.Name, err)
		}
		rv := reflect.ValueOf(q)
		set := -1
		for i := 0; i < rv.NumField(); i++ {
			if !rv.Field(i).IsNil() {
				if set >= 0 {
					t.Fatalf("%s sets two fields", prm.Name)
				}
				set = i
			}
		}
		if set < 0 || seen[set] != "" {
			t.Fatalf("%s sets field %d (also set by %q)", prm.Name, set, seen[set])
		}
		seen[set] = prm.Name
	}
	full := PatchOf(dtaod.DefaultParams())
	rv := reflect.ValueOf(full)
	for i := 0; i < rv.NumField(); i++ {
		if rv.Field(i).IsNil() {
			t.Fatalf("PatchOf leaves %s unset", rv.Type().Field(i).Name)
		}
	}
	if full.Apply(dtaod.Params{}) != dtaod.DefaultParams() {
		t.Fatal("PatchOf(p).Apply(anything) != p")
	}
}

// TestParseParamsChangeErrors: every problem names its field.
func TestParseParamsChangeErrors(t *testing.T) {
	cases := []struct{ doc, path, reason string }{
		{`{"type":"set_params","params":{"staking_fe":"1"}}`, "params.staking_fe", `did you mean "staking_fee"`},
		{`{"type":"set_params","params":{"nonsense":1}}`, "params.nonsense", "unknown field"},
		{`{"params":{"tao_weight":"1.5"}}`, "params.tao_weight", "at most 1"},
		{`{"params":{"staking_fee":"-1"}}`, "params.staking_fee", ""},
		{`{"params":{"halving":"sometimes"}}`, "params.halving", "issuance"},
		{`{"params":{"default_tempo":70000}}`, "params.default_tempo", ""},
		{`{"params":{"network_lock_reduction_interval":0}}`, "params.network_lock_reduction_interval", ""},
		{`{"params":[]}`, "params", "must be an object"},
		{`{"type":"add_stake","params":{}}`, "type", "set_params"},
		{`{"type":"set_params"}`, "params", "missing"},
		{`{"params":{},"extra":1}`, "extra", "unknown field"},
		{`[1]`, "", "JSON object"},
		{`{"params":`, "", ""},
	}
	for _, c := range cases {
		_, err := ParseParamsChange([]byte(c.doc))
		var list *ErrorList
		if !errors.As(err, &list) || len(list.Errors) == 0 {
			t.Fatalf("%s: error %v", c.doc, err)
		}
		e := list.Errors[0]
		if e.Path != c.path || !strings.Contains(e.Reason, c.reason) {
			t.Errorf("%s: %q: %q, want %q containing %q", c.doc, e.Path, e.Reason, c.path, c.reason)
		}
	}
}
