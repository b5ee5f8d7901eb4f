package scenario

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// y prefixes the two required fields to a YAML fragment.
func y(s string) string { return "version: 1\nblocks: 100\n" + s }

// parseErrors parses src (format sniffed) and returns the error list, failing when it parsed.
func parseErrors(t *testing.T, src string) []*FieldError {
	t.Helper()
	sc, err := Parse([]byte(src), FormatAuto)
	if err == nil {
		t.Fatalf("parsed, want an error: %+v", sc)
	}
	if sc != nil {
		t.Errorf("non-nil scenario with an error")
	}
	var l *ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("error is %T, want *ErrorList", err)
	}
	if len(l.Errors) == 0 {
		t.Fatal("empty ErrorList")
	}
	return l.Errors
}

// TestInvalid has one row per kind of invalid input. Each must give exactly one error, at the
// exact path, with a reason containing the given text.
func TestInvalid(t *testing.T) {
	const action = "actions:\n  - {block: 1, type: add_stake, coldkey: a, hotkey: h, netuid: 1, amount: 1000000"
	// sub is subnet 3 with neurons v (uid 0) and m (uid 1), for weights and bonds rows.
	const sub = "state:\n  subnets: [{netuid: 3}]\n" +
		"  neurons: [{netuid: 3, hotkey: v, coldkey: c}, {netuid: 3, hotkey: m, coldkey: c}]\n"
	const neurons3 = "  neurons:\n    - {netuid: 3, hotkey: a, coldkey: c}\n    - {netuid: 3, hotkey: b, coldkey: c}\n" +
		"    - {netuid: 3, hotkey: d, coldkey: c}\n"
	for _, tc := range []struct {
		name, src, path, reason string
	}{
		// top level
		{"version missing", "blocks: 1\n", "version", "required field is missing"},
		{"version 2", "version: 2\nblocks: 1\n", "version", "unsupported version 2"},
		{"version fractional", "version: 1.0\nblocks: 1\n", "version", "not an integer"},
		{"blocks missing", "version: 1\n", "blocks", "required field is missing"},
		{"blocks zero", "version: 1\nblocks: 0\n", "blocks", ">= 1"},
		{"blocks negative", "version: 1\nblocks: -1\n", "blocks", "negative"},
		{"blocks overflow", "version: 1\nstart_block: 18446744073709551615\nblocks: 1\n", "blocks",
			"exceeds the u64 maximum"},
		{"start_block negative", y("start_block: -1\n"), "start_block", "negative"},
		{"seed fractional", y("seed: 1.5\n"), "seed", "not an integer"},
		{"seed too large", y("seed: 9223372036854775808\n"), "seed", "outside the int64 range"},
		{"seed garbage", y("seed: --1\n"), "seed", "not written in decimal digits"},
		{"name not string", y("name: 5\n"), "name", "must be a string, got \"5\" (quote it)"},
		{"unknown top field", y("blockz: 1\n"), "blockz", `unknown field (did you mean "blocks"?)`},
		{"record not object", y("record: 5\n"), "record", "must be an object"},
		{"record.every zero", y("record: {every: 0}\n"), "record.every", ">= 1"},
		{"record.accounts yes", y("record: {accounts: yes}\n"), "record.accounts", "must be true or false"},
		{"record unknown", y("record: {every: 1, acounts: true}\n"), "record.acounts", "unknown field"},

		// amounts
		{"amount negative string", y("state: {total_issuance: \"-5\"}\n"), "state.total_issuance",
			`must be an integer amount in base units, got "-5" (negative)`},
		{"amount negative number", y("state: {total_issuance: -5}\n"), "state.total_issuance", "(negative)"},
		{"amount fraction", y("state: {total_issuance: 1.5}\n"), "state.total_issuance", "(not an integer)"},
		{"amount x.0", y("state: {total_issuance: \"1.0\"}\n"), "state.total_issuance", "(not an integer)"},
		{"amount exponent", y("state: {total_issuance: 1e9}\n"), "state.total_issuance", "(not an integer)"},
		{"amount empty", y("state: {total_issuance: \"\"}\n"), "state.total_issuance", "(empty)"},
		{"amount overflow", y("state: {total_issuance: 18446744073709551616}\n"), "state.total_issuance",
			"(exceeds the u64 maximum 18446744073709551615)"},
		{"amount hex", y("state: {total_issuance: 0x10}\n"), "state.total_issuance", "not written in decimal digits"},
		{"amount plus", y("state: {total_issuance: \"+5\"}\n"), "state.total_issuance", "not written in decimal digits"},
		{"amount bool", y("state: {total_issuance: true}\n"), "state.total_issuance",
			"must be an integer amount in base units, got true"},
		{"amount object", `{"version":1,"blocks":1,"state":{"total_issuance":{}}}`, "state.total_issuance",
			"got an object"},

		// params
		{"params not object", y("params: []\n"), "params", "must be an object, got a list"},
		{"params typo", y("params: {tao_weightt: \"0.2\"}\n"), "params.tao_weightt", "unknown field"},
		{"tao_weight > 1", y("params: {tao_weight: \"1.5\"}\n"), "params.tao_weight", "must be at most 1"},
		{"tao_weight negative", y("params: {tao_weight: -0.1}\n"), "params.tao_weight", "(negative)"},
		{"tao_weight 19 digits", y("params: {tao_weight: \"0.1234567890123456789\"}\n"), "params.tao_weight",
			"more than 18 fractional digits"},
		{"tao_weight 1e-19", y("params: {tao_weight: 1e-19}\n"), "params.tao_weight", "more than 18 fractional digits"},
		{"tao_weight nan", y("params: {tao_weight: .nan}\n"), "params.tao_weight", "NaN and infinity"},
		{"owner_cut inf", y("params: {owner_cut: \"Infinity\"}\n"), "params.owner_cut", "NaN and infinity"},
		{"moving_price_alpha garbage", y("params: {moving_price_alpha: abc}\n"), "params.moving_price_alpha",
			"not a decimal number"},
		{"moving_price_alpha > 1", y("params: {moving_price_alpha: 1.000000000000000001}\n"),
			"params.moving_price_alpha", "must be at most 1"},
		{"validator_take bool", y("params: {validator_take: true}\n"), "params.validator_take",
			"must be a non-negative decimal"},
		{"halving unknown", y("params: {halving: yearly}\n"), "params.halving", `must be "issuance" or "none"`},
		{"emission_share flow", y("params: {emission_share: flow}\n"), "params.emission_share",
			`rule "flow" is not implemented by this engine`},
		{"emission_share number", y("params: {emission_share: 5}\n"), "params.emission_share", "must be a string"},
		{"default_tempo too big", y("params: {default_tempo: 65536}\n"), "params.default_tempo",
			"between 0 and 65535"},
		{"halving blocks negative", y("params: {moving_price_halving_blocks: -1}\n"),
			"params.moving_price_halving_blocks", "(negative)"},
		{"block_emission fraction", y("params: {block_emission: \"1.5\"}\n"), "params.block_emission",
			"(not an integer)"},
		{"min_stake overflow", y("params: {min_stake: \"99999999999999999999\"}\n"), "params.min_stake",
			"exceeds the u64 maximum"},

		// regimes
		{"regimes not list", y("regimes: {}\n"), "regimes", "must be a list"},
		{"regime from_block missing", y("regimes: [{params: {}}]\n"), "regimes[0].from_block", "required"},
		{"regime params missing", y("regimes: [{from_block: 5}]\n"), "regimes[0].params", "required"},
		{"regime bad param", y("regimes: [{from_block: 5, params: {owner_cut: 2}}]\n"),
			"regimes[0].params.owner_cut", "must be at most 1"},
		{"regime unknown field", y("regimes: [{from_block: 5, params: {}, to_block: 9}]\n"),
			"regimes[0].to_block", "unknown field"},

		// state
		{"state unknown", y("state: {subnet: []}\n"), "state.subnet", `unknown field (did you mean "subnets"?)`},
		{"root_tao below stakes", y("state:\n  root_tao: 5\n  stakes: [{coldkey: a, hotkey: h, netuid: 0, alpha: 6}]\n"),
			"state.root_tao", "below 6, the sum of the root (netuid 0) stakes"},
		{"subnet netuid 0", y("state: {subnets: [{netuid: 0}]}\n"), "state.subnets[0].netuid", "root"},
		{"subnet netuid missing", y("state: {subnets: [{tao_in: 5}]}\n"), "state.subnets[0].netuid", "required"},
		{"subnet netuid big", y("state: {subnets: [{netuid: 65536}]}\n"), "state.subnets[0].netuid",
			"between 0 and 65535"},
		{"subnet netuid huge", y("state: {subnets: [{netuid: 99999999999999999999}]}\n"), "state.subnets[0].netuid",
			"between 0 and 65535"},
		{"subnet duplicate", y("state: {subnets: [{netuid: 4}, {netuid: 4}]}\n"), "state.subnets[1].netuid",
			"duplicate netuid 4 (also at state.subnets[0])"},
		{"subnet tao_in negative", y("state:\n  subnets:\n    - {netuid: 1}\n    - {netuid: 2}\n    - {netuid: 3, tao_in: \"-5\"}\n"),
			"state.subnets[2].tao_in", `must be an integer amount in base units, got "-5"`},
		{"alpha_out below stakes", y("state:\n  subnets: [{netuid: 1, alpha_out: 5}]\n  stakes: [{coldkey: a, hotkey: h, netuid: 1, alpha: 6}]\n"),
			"state.subnets[0].alpha_out", "5 is below 6, the sum of the stakes listed on subnet 1"},
		{"alpha_out invalid with stakes", y("state:\n  subnets: [{netuid: 1, alpha_out: \"x\"}]\n  stakes: [{coldkey: a, hotkey: h, netuid: 1, alpha: 6}]\n"),
			"state.subnets[0].alpha_out", "not written in decimal digits"},
		{"moving_price too big", y("state: {subnets: [{netuid: 1, moving_price: \"18.446744073709551616\"}]}\n"),
			"state.subnets[0].moving_price", "at most 18.446744073709551615"},
		{"tempo too big", y("state: {subnets: [{netuid: 1, tempo: 70000}]}\n"), "state.subnets[0].tempo",
			"between 0 and 65535"},
		{"registration_allowed string", y("state: {subnets: [{netuid: 1, registration_allowed: \"true\"}]}\n"),
			"state.subnets[0].registration_allowed", "must be true or false"},
		{"owner_coldkey number", y("state: {subnets: [{netuid: 1, owner_coldkey: 5}]}\n"),
			"state.subnets[0].owner_coldkey", "must be a string"},
		{"subnet unknown", y("state: {subnets: [{netuid: 1, price: 1}]}\n"), "state.subnets[0].price", "unknown field"},
		{"balance duplicate", y("state: {balances: [{coldkey: a, free: 1}, {coldkey: a, free: 2}]}\n"),
			"state.balances[1].coldkey", `duplicate coldkey "a" (also at state.balances[0])`},
		{"balance empty coldkey", y("state: {balances: [{coldkey: \"\", free: 1}]}\n"), "state.balances[0].coldkey",
			"non-empty"},
		{"balance free missing", y("state: {balances: [{coldkey: a}]}\n"), "state.balances[0].free", "required"},
		{"stake unlisted subnet", y("state: {stakes: [{coldkey: a, hotkey: h, netuid: 9, alpha: 1}]}\n"),
			"state.stakes[0].netuid", "subnet 9 is not listed in state.subnets"},
		{"stake duplicate", y("state: {stakes: [{coldkey: a, hotkey: h, netuid: 0, alpha: 1}, {coldkey: a, hotkey: h, netuid: 0, alpha: 2}]}\n"),
			"state.stakes[1]", "duplicate stake"},
		{"stake sum overflow", y("state: {stakes: [{coldkey: a, hotkey: h, netuid: 0, alpha: 18446744073709551615}, {coldkey: b, hotkey: h, netuid: 0, alpha: 1}]}\n"),
			"state.stakes[1].alpha", "sum to more than the u64 maximum"},
		{"stake hotkey missing", y("state: {stakes: [{coldkey: a, netuid: 0, alpha: 1}]}\n"), "state.stakes[0].hotkey",
			"required"},
		{"neuron on root", y("state: {neurons: [{netuid: 0, hotkey: h, coldkey: c}]}\n"), "state.neurons[0].netuid",
			"not root"},
		{"neuron unlisted", y("state: {neurons: [{netuid: 3, hotkey: h, coldkey: c}]}\n"), "state.neurons[0].netuid",
			"subnet 3 is not listed"},
		{"neuron duplicate", y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: h, coldkey: c}, {netuid: 3, hotkey: h, coldkey: d}]\n"),
			"state.neurons[1].hotkey", `hotkey "h" is already registered on subnet 3`},
		{"neuron empty coldkey", y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: h, coldkey: \"\"}]\n"),
			"state.neurons[0].coldkey", "non-empty"},

		// actions
		{"actions not list", y("actions: {}\n"), "actions", "must be a list"},
		{"action not object", y("actions: [5]\n"), "actions[0]", "must be an object"},
		{"action block 0", strings.Replace(y(action+"}\n"), "block: 1", "block: 0", 1), "actions[0].block",
			"between start_block+1 = 1 and start_block+blocks = 100, got 0"},
		{"action block past end", strings.Replace(y(action+"}\n"), "block: 1", "block: 101", 1), "actions[0].block",
			"got 101"},
		{"action block at start", "version: 1\nstart_block: 10\nblocks: 5\n" + strings.Replace(action, "block: 1", "block: 10", 1) + "}\n",
			"actions[0].block", "between start_block+1 = 11 and start_block+blocks = 15, got 10"},
		{"action block missing", y("actions: [{type: set_params, params: {}}]\n"), "actions[0].block", "required"},
		{"action type missing", y("actions: [{block: 1, coldkey: a}]\n"), "actions[0].type", "required"},
		{"action type typo", strings.Replace(y(action+"}\n"), "add_stake", "add_stak", 1), "actions[0].type",
			`unknown action type "add_stak" (did you mean "add_stake"?)`},
		{"action type unknown", strings.Replace(y(action+"}\n"), "add_stake", "burn", 1), "actions[0].type",
			`unknown action type "burn" (want add_stake`},
		{"action type number", y("actions: [{block: 1, type: 5}]\n"), "actions[0].type", "must be a string"},
		{"add_stake amount missing", y("actions: [{block: 1, type: add_stake, coldkey: a, hotkey: h, netuid: 1}]\n"),
			"actions[0].amount", "required field for add_stake is missing"},
		{"add_stake extra field", y(action + ", from_netuid: 1}\n"), "actions[0].from_netuid",
			"unknown field for add_stake"},
		{"remove_stake negative", y("actions: [{block: 1, type: remove_stake, coldkey: a, hotkey: h, netuid: 1, amount: -1}]\n"),
			"actions[0].amount", "(negative)"},
		{"move_stake missing to_hotkey", y("actions: [{block: 1, type: move_stake, coldkey: a, from_hotkey: h, from_netuid: 1, to_netuid: 2, amount: 1}]\n"),
			"actions[0].to_hotkey", "required field for move_stake is missing"},
		{"transfer_stake missing to_coldkey", y("actions: [{block: 1, type: transfer_stake, coldkey: a, hotkey: h, from_netuid: 1, to_netuid: 2, amount: 1}]\n"),
			"actions[0].to_coldkey", "required field for transfer_stake is missing"},
		{"swap_stake with netuid", y("actions: [{block: 1, type: swap_stake, coldkey: a, hotkey: h, from_netuid: 1, to_netuid: 2, netuid: 1, amount: 1}]\n"),
			"actions[0].netuid", "unknown field for swap_stake"},
		{"action netuid too big", strings.Replace(y(action+"}\n"), "netuid: 1", "netuid: 65536", 1), "actions[0].netuid",
			"between 0 and 65535"},
		{"limit_price negative", y(action + ", limit_price: -1}\n"), "actions[0].limit_price", "(negative)"},
		{"limit_price too large", y(action + ", limit_price: \"1e50\"}\n"), "actions[0].limit_price", "too large"},
		{"allow_partial string", y(action + ", allow_partial: \"yes\"}\n"), "actions[0].allow_partial",
			"must be true or false"},
		{"set_params missing params", y("actions: [{block: 1, type: set_params}]\n"), "actions[0].params",
			"required field for set_params is missing"},
		{"set_params flow", y("actions: [{block: 1, type: set_params, params: {emission_share: flow}}]\n"),
			"actions[0].params.emission_share", "not implemented by this engine"},
		{"set_params extra", y("actions: [{block: 1, type: set_params, params: {}, amount: 1}]\n"),
			"actions[0].amount", "unknown field for set_params"},
		{"action empty coldkey", strings.Replace(y(action+"}\n"), "coldkey: a", "coldkey: \"\"", 1),
			"actions[0].coldkey", "must be a non-empty address"},

		// params for neurons, weights and subnets
		{"consensus unknown", y("params: {consensus: majority}\n"), "params.consensus",
			`must be "yuma" or "aggregate", got "majority"`},
		{"consensus number", y("params: {consensus: 1}\n"), "params.consensus", "must be a string"},
		{"kappa > 1", y("params: {kappa: \"1.5\"}\n"), "params.kappa", "must be at most 1"},
		{"bonds_moving_average negative", y("params: {bonds_moving_average: -0.1}\n"),
			"params.bonds_moving_average", "(negative)"},
		{"registration_burn fraction", y("params: {registration_burn: \"1.5\"}\n"), "params.registration_burn",
			"(not an integer)"},
		{"max_allowed_uids 65536", y("params: {max_allowed_uids: 65536}\n"), "params.max_allowed_uids",
			"between 0 and 65535"},
		{"max_allowed_validators negative", y("params: {max_allowed_validators: -1}\n"),
			"params.max_allowed_validators", "(negative)"},
		{"immunity_period fraction", y("params: {immunity_period: 1.5}\n"), "params.immunity_period",
			"(not an integer)"},
		{"activity_cutoff garbage", y("params: {activity_cutoff: soon}\n"), "params.activity_cutoff",
			"not written in decimal digits"},
		{"weights_rate_limit negative", y("params: {weights_rate_limit: -1}\n"), "params.weights_rate_limit",
			"(negative)"},
		{"network_min_lock overflow", y("params: {network_min_lock: 18446744073709551616}\n"),
			"params.network_min_lock", "exceeds the u64 maximum"},
		{"network_lock_reduction_interval 0", y("params: {network_lock_reduction_interval: 0}\n"),
			"params.network_lock_reduction_interval", "must be a number of blocks >= 1, got \"0\""},
		{"subnet_limit too big", y("params: {subnet_limit: 70000}\n"), "params.subnet_limit", "between 0 and 65535"},
		{"regime kappa > 1", y("regimes: [{from_block: 5, params: {kappa: 2}}]\n"), "regimes[0].params.kappa",
			"must be at most 1"},
		{"set_params consensus", y("actions: [{block: 1, type: set_params, params: {consensus: fast}}]\n"),
			"actions[0].params.consensus", `must be "yuma" or "aggregate"`},
		{"record.bonds string", y("record: {bonds: \"true\"}\n"), "record.bonds", "must be true or false"},

		// subnet limits and neuron fields
		{"subnet max_allowed_uids too big", y("state: {subnets: [{netuid: 1, max_allowed_uids: 65536}]}\n"),
			"state.subnets[0].max_allowed_uids", "between 0 and 65535"},
		{"subnet max_allowed_validators negative", y("state: {subnets: [{netuid: 1, max_allowed_validators: -2}]}\n"),
			"state.subnets[0].max_allowed_validators", "(negative)"},
		{"neurons over subnet max_allowed_uids", y("state:\n  subnets: [{netuid: 3, max_allowed_uids: 1}]\n" + neurons3),
			"state.neurons[1]", "subnet 3 lists more neurons than its max_allowed_uids 1 (state.subnets[0].max_allowed_uids)"},
		{"neurons over params max_allowed_uids", y("params: {max_allowed_uids: 2}\nstate:\n  subnets: [{netuid: 3}]\n" + neurons3),
			"state.neurons[2]", "max_allowed_uids 2 (params.max_allowed_uids)"},
		{"neuron on subnet without slots", y("state:\n  subnets: [{netuid: 3, max_allowed_uids: 0}]\n  neurons: [{netuid: 3, hotkey: a, coldkey: c}]\n"),
			"state.neurons[0]", "max_allowed_uids 0"},
		{"registered_at negative", y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: a, coldkey: c, registered_at: -1}]\n"),
			"state.neurons[0].registered_at", "must be a block number, got \"-1\" (negative)"},
		{"last_update fraction", y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: a, coldkey: c, last_update: 2.5}]\n"),
			"state.neurons[0].last_update", "(not an integer)"},
		{"validator_permit string", y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: a, coldkey: c, validator_permit: \"true\"}]\n"),
			"state.neurons[0].validator_permit", "must be true or false"},

		// weights and bonds
		{"weights not list", y("state: {weights: {}}\n"), "state.weights", "must be a list"},
		{"weights on a non-neuron hotkey", y(sub + "  weights: [{netuid: 3, hotkey: x, weights: {0: 1}}]\n"),
			"state.weights[0].hotkey", `hotkey "x" is not a neuron of subnet 3 (list it in state.neurons)`},
		{"weights hotkey of another subnet", y("state:\n  subnets: [{netuid: 3}, {netuid: 4}]\n  neurons: [{netuid: 4, hotkey: v, coldkey: c}]\n" +
			"  weights: [{netuid: 3, hotkey: v, weights: {}}]\n"),
			"state.weights[0].hotkey", `hotkey "v" is not a neuron of subnet 3`},
		{"weights uid out of range", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {0: 1, 2: 1}}]\n"),
			"state.weights[0].weights.2", "uid 2 is out of range: subnet 3 has 2 neurons in state.neurons (uids 0..1)"},
		{"weights value 65536", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {0: 65536}}]\n"),
			"state.weights[0].weights.0", `must be a weight between 0 and 65535, got "65536"`},
		{"weights value negative", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {0: \"-1\"}}]\n"),
			"state.weights[0].weights.0", "(negative)"},
		{"weights value fraction", `{"version":1,"blocks":1,"state":{"subnets":[{"netuid":3}],
			"neurons":[{"netuid":3,"hotkey":"v","coldkey":"c"}],
			"weights":[{"netuid":3,"hotkey":"v","weights":{"0":0.5}}]}}`,
			"state.weights[0].weights.0", "(not an integer)"},
		{"weights duplicate rows", y(sub + "  weights:\n    - {netuid: 3, hotkey: v, weights: {0: 1}}\n" +
			"    - {netuid: 3, hotkey: v, weights: {1: 1}}\n"),
			"state.weights[1]", `duplicate weights row for hotkey "v" on subnet 3 (also at state.weights[0])`},
		{"weights uid 1 and 01", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {1: 5, \"01\": 6}}]\n"),
			"state.weights[0].weights.01", `duplicate uid 1 (also written as key "1")`},
		{"weights json duplicate key", `{"version":1,"blocks":1,"state":{"subnets":[{"netuid":3}],
			"neurons":[{"netuid":3,"hotkey":"v","coldkey":"c"}],
			"weights":[{"netuid":3,"hotkey":"v","weights":{"0":1,"0":2}}]}}`,
			"state.weights[0].weights.0", "duplicate key"},
		{"weights yaml int and string key", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {0: 1, \"0\": 2}}]\n"),
			"state.weights[0].weights.0", "duplicate key"},
		{"weights key not a uid", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {v: 1}}]\n"),
			"state.weights[0].weights.v", `the key must be a uid (0..65535, in decimal digits), got "v"`},
		{"weights key negative", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: {-1: 1}}]\n"),
			"state.weights[0].weights.-1", "(negative)"},
		{"weights missing", y(sub + "  weights: [{netuid: 3, hotkey: v}]\n"), "state.weights[0].weights",
			"required field is missing"},
		{"weights as a list", y(sub + "  weights: [{netuid: 3, hotkey: v, weights: [1, 2]}]\n"),
			"state.weights[0].weights", "must be an object mapping uids to values"},
		{"weights unlisted subnet", y(sub + "  weights: [{netuid: 9, hotkey: v, weights: {}}]\n"),
			"state.weights[0].netuid", "subnet 9 is not listed in state.subnets"},
		{"weights on root", y(sub + "  weights: [{netuid: 0, hotkey: v, weights: {}}]\n"),
			"state.weights[0].netuid", "root has no neurons"},
		{"bonds uid out of range", y(sub + "  bonds: [{netuid: 3, hotkey: m, bonds: {5: 1}}]\n"),
			"state.bonds[0].bonds.5", "uid 5 is out of range"},
		{"bonds value garbage", y(sub + "  bonds: [{netuid: 3, hotkey: m, bonds: {0: lots}}]\n"),
			"state.bonds[0].bonds.0", `must be a bond value, got "lots"`},
		{"bonds duplicate rows", y(sub + "  bonds: [{netuid: 3, hotkey: m, bonds: {}}, {netuid: 3, hotkey: m, bonds: {}}]\n"),
			"state.bonds[1]", "duplicate bonds row"},
		{"bonds on a non-neuron hotkey", y(sub + "  bonds: [{netuid: 3, hotkey: z, bonds: {}}]\n"),
			"state.bonds[0].hotkey", `hotkey "z" is not a neuron of subnet 3`},
		{"network_last_lock negative", y("state: {network_last_lock: -1}\n"), "state.network_last_lock", "(negative)"},
		{"network_last_lock_block fraction", y("state: {network_last_lock_block: 1.5}\n"),
			"state.network_last_lock_block", "(not an integer)"},

		// neuron, weights and subnet actions
		{"register_subnet unknown field", y("actions: [{block: 1, type: register_subnet, coldkey: a, hotkey: h, netuid: 1}]\n"),
			"actions[0].netuid", "unknown field for register_subnet"},
		{"register_subnet amount", y("actions: [{block: 1, type: register_subnet, coldkey: a, hotkey: h, amount: 1}]\n"),
			"actions[0].amount", "unknown field for register_subnet"},
		{"register_subnet empty hotkey", y("actions: [{block: 1, type: register_subnet, coldkey: a, hotkey: \"\"}]\n"),
			"actions[0].hotkey", "non-empty"},
		{"register_neuron missing netuid", y("actions: [{block: 1, type: register_neuron, coldkey: a, hotkey: h}]\n"),
			"actions[0].netuid", "required field for register_neuron is missing"},
		{"register_neuron limit_price", y("actions: [{block: 1, type: register_neuron, coldkey: a, hotkey: h, netuid: 1, limit_price: 1}]\n"),
			"actions[0].limit_price", "unknown field for register_neuron"},
		{"set_weights missing weights", y("actions: [{block: 1, type: set_weights, hotkey: h, netuid: 1}]\n"),
			"actions[0].weights", "required field for set_weights is missing"},
		{"set_weights coldkey", y("actions: [{block: 1, type: set_weights, coldkey: a, hotkey: h, netuid: 1, weights: {}}]\n"),
			"actions[0].coldkey", "unknown field for set_weights"},
		{"set_weights uid 65536", y("actions: [{block: 1, type: set_weights, hotkey: h, netuid: 1, weights: {65536: 1}}]\n"),
			"actions[0].weights.65536", "(above 65535)"},
		{"set_weights value 65536", y("actions: [{block: 1, type: set_weights, hotkey: h, netuid: 1, weights: {7: 65536}}]\n"),
			"actions[0].weights.7", "between 0 and 65535"},
		{"set_weights uid 2 and 002", `{"version":1,"blocks":1,"actions":[{"block":1,"type":"set_weights","hotkey":"h",
			"netuid":1,"weights":{"2":1,"002":1}}]}`, "actions[0].weights.002", "duplicate uid 2"},
		{"set_weights list", y("actions: [{block: 1, type: set_weights, hotkey: h, netuid: 1, weights: [[0, 1]]}]\n"),
			"actions[0].weights", "must be an object mapping uids to values"},
		{"set_weights type typo", y("actions: [{block: 1, type: set_weight, hotkey: h, netuid: 1, weights: {}}]\n"),
			"actions[0].type", `(did you mean "set_weights"?)`},

		// syntax
		{"json duplicate key", `{"version":1,"blocks":1,` + "\n" + `"blocks":2}`, "blocks", "duplicate key (first at line 1)"},
		{"yaml duplicate key", "version: 1\nblocks: 1\nblocks: 2\n", "blocks", "duplicate key (first at line 2)"},
		{"json nested duplicate", `{"version":1,"blocks":1,"state":{"subnets":[{"netuid":1,"netuid":2}]}}`,
			"state.subnets[0].netuid", "duplicate key"},
		{"yaml nested duplicate", y("params:\n  owner_cut: 0.1\n  owner_cut: 0.2\n"), "params.owner_cut",
			"duplicate key (first at line 4)"},
		{"json trailing garbage", `{"version":1,"blocks":1} x`, "", "line 1: invalid JSON"},
		{"json trailing object", "{\"version\":1,\"blocks\":1}\n{}", "", "line 2: unexpected data after the top-level object"},
		{"yaml second document", "version: 1\nblocks: 1\n---\nversion: 1\n", "", "second YAML document"},
		{"json syntax", "{\"version\":1,\n\"blocks\":1,\n\"name\" \"x\"}", "", "line 3: invalid JSON"},
		{"json truncated", `{"version":1,"blocks":`, "", "unexpected end of input"},
		{"yaml syntax", "version: 1\nblocks: [1\n", "", "invalid YAML"},
		{"yaml tab", "version: 1\n\tblocks: 1\n", "", "line 2"},
		{"empty key", `{"version":1,"blocks":1,"":1}`, `[""]`, "unknown field"},
		{"dotted key", y("state: {\"a.b\": 1}\n"), `state["a.b"]`, "unknown field"},
		{"top level list", "- 1\n- 2\n", "", "line 1: the top level must be an object"},
		{"top level scalar json", "5", "", "the top level must be an object"},
		{"empty file", "", "", "the file is empty"},
		{"only comment", "# nothing\n", "", "line 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := parseErrors(t, tc.src)
			if len(errs) != 1 {
				t.Errorf("got %d errors, want 1:\n%v", len(errs), &ErrorList{errs})
			}
			e := errs[0]
			if e.Path != tc.path || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("got  %q %q\nwant %q containing %q", e.Path, e.Reason, tc.path, tc.reason)
			}
			if msg := e.Error(); !strings.Contains(msg, ": ") {
				t.Errorf("message without \": \": %q", msg)
			}
		})
	}
}

