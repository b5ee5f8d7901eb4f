package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// fullJSON uses every field of the contract; fullYAML is the same scenario in YAML, written the
// way a person would (amounts partly as strings, comments, a flow mapping, an anchor).
const fullJSON = `{
  "version": 1,
  "name": "full",
  "seed": -42,
  "start_block": 100,
  "blocks": 50,
  "record": {"every": 10, "accounts": true, "bonds": true},
  "params": {
    "block_emission": 2000000000,
    "total_supply": "21000000000000000",
    "halving": "none",
    "emission_share": "spot_price",
    "tao_weight": "0.5",
    "moving_price_alpha": 3e-06,
    "moving_price_halving_blocks": 201600,
    "owner_cut": 0.1,
    "staking_fee": 60000,
    "min_stake": "600000",
    "min_pool_liquidity": 20000000,
    "default_tempo": 99,
    "validator_take": "0.09",
    "consensus": "aggregate",
    "registration_burn": "2000000000",
    "max_allowed_uids": 64,
    "max_allowed_validators": "8",
    "immunity_period": 10,
    "activity_cutoff": "20",
    "weights_rate_limit": 0,
    "kappa": "0.6",
    "bonds_moving_average": 0.99,
    "network_min_lock": 500000000,
    "network_lock_reduction_interval": "7200",
    "subnet_limit": 12
  },
  "regimes": [
    {"from_block": 130, "params": {"emission_share": "tao_reserve", "consensus": "yuma", "kappa": 1}},
    {"from_block": 120, "params": {"tao_weight": "1", "halving": "issuance"}},
    {"from_block": 120, "params": {"owner_cut": "0"}}
  ],
  "state": {
    "total_issuance": 5000000000000000,
    "root_tao": "3000000000000",
    "subnets": [
      {"netuid": 7, "tao_in": 1000000000000, "alpha_in": "2000000000000", "alpha_out": 900000000000,
       "moving_price": "0.5", "tempo": 360, "registration_allowed": false,
       "owner_coldkey": "owner", "owner_hotkey": "owner-hk",
       "max_allowed_uids": 2, "max_allowed_validators": "1"},
      {"netuid": 3, "tao_in": "10000000000", "alpha_in": 10000000000}
    ],
    "balances": [
      {"coldkey": "alice", "free": 100000000000},
      {"coldkey": "bob", "free": "0"}
    ],
    "stakes": [
      {"coldkey": "alice", "hotkey": "val1", "netuid": 0, "alpha": 1000000000000},
      {"coldkey": "alice", "hotkey": "val1", "netuid": 7, "alpha": "400000000000"},
      {"coldkey": "bob", "hotkey": "val1", "netuid": 3, "alpha": 5}
    ],
    "neurons": [
      {"netuid": 7, "hotkey": "val1", "coldkey": "alice", "registered_at": 5, "last_update": "90",
       "validator_permit": true},
      {"netuid": 3, "hotkey": "val1", "coldkey": "alice"},
      {"netuid": 7, "hotkey": "miner", "coldkey": "bob", "validator_permit": false}
    ],
    "weights": [
      {"netuid": 7, "hotkey": "val1", "weights": {"1": 65535, "0": "100"}},
      {"netuid": 3, "hotkey": "val1", "weights": {}}
    ],
    "bonds": [{"netuid": 7, "hotkey": "val1", "bonds": {"1": 9, "0": "7"}}],
    "network_last_lock": "2000000000",
    "network_last_lock_block": 42
  },
  "actions": [
    {"block": 101, "type": "add_stake", "coldkey": "alice", "hotkey": "val1", "netuid": 7,
     "amount": 1000000000, "limit_price": "0.6", "allow_partial": true},
    {"block": 101, "type": "remove_stake", "coldkey": "alice", "hotkey": "val1", "netuid": 7,
     "amount": "1000"},
    {"block": 150, "type": "move_stake", "coldkey": "alice", "from_hotkey": "val1",
     "to_hotkey": "miner", "from_netuid": 7, "to_netuid": 3, "amount": 77, "limit_price": 2},
    {"block": 120, "type": "transfer_stake", "coldkey": "alice", "to_coldkey": "bob",
     "hotkey": "val1", "from_netuid": 7, "to_netuid": 7, "amount": 88},
    {"block": 110, "type": "swap_stake", "coldkey": "bob", "hotkey": "val1", "from_netuid": 3,
     "to_netuid": 99, "amount": 0, "allow_partial": false},
    {"block": 111, "type": "set_params", "params": {"staking_fee": 0, "validator_take": 1,
     "consensus": "aggregate", "subnet_limit": 0}},
    {"block": 112, "type": "register_neuron", "coldkey": "bob", "hotkey": "new", "netuid": 7},
    {"block": 113, "type": "set_weights", "hotkey": "val1", "netuid": 7,
     "weights": {"3": 1, "1000": 0, "0": "65535"}},
    {"block": 114, "type": "register_subnet", "coldkey": "alice", "hotkey": "hk2"}
  ]
}`

