// The round trip needs backtest and engine, which import scenario: an external test package
// breaks the cycle.
package scenario_test

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/backtest"
	"github.com/dtaod/dtaod/engine"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// liveState builds the state of a scenario file and runs it blocks blocks with the given orders
// (keyed by block offset from the start), as the live service would: a rich state with pending
// emission, share-pool dust, nominators, bonds and neurons registered after genesis.
func liveState(t *testing.T, path string, genesis bool, blocks int, orders map[int][]pools.Order) (*pools.State, dtaod.Params) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parse := scenario.Parse
	if genesis {
		parse = scenario.ParseGenesis
	}
	sc, err := parse(data, scenario.FormatOf(path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	st, err := backtest.Genesis(&sc.State, &sc.Params)
	if err != nil {
		t.Fatalf("%s: genesis: %v", path, err)
	}
	e := engine.New(st, sc.Params, sc.StartBlock, nil)
	var res engine.BlockResult
	failed := 0
	for i := 1; i <= blocks; i++ {
		var in []engine.Input
		for _, o := range orders[i] {
			in = append(in, engine.Input{Order: &o})
		}
		if err := e.Next(in, &res); err != nil {
			t.Fatalf("%s: block %d: %v", path, res.Block, err)
		}
		for j, out := range res.Outcomes {
			if out.Err != nil {
				failed++
				t.Logf("%s: block %d: %s failed: %v", path, res.Block, orders[i][j].Kind, out.Err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%s: %d orders failed; the test's orders should all succeed", path, failed)
	}
	if err := st.Check(); err != nil {
		t.Fatalf("%s: the live state is broken before export: %v", path, err)
	}
	return st, e.Params
}

func basicLive(t *testing.T) (*pools.State, dtaod.Params) {
	const tao = dtaod.RaoPerTAO
	return liveState(t, "../examples/basic.yaml", false, 400, map[int][]pools.Order{
		5:   {{Kind: pools.AddStake, Coldkey: "alice", Hotkey: "v1", NetUID: 1, Amount: 100 * tao}},
		6:   {{Kind: pools.AddStake, Coldkey: "bob", Hotkey: "v1", NetUID: 1, Amount: 7 * tao}}, // a nominator
		7:   {{Kind: pools.AddStake, Coldkey: "alice", Hotkey: "v2", NetUID: 0, Amount: 10 * tao}},
		20:  {{Kind: pools.RegisterNeuron, Coldkey: "alice", Hotkey: "alice-hk", NetUID: 1}},
		21:  {{Kind: pools.RegisterNeuron, Coldkey: "bob", Hotkey: "bob-hk", NetUID: 2}},
		30:  {{Kind: pools.SetWeights, Hotkey: "v1", NetUID: 1, Weights: []pools.Weight{{UID: 1, Value: 100}, {UID: 2, Value: 300}}}},
		40:  {{Kind: pools.RegisterSubnet, Coldkey: "alice", Hotkey: "alice-owner-hk"}},
		200: {{Kind: pools.RemoveStake, Coldkey: "alice", Hotkey: "v1", NetUID: 1, Amount: 3 * tao}},
		250: {{Kind: pools.MoveStake, Coldkey: "alice", FromHotkey: "v1", ToHotkey: "v2", FromNetUID: 1, ToNetUID: 2, Amount: 2 * tao}},
	})
}

func devLive(t *testing.T) (*pools.State, dtaod.Params) {
	const tao = dtaod.RaoPerTAO
	dev := func(name string) string { return keys.DevKey(name).Address() } // the dev genesis's accounts
	orders := map[int][]pools.Order{
		3:   {{Kind: pools.AddStake, Coldkey: dev("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 1000 * tao}},
		4:   {{Kind: pools.AddStake, Coldkey: dev("bob"), Hotkey: "val2-hk", NetUID: 0, Amount: 500 * tao}},
		150: {{Kind: pools.RemoveStake, Coldkey: dev("alice"), Hotkey: "val1-hk", NetUID: 1, Amount: 100 * tao}},
		160: {{Kind: pools.SetWeights, Hotkey: "val1-hk", NetUID: 1, Weights: []pools.Weight{{UID: 4, Value: 1}, {UID: 10, Value: 3}, {UID: 11, Value: 2}}}},
	}
	// Four more miners on subnet 1 take uids 8..11, so weights rows have two-digit uids.
	for i, hk := range []string{"m5", "m6", "m7", "m8"} {
		orders[10+i] = []pools.Order{{Kind: pools.RegisterNeuron, Coldkey: dev("charlie"), Hotkey: hk, NetUID: 1}}
	}
	return liveState(t, "../node/devgenesis.yaml", true, 300, orders)
}

func TestExportRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		live func(*testing.T) (*pools.State, dtaod.Params)
	}{{"basic", basicLive}, {"devgenesis", devLive}} {
		t.Run(c.name, func(t *testing.T) {
			st, p := c.live(t)
			doc := scenario.Export(st, p, c.name)
			sc, err := scenario.Parse(doc, scenario.FormatJSON)
			if err != nil {
				t.Fatalf("Parse refused the export: %v\n%s", err, doc)
			}
			if sc.Params != p {
				t.Errorf("params: got %+v, want %+v", sc.Params, p)
			}
			if sc.Version != 1 || sc.Name != c.name || sc.StartBlock != st.Height || sc.Blocks != scenario.ExportBlocks {
				t.Errorf("header: version %d name %q start %d blocks %d", sc.Version, sc.Name, sc.StartBlock, sc.Blocks)
			}
			if len(sc.Regimes) != 0 || len(sc.Actions) != 0 {
				t.Errorf("regimes %v actions %v: an export has none", sc.Regimes, sc.Actions)
			}
			got, err := backtest.Genesis(&sc.State, &sc.Params)
			if err != nil {
				t.Fatalf("Genesis refused the export: %v", err)
			}
			if err := got.Check(); err != nil {
				t.Fatalf("restored state: %v", err)
			}
			compareStates(t, st, got)
			// Nothing the contract carries was lost: the restored state exports to the same bytes
			// (at the same height, which the engine, not Genesis, sets).
			got.Height = sc.StartBlock
			if again := scenario.Export(got, sc.Params, c.name); !bytes.Equal(again, doc) {
				t.Errorf("Export(Genesis(Parse(Export(st)))) differs from Export(st)")
			}
		})
	}
}

// compareStates checks what the contract carries exactly and the folds Export documents.
func compareStates(t *testing.T, want, got *pools.State) {
	t.Helper()
	if got.TotalIssuance != want.TotalIssuance || got.RootTAO != want.RootTAO {
		t.Errorf("total_issuance %d root_tao %d, want %d %d", got.TotalIssuance, got.RootTAO, want.TotalIssuance, want.RootTAO)
	}
	if got.NetworkLastLock != want.NetworkLastLock || got.NetworkLastLockBlock != want.NetworkLastLockBlock {
		t.Errorf("lock %d@%d, want %d@%d", got.NetworkLastLock, got.NetworkLastLockBlock, want.NetworkLastLock, want.NetworkLastLockBlock)
	}
	if len(got.Subnets) != len(want.Subnets) {
		t.Fatalf("%d subnets, want %d", len(got.Subnets), len(want.Subnets))
	}

	// Stakes: every floor'd stake exactly, nothing more.
	ws, gs := want.Stakes(), got.Stakes()
	if !slices.Equal(ws, gs) {
		t.Errorf("stakes differ:\n got %v\nwant %v", gs, ws)
	}
	floored := map[dtaod.NetUID]uint64{}
	for _, s := range ws {
		floored[s.NetUID] += s.Amount
	}

	var pending, weights, bonds, dust int
	for i, w := range want.Subnets {
		g := got.Subnets[i]
		if g.NetUID != w.NetUID || g.TAOIn != w.TAOIn || g.AlphaIn != w.AlphaIn || g.AlphaOut != w.AlphaOut ||
			g.MovingPrice != w.MovingPrice || g.Tempo != w.Tempo || g.RegistrationAllowed != w.RegistrationAllowed ||
			g.OwnerColdkey != w.OwnerColdkey || g.OwnerHotkey != w.OwnerHotkey ||
			g.MaxAllowedUIDs != w.MaxAllowedUIDs || g.MaxAllowedValidators != w.MaxAllowedValidators {
			t.Errorf("subnet %d:\n got %+v\nwant %+v", w.NetUID, *g, *w)
		}
		// The fold: pending emission and share-pool dust become unnamed stake.
		d := want.StakeOnNet(w.NetUID) - floored[w.NetUID]
		fold := w.UnnamedStake + w.PendingAlpha + w.PendingOwnerCut + dtaod.Alpha(d)
		if g.UnnamedStake != fold {
			t.Errorf("subnet %d: unnamed stake %d, want %d (unnamed %d + pending %d + owner cut %d + dust %d)",
				w.NetUID, g.UnnamedStake, fold, w.UnnamedStake, w.PendingAlpha, w.PendingOwnerCut, d)
		}
		if w.PendingAlpha > 0 {
			pending++
		}
		if d > 0 {
			dust++
		}
		if len(g.Neurons) != len(w.Neurons) {
			t.Errorf("subnet %d: %d neurons, want %d", w.NetUID, len(g.Neurons), len(w.Neurons))
			continue
		}
		for uid := range w.Neurons {
			wn, gn := &w.Neurons[uid], &g.Neurons[uid]
			if gn.Hotkey != wn.Hotkey || gn.Coldkey != wn.Coldkey || gn.RegisteredAt != wn.RegisteredAt ||
				gn.LastUpdate != wn.LastUpdate || gn.ValidatorPermit != wn.ValidatorPermit ||
				!slices.Equal(gn.Weights, wn.Weights) || !slices.Equal(gn.Bonds, wn.Bonds) {
				t.Errorf("subnet %d uid %d:\n got %+v\nwant %+v", w.NetUID, uid, *gn, *wn)
			}
			if len(wn.Weights) > 0 {
				weights++
			}
			if len(wn.Bonds) > 0 {
				bonds++
			}
		}
	}
	rootDust := want.StakeOnNet(dtaod.Root) - floored[dtaod.Root]
	if got.UnnamedRoot != want.UnnamedRoot+dtaod.TAO(rootDust) {
		t.Errorf("unnamed root %d, want %d + dust %d", got.UnnamedRoot, want.UnnamedRoot, rootDust)
	}

	wb, gb := map[string]dtaod.TAO{}, map[string]dtaod.TAO{}
	for k, v := range want.Free {
		if v > 0 {
			wb[k] = v
		}
	}
	for k, v := range got.Free {
		if v > 0 {
			gb[k] = v
		}
	}
	if len(wb) != len(gb) {
		t.Errorf("%d balances, want %d", len(gb), len(wb))
	}
	for k, v := range wb {
		if gb[k] != v {
			t.Errorf("balance of %s: %d, want %d", k, gb[k], v)
		}
	}
	// The run must have produced what the folds are about, or the test proves nothing.
	if pending == 0 || weights == 0 || bonds == 0 || dust == 0 {
		t.Errorf("the live state is not rich enough: %d subnets with pending emission, %d with dust, %d weights rows, %d bonds rows",
			pending, dust, weights, bonds)
	}
	t.Logf("%d subnets (%d pending, %d with dust), %d stakes, %d weights rows, %d bonds rows, root dust %d",
		len(want.Subnets), pending, dust, len(ws), weights, bonds, rootDust)
}

func TestExportDeterministic(t *testing.T) {
	st, p := devLive(t)
	a := scenario.Export(st, p, "dev")
	b := scenario.Export(st, p, "dev")
	c := scenario.Export(st.Clone(), p, "dev") // fresh maps: another iteration order
	if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
		t.Fatal("Export gave different bytes for the same state")
	}
	// Two-digit uids are written in uid order, not string order.
	if i, j := bytes.Index(a, []byte(`"4": 21845`)), bytes.Index(a, []byte(`"10": 65535`)); i < 0 || j < 0 || i > j {
		t.Errorf("weights row of val1-hk on subnet 1 not in uid order (offsets %d, %d)", i, j)
	}
}

func TestExportEmptyState(t *testing.T) {
	doc := scenario.Export(pools.NewState(), dtaod.DefaultParams(), "")
	sc, err := scenario.Parse(doc, scenario.FormatAuto)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	if sc.Params != dtaod.DefaultParams() || len(sc.State.Subnets) != 0 {
		t.Errorf("got %+v", sc)
	}
}

type discard struct{ n int }

func (d *discard) Write(*backtest.Record) error { d.n++; return nil }
func (d *discard) Close() error                 { return nil }

func TestExportRunsAsBacktest(t *testing.T) {
	for _, live := range []func(*testing.T) (*pools.State, dtaod.Params){basicLive, devLive} {
		st, p := live(t)
		sc, err := scenario.Parse(scenario.Export(st, p, "export"), scenario.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		sc.Blocks = 400 // past an epoch of every subnet of both files
		var d discard
		if err := backtest.Run(sc, &d, backtest.Options{Check: true}); err != nil {
			t.Fatal(err)
		}
		if d.n != 400 {
			t.Errorf("%d records, want 400", d.n)
		}
	}
}