// TestUnknownFieldsEveryLevel puts a stray field in every object of the format.
func TestUnknownFieldsEveryLevel(t *testing.T) {
	for _, tc := range []struct{ src, path string }{
		{y("zzz: 1\n"), "zzz"},
		{y("record: {zzz: 1}\n"), "record.zzz"},
		{y("params: {zzz: 1}\n"), "params.zzz"},
		{y("regimes: [{from_block: 1, params: {zzz: 1}}]\n"), "regimes[0].params.zzz"},
		{y("regimes: [{from_block: 1, params: {}, zzz: 1}]\n"), "regimes[0].zzz"},
		{y("state: {zzz: 1}\n"), "state.zzz"},
		{y("state: {subnets: [{netuid: 1, zzz: 1}]}\n"), "state.subnets[0].zzz"},
		{y("state: {balances: [{coldkey: a, free: 1, zzz: 1}]}\n"), "state.balances[0].zzz"},
		{y("state: {stakes: [{coldkey: a, hotkey: h, netuid: 0, alpha: 1, zzz: 1}]}\n"), "state.stakes[0].zzz"},
		{y("state: {subnets: [{netuid: 1}], neurons: [{netuid: 1, hotkey: h, coldkey: c, zzz: 1}]}\n"),
			"state.neurons[0].zzz"},
		{y("actions: [{block: 1, type: add_stake, coldkey: a, hotkey: h, netuid: 1, amount: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: remove_stake, coldkey: a, hotkey: h, netuid: 1, amount: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: move_stake, coldkey: a, from_hotkey: h, to_hotkey: i, from_netuid: 1, to_netuid: 1, amount: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: transfer_stake, coldkey: a, to_coldkey: b, hotkey: h, from_netuid: 1, to_netuid: 1, amount: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: swap_stake, coldkey: a, hotkey: h, from_netuid: 1, to_netuid: 2, amount: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: set_params, params: {zzz: 1}}]\n"), "actions[0].params.zzz"},
		{y("state: {subnets: [{netuid: 1}], neurons: [{netuid: 1, hotkey: h, coldkey: c}],\n" +
			"  weights: [{netuid: 1, hotkey: h, weights: {}, zzz: 1}]}\n"), "state.weights[0].zzz"},
		{y("state: {subnets: [{netuid: 1}], neurons: [{netuid: 1, hotkey: h, coldkey: c}],\n" +
			"  bonds: [{netuid: 1, hotkey: h, bonds: {}, zzz: 1}]}\n"), "state.bonds[0].zzz"},
		{y("actions: [{block: 1, type: register_neuron, coldkey: a, hotkey: h, netuid: 1, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: set_weights, hotkey: h, netuid: 1, weights: {0: 1}, zzz: 1}]\n"),
			"actions[0].zzz"},
		{y("actions: [{block: 1, type: register_subnet, coldkey: a, hotkey: h, zzz: 1}]\n"), "actions[0].zzz"},
	} {
		errs := parseErrors(t, tc.src)
		if len(errs) != 1 || errs[0].Path != tc.path || !strings.HasPrefix(errs[0].Reason, "unknown field") {
			t.Errorf("%s: got %v", tc.path, &ErrorList{errs})
		}
	}
}