const fullYAML = `# the same scenario as fullJSON
version: 1
name: full
seed: -42
start_block: 100
blocks: 50
record: {every: 10, accounts: true, bonds: true}
params:
  block_emission: 2000000000
  total_supply: "21000000000000000"
  halving: none
  emission_share: spot_price
  tao_weight: "0.5"
  moving_price_alpha: 3e-06
  moving_price_halving_blocks: 201600
  owner_cut: 0.1
  staking_fee: 60000
  min_stake: "600000"
  min_pool_liquidity: 20000000
  default_tempo: 99
  validator_take: "0.09"
  consensus: aggregate
  registration_burn: "2000000000"
  max_allowed_uids: 64
  max_allowed_validators: "8"
  immunity_period: 10
  activity_cutoff: "20"
  weights_rate_limit: 0
  kappa: "0.6"
  bonds_moving_average: 0.99
  network_min_lock: 500000000
  network_lock_reduction_interval: "7200"
  subnet_limit: 12
regimes:
  - from_block: 130
    params: {emission_share: tao_reserve, consensus: yuma, kappa: 1}
  - from_block: 120
    params:
      tao_weight: "1"
      halving: issuance
  - {from_block: 120, params: {owner_cut: "0"}}
state:
  total_issuance: 5000000000000000
  root_tao: "3000000000000"
  subnets:
    - netuid: 7
      tao_in: 1000000000000
      alpha_in: "2000000000000"
      alpha_out: 900000000000
      moving_price: "0.5"
      tempo: 360
      registration_allowed: false
      owner_coldkey: owner
      owner_hotkey: owner-hk
      max_allowed_uids: 2
      max_allowed_validators: "1"
    - {netuid: 3, tao_in: "10000000000", alpha_in: 10000000000}
  balances:
    - {coldkey: alice, free: 100000000000}
    - {coldkey: bob, free: "0"}
  stakes:
    - &s1 {coldkey: alice, hotkey: val1, netuid: 0, alpha: 1000000000000}
    - <<: *s1
      netuid: 7
      alpha: "400000000000"
    - {coldkey: bob, hotkey: val1, netuid: 3, alpha: 5}
  neurons:
    - {netuid: 7, hotkey: val1, coldkey: alice, registered_at: 5, last_update: "90",
       validator_permit: true}
    - {netuid: 3, hotkey: val1, coldkey: alice}
    - {netuid: 7, hotkey: miner, coldkey: bob, validator_permit: false}
  weights:
    - netuid: 7
      hotkey: val1
      weights:
        1: 65535   # an integer key
        "0": "100" # a string key
    - {netuid: 3, hotkey: val1, weights: {}}
  bonds:
    - {netuid: 7, hotkey: val1, bonds: {1: 9, 0: "7"}}
  network_last_lock: "2000000000"
  network_last_lock_block: 42
actions:
  - {block: 101, type: add_stake, coldkey: alice, hotkey: val1, netuid: 7, amount: 1000000000,
     limit_price: "0.6", allow_partial: true}
  - {block: 101, type: remove_stake, coldkey: alice, hotkey: val1, netuid: 7, amount: "1000"}
  - block: 150
    type: move_stake
    coldkey: alice
    from_hotkey: val1
    to_hotkey: miner
    from_netuid: 7
    to_netuid: 3
    amount: 77
    limit_price: 2
  - {block: 120, type: transfer_stake, coldkey: alice, to_coldkey: bob, hotkey: val1,
     from_netuid: 7, to_netuid: 7, amount: 88}
  - {block: 110, type: swap_stake, coldkey: bob, hotkey: val1, from_netuid: 3, to_netuid: 99,
     amount: 0, allow_partial: false}
  - block: 111
    type: set_params
    params: {staking_fee: 0, validator_take: 1, consensus: aggregate, subnet_limit: 0}
  - {block: 112, type: register_neuron, coldkey: bob, hotkey: new, netuid: 7}
  - {block: 113, type: set_weights, hotkey: val1, netuid: 7, weights: {3: 1, 1000: 0, "0": "65535"}}
  - {block: 114, type: register_subnet, coldkey: alice, hotkey: hk2}
`

