package backtest

import (
	"bytes"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

type memSink struct{ recs []Record }

func (m *memSink) Write(r *Record) error {
	c := *r
	c.Subnets = append([]SubnetRecord(nil), r.Subnets...)
	c.Actions = append([]ActionRecord(nil), r.Actions...)
	c.Epochs = append([]EpochRecord(nil), r.Epochs...)
	m.recs = append(m.recs, c)
	return nil
}
func (m *memSink) Close() error { return nil }

func smokeScenario(blocks uint64) *scenario.Scenario {
	sc := &scenario.Scenario{Version: 1, Name: "smoke", Blocks: blocks, Record: scenario.Record{Every: 100, Accounts: true}, Params: dtaod.DefaultParams()}
	sc.State = scenario.State{TotalIssuance: 8_000_000 * dtaod.RaoPerTAO, RootTAO: 3_000_000 * dtaod.RaoPerTAO}
	for i := 1; i <= 3; i++ {
		sc.State.Subnets = append(sc.State.Subnets, scenario.Subnet{
			NetUID: dtaod.NetUID(i), TAOIn: dtaod.TAO(i) * 10_000 * dtaod.RaoPerTAO, AlphaIn: 100_000 * dtaod.RaoPerTAO,
			AlphaOut: 50_000 * dtaod.RaoPerTAO, MovingPrice: dtaod.Fixed(i) * 100_000_000_000_000_000, Tempo: 360,
			RegistrationAllowed: true, OwnerColdkey: "owner", OwnerHotkey: "ownerhk",
		})
		sc.State.Stakes = append(sc.State.Stakes, scenario.Stake{Coldkey: "val", Hotkey: "v1", NetUID: dtaod.NetUID(i), Alpha: 20_000 * dtaod.RaoPerTAO})
		sc.State.Neurons = append(sc.State.Neurons, scenario.Neuron{NetUID: dtaod.NetUID(i), Hotkey: "v1", Coldkey: "val"}, scenario.Neuron{NetUID: dtaod.NetUID(i), Hotkey: "v2", Coldkey: "val2"})
	}
	sc.State.Stakes = append(sc.State.Stakes, scenario.Stake{Coldkey: "nom", Hotkey: "v2", NetUID: 0, Alpha: 1_000_000 * dtaod.RaoPerTAO})
	sc.State.Balances = []scenario.Balance{{Coldkey: "alice", Free: 1000 * dtaod.RaoPerTAO}}
	sc.Actions = []scenario.Action{
		{Index: 0, Block: 5, Type: scenario.ActionOrder, Name: "add_stake", Order: pools.Order{Kind: pools.AddStake, Coldkey: "alice", Hotkey: "v1", NetUID: 1, Amount: 100 * dtaod.RaoPerTAO}},
		{Index: 1, Block: 400, Type: scenario.ActionOrder, Name: "remove_stake", Order: pools.Order{Kind: pools.RemoveStake, Coldkey: "alice", Hotkey: "v1", NetUID: 1, Amount: 10 * dtaod.RaoPerTAO}},
		{Index: 2, Block: 401, Type: scenario.ActionOrder, Name: "move_stake", Order: pools.Order{Kind: pools.MoveStake, Coldkey: "alice", FromHotkey: "v1", ToHotkey: "v2", FromNetUID: 1, ToNetUID: 2, Amount: 10 * dtaod.RaoPerTAO}},
		{Index: 3, Block: 402, Type: scenario.ActionOrder, Name: "add_stake", Order: pools.Order{Kind: pools.AddStake, Coldkey: "alice", Hotkey: "v1", NetUID: 0, Amount: 10 * dtaod.RaoPerTAO}},
		{Index: 4, Block: 403, Type: scenario.ActionOrder, Name: "add_stake", Order: pools.Order{Kind: pools.AddStake, Coldkey: "bob", Hotkey: "v1", NetUID: 9, Amount: 10 * dtaod.RaoPerTAO}},
	}
	return sc
}

func TestSmokeConserves(t *testing.T) {
	var m memSink
	if err := Run(smokeScenario(2000), &m, Options{Check: true}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Run(smokeScenario(2000), NewJSONL(&buf), Options{}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records; last: %s", len(m.recs), buf.Bytes()[bytes.LastIndexByte(buf.Bytes()[:buf.Len()-1], '\n')+1:])
	for _, r := range m.recs {
		for _, a := range r.Actions {
			t.Logf("action %+v", a)
		}
		for _, e := range r.Epochs {
			t.Logf("epoch %+v", e)
		}
	}
}