// TestErrorsInFileOrder checks that cross-reference errors sort by line with the rest.
func TestErrorsInFileOrder(t *testing.T) {
	errs := parseErrors(t, `version: 1
blocks: 10
state:
  stakes:
    - {coldkey: a, hotkey: h, netuid: 5, alpha: 1}
  subnets:
    - {netuid: 0}
params:
  owner_cut: 2
bogus: 1
`)
	var got []string
	for _, e := range errs {
		got = append(got, e.Path)
	}
	want := []string{"state.stakes[0].netuid", "state.subnets[0].netuid", "params.owner_cut", "bogus"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestErrorsInColumnOrder checks the order of several errors on one line, in both syntaxes.
func TestErrorsInColumnOrder(t *testing.T) {
	for _, src := range []string{
		y("params: {tao_weight: 1.5, emission_share: flow, zz: 1, block_emission: -1}\n"),
		`{"version":1,"blocks":1,"params":{"tao_weight":1.5,"emission_share":"flow","zz":1,"block_emission":-1}}`,
	} {
		var got []string
		for _, e := range parseErrors(t, src) {
			got = append(got, e.Path)
		}
		want := "params.tao_weight params.emission_share params.zz params.block_emission"
		if strings.Join(got, " ") != want {
			t.Errorf("order %v, want %s", got, want)
		}
	}
}

func TestErrorFormatting(t *testing.T) {
	fe := &FieldError{Path: "state.subnets[2].tao_in", Reason: `must be an integer amount in base units, got "-5"`}
	if got := fe.Error(); got != `state.subnets[2].tao_in: must be an integer amount in base units, got "-5"` {
		t.Errorf("FieldError.Error() = %q", got)
	}
	if got := (&FieldError{Reason: "line 3: bad"}).Error(); got != "line 3: bad" {
		t.Errorf("syntax FieldError.Error() = %q", got)
	}

	var b strings.Builder
	b.WriteString("version: 1\nblocks: 1\n")
	for i := range 25 {
		fmt.Fprintf(&b, "x%d: 1\n", i)
	}
	_, err := Parse([]byte(b.String()), FormatYAML)
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 21 || lines[0] != "x0: unknown field" || lines[20] != "... and 5 more errors" {
		t.Errorf("ErrorList.Error():\n%s", err)
	}
	var fe2 *FieldError
	if !errors.As(err, &fe2) || fe2.Path != "x0" {
		t.Errorf("errors.As found %v", fe2)
	}
	if (&ErrorList{}).Error() == "" {
		t.Error("empty ErrorList has an empty message")
	}
}

// TestPathological checks that hostile inputs fail fast with an error instead of hanging,
// exhausting memory or overflowing the stack.
func TestPathological(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for c := 'b'; c <= 'k'; c++ {
		p := string(c - 1)
		bomb += fmt.Sprintf("%c: &%c [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", c, c, p, p, p, p, p, p, p, p, p, p)
	}
	for name, src := range map[string]string{
		"alias bomb":      bomb,
		"self alias":      "a: &a [*a]\n",
		"deep json":       strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"deep yaml":       strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		"deep json obj":   strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000),
		"huge exponent":   y("params: {tao_weight: 1e999999999}\n"),
		"tiny exponent":   y("params: {tao_weight: 1e-999999999}\n"),
		"long digits":     y("params: {tao_weight: \"0." + strings.Repeat("0", 100000) + "1\"}\n"),
		"long amount":     y("state: {total_issuance: " + strings.Repeat("9", 100000) + "}\n"),
		"binary garbage":  "\x00\x01\x02{{{:::",
		"merge non-map":   "<<: 5\n",
		"complex key":     "? [a]\n: 1\n",
		"json in yaml":    "{version: 1, blocks: 1, name: [}",
		"null top":        "null",
		"timestamp name":  y("name: 2024-01-01\nzzz: 1\n"),
		"number keys":     y("1: 2\n"),
		"negative netuid": y("state: {subnets: [{netuid: -1}]}\n"),
	} {
		start := time.Now()
		_, err := Parse([]byte(src), FormatAuto)
		if err == nil {
			t.Errorf("%s: parsed", name)
		} else if !strings.Contains(err.Error(), ": ") {
			t.Errorf("%s: message %q", name, err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", name, d)
		}
	}
	// Strings that merely look like other YAML values, or carry a custom tag, stay strings;
	// invalid UTF-8 in a JSON string is replaced, as encoding/json does.
	for src, want := range map[string]string{
		y("name: 2024-01-01\n"):                          "2024-01-01",
		y("name: !foo bar\n"):                            "bar",
		"{\"version\":1,\"blocks\":1,\"name\":\"\xff\"}": "\uFFFD",
	} {
		if sc := mustParse(t, src, FormatAuto); sc.Name != want {
			t.Errorf("%q: name = %q, want %q", src, sc.Name, want)
		}
	}
}