func ptr[T any](v T) *T { return &v }

func fx(t *testing.T, s string) dtaod.Fixed {
	t.Helper()
	f, err := dtaod.ParseFixed(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func px(t *testing.T, s string) dtaod.Price {
	t.Helper()
	p, err := dtaod.ParsePrice(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantFull is fullJSON spelled out, so the test checks every value and not just that the two
// syntaxes agree.
func wantFull(t *testing.T) *Scenario {
	params := dtaod.DefaultParams()
	params.BlockEmission = 2_000_000_000
	params.Halving = dtaod.HalvingNone
	params.EmissionShare = dtaod.ShareSpotPrice
	params.TAOWeight = fx(t, "0.5")
	params.MovingPriceAlpha = fx(t, "0.000003")
	params.MovingPriceHalvingBlocks = 201600
	params.OwnerCut = fx(t, "0.1")
	params.StakingFee = 60000
	params.MinStake = 600000
	params.MinPoolLiquidity = 20_000_000
	params.DefaultTempo = 99
	params.ValidatorTake = fx(t, "0.09")
	params.Consensus = dtaod.ConsensusAggregate
	params.RegistrationBurn = 2_000_000_000
	params.MaxAllowedUIDs = 64
	params.MaxAllowedValidators = 8
	params.ImmunityPeriod = 10
	params.ActivityCutoff = 20
	params.WeightsRateLimit = 0
	params.Kappa = fx(t, "0.6")
	params.BondsMovingAverage = fx(t, "0.99")
	params.NetworkMinLock = 500_000_000
	params.NetworkLockReductionInterval = 7200
	params.SubnetLimit = 12
	return &Scenario{
		Version: 1, Name: "full", Seed: -42, StartBlock: 100, Blocks: 50,
		Record: Record{Every: 10, Accounts: true, Bonds: true},
		Params: params,
		Regimes: []Regime{
			{FromBlock: 120, Params: dtaod.ParamsPatch{TAOWeight: ptr(fx(t, "1")), Halving: ptr(dtaod.HalvingIssuance)}},
			{FromBlock: 120, Params: dtaod.ParamsPatch{OwnerCut: ptr(dtaod.Fixed(0))}},
			{FromBlock: 130, Params: dtaod.ParamsPatch{EmissionShare: ptr(dtaod.ShareTAOReserve),
				Consensus: ptr(dtaod.ConsensusYuma), Kappa: ptr(dtaod.Fixed(dtaod.FixedOne))}},
		},
		State: State{
			TotalIssuance: 5_000_000_000_000_000,
			RootTAO:       3_000_000_000_000,
			Subnets: []Subnet{
				{NetUID: 3, TAOIn: 10_000_000_000, AlphaIn: 10_000_000_000, AlphaOut: 5,
					Tempo: 99, RegistrationAllowed: true, MaxAllowedUIDs: 64, MaxAllowedValidators: 8},
				{NetUID: 7, TAOIn: 1_000_000_000_000, AlphaIn: 2_000_000_000_000, AlphaOut: 900_000_000_000,
					MovingPrice: fx(t, "0.5"), Tempo: 360, RegistrationAllowed: false,
					OwnerColdkey: "owner", OwnerHotkey: "owner-hk", MaxAllowedUIDs: 2, MaxAllowedValidators: 1},
			},
			Balances: []Balance{{"alice", 100_000_000_000}, {"bob", 0}},
			Stakes: []Stake{
				{"alice", "val1", 0, 1_000_000_000_000},
				{"alice", "val1", 7, 400_000_000_000},
				{"bob", "val1", 3, 5},
			},
			Neurons: []Neuron{
				{NetUID: 7, Hotkey: "val1", Coldkey: "alice", RegisteredAt: 5, LastUpdate: 90, ValidatorPermit: ptr(true)},
				{NetUID: 3, Hotkey: "val1", Coldkey: "alice"},
				{NetUID: 7, Hotkey: "miner", Coldkey: "bob", ValidatorPermit: ptr(false)},
			},
			Weights: []WeightRow{
				{NetUID: 7, Hotkey: "val1", Entries: []pools.Weight{{UID: 0, Value: 100}, {UID: 1, Value: 65535}}},
				{NetUID: 3, Hotkey: "val1"},
			},
			Bonds: []WeightRow{
				{NetUID: 7, Hotkey: "val1", Entries: []pools.Weight{{UID: 0, Value: 7}, {UID: 1, Value: 9}}},
			},
			NetworkLastLock:      2_000_000_000,
			NetworkLastLockBlock: 42,
		},
		Actions: []Action{
			{Index: 0, Block: 101, Type: ActionOrder, Name: "add_stake", Order: pools.Order{
				Kind: pools.AddStake, Coldkey: "alice", Hotkey: "val1", NetUID: 7, Amount: 1_000_000_000,
				HasLimit: true, LimitPrice: px(t, "0.6"), AllowPartial: true}},
			{Index: 1, Block: 101, Type: ActionOrder, Name: "remove_stake", Order: pools.Order{
				Kind: pools.RemoveStake, Coldkey: "alice", Hotkey: "val1", NetUID: 7, Amount: 1000}},
			{Index: 2, Block: 150, Type: ActionOrder, Name: "move_stake", Order: pools.Order{
				Kind: pools.MoveStake, Coldkey: "alice", FromHotkey: "val1", ToHotkey: "miner",
				FromNetUID: 7, ToNetUID: 3, Amount: 77, HasLimit: true, LimitPrice: px(t, "2")}},
			{Index: 3, Block: 120, Type: ActionOrder, Name: "transfer_stake", Order: pools.Order{
				Kind: pools.TransferStake, Coldkey: "alice", ToColdkey: "bob", Hotkey: "val1",
				FromHotkey: "val1", ToHotkey: "val1", FromNetUID: 7, ToNetUID: 7, Amount: 88}},
			{Index: 4, Block: 110, Type: ActionOrder, Name: "swap_stake", Order: pools.Order{
				Kind: pools.SwapStake, Coldkey: "bob", Hotkey: "val1", FromHotkey: "val1", ToHotkey: "val1",
				FromNetUID: 3, ToNetUID: 99, Amount: 0}},
			{Index: 5, Block: 111, Type: ActionSetParams, Name: "set_params", Params: dtaod.ParamsPatch{
				StakingFee: ptr(dtaod.TAO(0)), ValidatorTake: ptr(dtaod.Fixed(dtaod.FixedOne)),
				Consensus: ptr(dtaod.ConsensusAggregate), SubnetLimit: ptr(uint16(0))}},
			{Index: 6, Block: 112, Type: ActionOrder, Name: "register_neuron", Order: pools.Order{
				Kind: pools.RegisterNeuron, Coldkey: "bob", Hotkey: "new", NetUID: 7}},
			{Index: 7, Block: 113, Type: ActionOrder, Name: "set_weights", Order: pools.Order{
				Kind: pools.SetWeights, Hotkey: "val1", NetUID: 7,
				Weights: []pools.Weight{{UID: 0, Value: 65535}, {UID: 3, Value: 1}, {UID: 1000, Value: 0}}}},
			{Index: 8, Block: 114, Type: ActionOrder, Name: "register_subnet", Order: pools.Order{
				Kind: pools.RegisterSubnet, Coldkey: "alice", Hotkey: "hk2"}},
		},
	}
}

func mustParse(t *testing.T, src string, f Format) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(src), f)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return sc
}

func TestFullScenarioJSONAndYAML(t *testing.T) {
	want := wantFull(t)
	for _, tc := range []struct {
		name string
		src  string
		f    Format
	}{
		{"json", fullJSON, FormatJSON},
		{"json-auto", fullJSON, FormatAuto},
		{"json-as-yaml", fullJSON, FormatYAML}, // YAML is a superset of JSON
		{"yaml", fullYAML, FormatYAML},
		{"yaml-auto", fullYAML, FormatAuto},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustParse(t, tc.src, tc.f)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	for _, src := range []string{
		`{"version": 1, "blocks": 10}`,
		"version: 1\nblocks: 10\n",
		// null means absent, and empty containers are the defaults
		"version: 1\nblocks: 10\nname:\nseed: null\nstart_block: ~\nrecord: {}\nparams: {}\nregimes: []\nstate: {}\nactions: []\n",
	} {
		got := mustParse(t, src, FormatAuto)
		want := &Scenario{Version: 1, Blocks: 10, Record: Record{Every: 1}, Params: dtaod.DefaultParams()}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q:\ngot  %+v\nwant %+v", src, got, want)
		}
	}
}

func TestStateDefaults(t *testing.T) {
	sc := mustParse(t, `
version: 1
blocks: 1
params: {default_tempo: 7}
state:
  subnets: [{netuid: 2}, {netuid: 1, alpha_out: 100}]
  stakes:
    - {coldkey: a, hotkey: h, netuid: 0, alpha: 10}
    - {coldkey: b, hotkey: h, netuid: 0, alpha: "20"}
    - {coldkey: a, hotkey: h, netuid: 2, alpha: 30}
    - {coldkey: b, hotkey: h, netuid: 2, alpha: 40}
    - {coldkey: b, hotkey: h, netuid: 1, alpha: 100}
`, FormatYAML)
	if sc.State.RootTAO != 30 {
		t.Errorf("root_tao = %d, want the sum of root stakes 30", sc.State.RootTAO)
	}
	want := []Subnet{
		{NetUID: 1, AlphaOut: 100, Tempo: 7, RegistrationAllowed: true, MaxAllowedUIDs: 256, MaxAllowedValidators: 128},
		{NetUID: 2, AlphaOut: 70, Tempo: 7, RegistrationAllowed: true, MaxAllowedUIDs: 256, MaxAllowedValidators: 128},
	}
	if !reflect.DeepEqual(sc.State.Subnets, want) {
		t.Errorf("subnets = %+v, want %+v", sc.State.Subnets, want)
	}
}

func TestAmountForms(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want dtaod.TAO
	}{
		{`0`, 0},
		{`"0"`, 0},
		{`1000000000`, 1_000_000_000},
		{`"1000000000"`, 1_000_000_000},
		{`"007"`, 7},
		{`18446744073709551615`, 1<<64 - 1},
		{`"18446744073709551615"`, 1<<64 - 1},
	} {
		for _, f := range []Format{FormatJSON, FormatYAML} {
			var src string
			if f == FormatJSON {
				src = `{"version":1,"blocks":1,"state":{"total_issuance":` + tc.lit + `}}`
			} else {
				src = "version: 1\nblocks: 1\nstate:\n  total_issuance: " + tc.lit + "\n"
			}
			sc, err := Parse([]byte(src), f)
			if err != nil {
				t.Errorf("%v %s: %v", f, tc.lit, err)
				continue
			}
			if sc.State.TotalIssuance != tc.want {
				t.Errorf("%v %s: got %d, want %d", f, tc.lit, sc.State.TotalIssuance, tc.want)
			}
		}
	}
}

func TestDecimalForms(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		want string
	}{
		{`"0.18"`, "0.18"},
		{`0.18`, "0.18"},
		{`3e-06`, "0.000003"},
		{`"3e-06"`, "0.000003"},
		{`3E-6`, "0.000003"},
		{`1`, "1"},
		{`"1.000"`, "1"},
		{`0`, "0"},
		{`"0.000000000000000001"`, "0.000000000000000001"},
		{`1e-18`, "0.000000000000000001"},
		{`"0.1000000000000000000000"`, "0.1"}, // trailing zeros are exact, not rounding
	} {
		for _, f := range []Format{FormatJSON, FormatYAML} {
			var src string
			if f == FormatJSON {
				src = `{"version":1,"blocks":1,"params":{"tao_weight":` + tc.lit + `}}`
			} else {
				src = "version: 1\nblocks: 1\nparams:\n  tao_weight: " + tc.lit + "\n"
			}
			sc, err := Parse([]byte(src), f)
			if err != nil {
				t.Errorf("%v %s: %v", f, tc.lit, err)
				continue
			}
			if w := fx(t, tc.want); sc.Params.TAOWeight != w {
				t.Errorf("%v %s: got %v, want %v", f, tc.lit, sc.Params.TAOWeight, w)
			}
		}
	}
	// Fixed values above 1 (moving price) and prices far above it (limit price).
	sc := mustParse(t, `{"version":1,"blocks":1,
		"state":{"subnets":[{"netuid":1,"moving_price":"18.446744073709551615"}]},
		"actions":[{"block":1,"type":"add_stake","coldkey":"a","hotkey":"h","netuid":1,"amount":1,
		            "limit_price":"1e30"}]}`, FormatJSON)
	if sc.State.Subnets[0].MovingPrice != 1<<64-1 {
		t.Errorf("moving_price = %v", sc.State.Subnets[0].MovingPrice)
	}
	if got, want := sc.Actions[0].Order.LimitPrice, px(t, "1"+strings.Repeat("0", 30)); got.Cmp(want) != 0 {
		t.Errorf("limit_price = %v, want %v", got, want)
	}
}

func TestHalvingAndShareRules(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		check        func(dtaod.Params) bool
	}{
		{"halving", "issuance", func(p dtaod.Params) bool { return p.Halving == dtaod.HalvingIssuance }},
		{"halving", "none", func(p dtaod.Params) bool { return p.Halving == dtaod.HalvingNone }},
		{"emission_share", "moving_price", func(p dtaod.Params) bool { return p.EmissionShare == dtaod.ShareMovingPrice }},
		{"emission_share", "spot_price", func(p dtaod.Params) bool { return p.EmissionShare == dtaod.ShareSpotPrice }},
		{"emission_share", "tao_reserve", func(p dtaod.Params) bool { return p.EmissionShare == dtaod.ShareTAOReserve }},
	} {
		sc := mustParse(t, "version: 1\nblocks: 1\nparams:\n  "+tc.field+": "+tc.value+"\n", FormatYAML)
		if !tc.check(sc.Params) {
			t.Errorf("%s: %s not applied: %+v", tc.field, tc.value, sc.Params)
		}
	}
}

func TestYAMLAnchorsAndMerge(t *testing.T) {
	sc := mustParse(t, `
version: 1
blocks: 10
actions:
  - &first {block: 1, type: add_stake, coldkey: a, hotkey: h, netuid: 1, amount: 1000000}
  - <<: *first
    type: remove_stake
    amount: 5
  - *first
`, FormatYAML)
	if len(sc.Actions) != 3 {
		t.Fatalf("actions: %+v", sc.Actions)
	}
	a, b, c := sc.Actions[0], sc.Actions[1], sc.Actions[2]
	if b.Order.Kind != pools.RemoveStake || b.Order.Amount != 5 || b.Order.Coldkey != "a" || b.Block != 1 {
		t.Errorf("merged action: %+v", b)
	}
	if c.Index != 2 || !reflect.DeepEqual(c.Order, a.Order) {
		t.Errorf("aliased action: %+v", c)
	}
}

func TestParseFileAndFormat(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	want := wantFull(t)
	for _, name := range []string{"a.json", "a.JSON", "a.scenario"} {
		sc, err := ParseFile(write(name, fullJSON))
		if err != nil || !reflect.DeepEqual(sc, want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"b.yaml", "b.yml", "b"} {
		sc, err := ParseFile(write(name, fullYAML))
		if err != nil || !reflect.DeepEqual(sc, want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A .json file is read as JSON even when it is valid YAML.
	if _, err := ParseFile(write("c.json", "version: 1\nblocks: 1\n")); err == nil {
		t.Error("YAML in a .json file parsed")
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	for f, s := range map[Format]string{FormatAuto: "auto", FormatJSON: "json", FormatYAML: "yaml", 9: "Format(9)"} {
		if f.String() != s {
			t.Errorf("%d.String() = %q", f, f.String())
		}
	}
	if _, err := Parse([]byte(`{}`), 9); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestBOMAndLeadingSpace(t *testing.T) {
	mustParse(t, "\xEF\xBB\xBF  \n\t{\"version\":1,\"blocks\":1}", FormatAuto)
	mustParse(t, "\xEF\xBB\xBFversion: 1\nblocks: 1\n", FormatAuto)
}

func TestHelpMentionsEveryField(t *testing.T) {
	for _, w := range []string{
		"version", "name", "seed", "start_block", "blocks", "every", "accounts",
		"block_emission", "total_supply", "halving", "emission_share", "tao_weight",
		"moving_price_alpha", "moving_price_halving_blocks", "owner_cut", "staking_fee", "min_stake",
		"min_pool_liquidity", "default_tempo", "validator_take", "from_block", "total_issuance",
		"root_tao", "netuid", "tao_in", "alpha_in", "alpha_out", "moving_price", "tempo",
		"registration_allowed", "owner_coldkey", "owner_hotkey", "balances", "free", "stakes",
		"neurons", "coldkey", "hotkey", "block", "type", "add_stake", "remove_stake", "move_stake",
		"transfer_stake", "swap_stake", "set_params", "amount", "limit_price", "allow_partial",
		"from_hotkey", "to_hotkey", "from_netuid", "to_netuid", "to_coldkey",
		"examples/basic.yaml", "examples/bench-128x30d.json",
		"price", "tao_in_emission", "alpha_in_emission", "alpha_out_emission", "root_divs_tao",
		"epochs", "alpha_paid", "root_tao_paid", "owner_cut_paid", "undistributed", "fee", "error",
		// neurons, weights, consensus and subnet registration
		"bonds", "consensus", `"yuma"`, `"aggregate"`, "registration_burn", "max_allowed_uids",
		"max_allowed_validators", "immunity_period", "activity_cutoff", "weights_rate_limit", "kappa",
		"bonds_moving_average", "network_min_lock", "network_lock_reduction_interval", "subnet_limit",
		"registered_at", "last_update", "validator_permit", "weights", "network_last_lock",
		"network_last_lock_block", "register_neuron", "set_weights", "register_subnet",
		"neurons[]", "uid", "stake_weight", "rank", "trust", "incentive", "dividends",
		"validator_trust", "active", "emission", "incentive_alpha", "dividends_alpha",
		"[[uid, value], ...]", "1000000000", "256", "128", "4096", "5000", "100", `"0.5"`, `"0.9"`,
		"100800", "default false",
	} {
		if !strings.Contains(Help, w) {
			t.Errorf("Help does not mention %q", w)
		}
	}
	for i, line := range strings.Split(Help, "\n") {
		if len(line) > 100 {
			t.Errorf("Help line %d is %d columns", i+1, len(line))
		}
	}
}

func TestNeuronAndWeightDefaults(t *testing.T) {
	sc := mustParse(t, `
version: 1
blocks: 1
params: {max_allowed_uids: 9, max_allowed_validators: 4}
state:
  subnets: [{netuid: 1}, {netuid: 2, max_allowed_validators: 0}]
  neurons: [{netuid: 1, hotkey: h, coldkey: c}]
`, FormatYAML)
	want := []Subnet{
		{NetUID: 1, Tempo: 360, RegistrationAllowed: true, MaxAllowedUIDs: 9, MaxAllowedValidators: 4},
		{NetUID: 2, Tempo: 360, RegistrationAllowed: true, MaxAllowedUIDs: 9, MaxAllowedValidators: 0},
	}
	if !reflect.DeepEqual(sc.State.Subnets, want) {
		t.Errorf("subnets = %+v, want %+v", sc.State.Subnets, want)
	}
	if n := sc.State.Neurons[0]; n.RegisteredAt != 0 || n.LastUpdate != 0 || n.ValidatorPermit != nil {
		t.Errorf("neuron defaults: %+v", n)
	}
	st := sc.State
	if st.Weights != nil || st.Bonds != nil || st.NetworkLastLock != 0 || st.NetworkLastLockBlock != 0 || sc.Record.Bonds {
		t.Errorf("defaults: %+v, record %+v", st, sc.Record)
	}
	// A regime's max_allowed_uids does not change the starting state's default.
	sc = mustParse(t, "version: 1\nblocks: 1\nregimes: [{from_block: 0, params: {max_allowed_uids: 3}}]\n"+
		"state: {subnets: [{netuid: 1}]}\n", FormatYAML)
	if got := sc.State.Subnets[0].MaxAllowedUIDs; got != 256 {
		t.Errorf("max_allowed_uids = %d, want the file's params value 256", got)
	}
}

// TestWeightKeys checks that the order of a weights object's keys does not matter, that JSON
// string keys and YAML integer keys mean the same, and that "01" is uid 1.
func TestWeightKeys(t *testing.T) {
	want := []pools.Weight{{UID: 0, Value: 9}, {UID: 1, Value: 8}, {UID: 2, Value: 7}}
	const head = `{"version":1,"blocks":1,"state":{"subnets":[{"netuid":1}],"neurons":[
		{"netuid":1,"hotkey":"a","coldkey":"c"},{"netuid":1,"hotkey":"b","coldkey":"c"},
		{"netuid":1,"hotkey":"d","coldkey":"c"}],"weights":[{"netuid":1,"hotkey":"a","weights":`
	const yhead = "version: 1\nblocks: 1\nstate:\n  subnets: [{netuid: 1}]\n" +
		"  neurons: [{netuid: 1, hotkey: a, coldkey: c}, {netuid: 1, hotkey: b, coldkey: c}, {netuid: 1, hotkey: d, coldkey: c}]\n" +
		"  weights: [{netuid: 1, hotkey: a, weights: "
	for _, src := range []string{
		head + `{"0":9,"1":8,"2":7}}]}}`,
		head + `{"2":7,"0":"9","1":8}}]}}`,
		head + `{"1":8,"2":7,"00":9}}]}}`,
		yhead + "{2: 7, 1: 8, 0: 9}}]\n",
		yhead + "{\"1\": 8, 0: \"9\", \"02\": 7}}]\n",
	} {
		sc := mustParse(t, src, FormatAuto)
		if got := sc.State.Weights[0].Entries; !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\ngot  %v\nwant %v", src, got, want)
		}
	}
	act := func(weights string) []pools.Weight {
		sc := mustParse(t, "version: 1\nblocks: 1\nactions: [{block: 1, type: set_weights, hotkey: h, netuid: 5, weights: "+
			weights+"}]\n", FormatYAML)
		return sc.Actions[0].Order.Weights
	}
	if a, b := act("{65535: 1, 0: 2, 300: 3}"), act("{0: 2, 300: 3, 65535: 1}"); !reflect.DeepEqual(a, b) ||
		!reflect.DeepEqual(a, []pools.Weight{{UID: 0, Value: 2}, {UID: 300, Value: 3}, {UID: 65535, Value: 1}}) {
		t.Errorf("set_weights: %v, %v", a, b)
	}
	if w := act("{}"); len(w) != 0 {
		t.Errorf("empty set_weights: %v", w)
	}
}

// TestEveryErrorOfARow checks that one bad weights row reports each of its problems.
func TestEveryErrorOfARow(t *testing.T) {
	errs := parseErrors(t, y("state:\n  subnets: [{netuid: 3}]\n  neurons: [{netuid: 3, hotkey: v, coldkey: c}]\n"+
		"  weights: [{netuid: 3, hotkey: v, weights: {0: 70000, 1: 1, x: 2, \"00\": 3}}]\n"))
	var got []string
	for _, e := range errs {
		got = append(got, e.Path)
	}
	want := "state.weights[0].weights.0 state.weights[0].weights.1 state.weights[0].weights.x state.weights[0].weights.00"
	if strings.Join(got, " ") != want {
		t.Errorf("errors %v\nwant %s", &ErrorList{errs}, want)
	}
}

func TestRecordNeurons(t *testing.T) {
	for _, tc := range []struct {
		body string
		off  bool
	}{
		{`{"version":1,"blocks":1}`, false},
		{`{"version":1,"blocks":1,"record":{"neurons":true}}`, false},
		{`{"version":1,"blocks":1,"record":{"neurons":false}}`, true},
	} {
		sc, err := Parse([]byte(tc.body), FormatJSON)
		if err != nil || sc.Record.NoNeurons != tc.off {
			t.Errorf("%s: NoNeurons %v, err %v; want %v", tc.body, sc != nil && sc.Record.NoNeurons, err, tc.off)
		}
	}
	if _, err := Parse([]byte(`{"version":1,"blocks":1,"record":{"neurons":"no"}}`), FormatJSON); err == nil || !strings.Contains(err.Error(), "record.neurons") {
		t.Errorf("a non-bool record.neurons: %v", err)
	}
}
