// Package node is the live chain: it turns the engine into blocks. A Chain applies a block's
// orders to the state and produces everything the store writes; a Node runs the producer (one
// per database, by the store's producer lease) or follows the blocks another process produces,
// and Replay rebuilds the whole history from genesis to check it. The engine is the only thing
// that changes state, so a block applied by the producer, a follower and a replay is the same.
package node

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/backtest"
	"github.com/dtaod/dtaod/engine"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
)

// ErrInvariant is a block that broke conservation or another invariant: it must never be
// written, and the producer stops rather than write it.
var ErrInvariant = errors.New("invariant violated")

// Genesis is a parsed genesis document: the params and starting state every process and every
// replay begins from.
type Genesis struct {
	Doc      []byte
	ChainID  string
	Scenario *scenario.Scenario
	Hash     [32]byte // of the starting state
	// Dev is set for the embedded dev genesis (DevGenesis, byte for byte): its accounts' keys
	// are public (keys.DevKey), so minting to them harms nobody, and only such a chain has a
	// faucet (POST /v1/admin/faucet).
	Dev bool
}

// ParseGenesis validates a genesis document (a scenario file: params, state and start_block are
// used) and hashes the state it builds.
func ParseGenesis(doc []byte, chainID string) (*Genesis, error) {
	sc, err := scenario.ParseGenesis(doc, scenario.FormatAuto)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	g := &Genesis{Doc: doc, ChainID: chainID, Scenario: sc, Dev: bytes.Equal(doc, devGenesis)}
	st, err := g.State()
	if err != nil {
		return nil, err
	}
	g.Hash = st.Snapshot().Hash()
	return g, nil
}

// State builds the genesis state (a new copy each call).
func (g *Genesis) State() (*pools.State, error) {
	st, err := backtest.Genesis(&g.Scenario.State, &g.Scenario.Params)
	if err != nil {
		return nil, fmt.Errorf("genesis state: %w", err)
	}
	st.Height = g.Scenario.StartBlock
	return st, nil
}

// Store returns the store's record of this genesis.
func (g *Genesis) Store() *store.Genesis {
	return &store.Genesis{Document: g.Doc, StateHash: g.Hash, ChainID: g.ChainID}
}

// Chain is the engine plus what a block needs to be written: the state rows after the last
// block (to diff against) and its hash. It is not safe for concurrent use.
type Chain struct {
	gen  *Genesis
	eng  *engine.Engine
	snap *pools.Snapshot // state rows after Height
	hash [32]byte
	res  engine.BlockResult

	inputs []engine.Input
	orders []pools.Order
	bad    []error
}

// NewChain starts a chain at genesis.
func NewChain(g *Genesis) (*Chain, error) {
	st, err := g.State()
	if err != nil {
		return nil, err
	}
	return newChain(g, st, st.Snapshot()), nil
}

// RestoreChain starts a chain from stored state rows (a restart), which must hash to want (the
// head's state hash, or genesis's before block 1). The engine resumes with the params the rows
// record (snap.Params, set when a set_params entry changed them), else the genesis params.
func RestoreChain(g *Genesis, snap *pools.Snapshot, want [32]byte) (*Chain, error) {
	if h := snap.Hash(); h != want {
		return nil, fmt.Errorf("%w: stored state at height %d hashes to %x, its block says %x", ErrInvariant, snap.Globals.Height, h[:8], want[:8])
	}
	st, err := pools.FromSnapshot(snap)
	if err != nil {
		return nil, fmt.Errorf("%w: stored state: %v", ErrInvariant, err)
	}
	return newChain(g, st, snap.Clone()), nil
}

func newChain(g *Genesis, st *pools.State, snap *pools.Snapshot) *Chain {
	params := g.Scenario.Params
	if snap.Params != nil {
		params = *snap.Params
	}
	e := engine.New(st, params, st.Height, nil)
	e.Journal(true)
	e.KeepBonds(false)
	return &Chain{gen: g, eng: e, snap: snap, hash: snap.Hash()}
}

// Height is the last block applied.
func (c *Chain) Height() dtaod.Block { return c.eng.Height }

// Hash is the state hash after Height.
func (c *Chain) Hash() [32]byte { return c.hash }

// Snapshot is the state rows after Height. The chain never mutates a snapshot it handed out, so
// readers may keep it.
func (c *Chain) Snapshot() *pools.Snapshot { return c.snap }

// Params are the parameters in effect.
func (c *Chain) Params() dtaod.Params { return c.eng.Params }

// Apply applies the next block with the given orders (in that order) and returns what the store
// must write. An order whose payload does not parse gets a failed receipt, never a stuck chain.
// A set_params entry (scenario.FormatParamsChange) is a parameter change applied at its
// position in the block (orders after it see the new params) with an ok receipt; the params
// then in effect are part of the state rows (pools.Snapshot.Params) whenever they differ from
// the genesis params, so they are hashed, stored and restored.
// Any error is ErrInvariant-wrapped or an engine failure: the chain is then unusable and must be
// restored from the store.
func (c *Chain) Apply(orders []store.Order, now time.Time) (*store.Block, error) {
	start := time.Now()
	c.inputs, c.orders, c.bad = c.inputs[:0], c.orders[:0], c.bad[:0]
	c.orders = append(c.orders, make([]pools.Order, len(orders))...)
	var kept []int // index into orders of each input
	for i, o := range orders {
		var err error
		c.orders[i], err = scenario.ParseOrder(o.Payload)
		if err != nil && scenario.IsParamsChange(o.Payload) {
			q := new(dtaod.ParamsPatch) // rare: an allocation per change is nothing
			if *q, err = scenario.ParseParamsChange(o.Payload); err == nil {
				kept = append(kept, i)
				c.inputs = append(c.inputs, engine.Input{Params: q})
			}
			c.bad = append(c.bad, err)
			continue
		}
		c.bad = append(c.bad, err)
		if err == nil {
			kept = append(kept, i)
			c.inputs = append(c.inputs, engine.Input{Order: &c.orders[i]})
		}
	}
	if err := c.eng.Next(c.inputs, &c.res); err != nil {
		return nil, fmt.Errorf("%w: block %d: %v", ErrInvariant, c.eng.Height+1, err)
	}
	st := c.eng.State
	if err := st.Check(); err != nil {
		return nil, fmt.Errorf("%w: block %d: %v", ErrInvariant, c.res.Block, err)
	}
	next := st.Snapshot()
	next.Params = c.changedParams()
	b := &store.Block{
		Header: store.BlockHeader{
			Height: c.res.Block, ParentHash: c.hash, StateHash: next.Hash(),
			Emission: c.res.Emission, TotalIssuance: st.TotalIssuance,
			Orders: len(orders), ProducedAt: now,
		},
		Changes: pools.Diff(c.snap, next),
	}
	b.Orders = make([]store.IncludedOrder, len(orders))
	in := 0 // the next input: kept orders are inputs in order
	for i, o := range orders {
		io := store.IncludedOrder{Order: o, Block: b.Header.Height, Index: i}
		if err := c.bad[i]; err != nil {
			io.Receipt = store.Receipt{Code: dtaod.ErrInvalidArgument.Code(), Message: "payload: " + err.Error()}
		} else {
			io.Receipt = receipt(&c.res.Outcomes[in])
			in++
		}
		b.Orders[i] = io
	}
	b.Ledger = make([]store.LedgerEntry, len(c.res.Ledger))
	for i, e := range c.res.Ledger {
		if e.Input >= 0 {
			e.Input = int32(kept[e.Input]) // the order's position in the block
		}
		b.Ledger[i] = store.LedgerEntry{Block: b.Header.Height, Seq: i, Entry: e}
	}
	b.Snapshots = make([]store.PoolSnapshot, len(st.Subnets))
	for i, s := range st.Subnets {
		b.Snapshots[i] = store.PoolSnapshot{
			Block: b.Header.Height, NetUID: s.NetUID, TAOIn: s.TAOIn, AlphaIn: s.AlphaIn, AlphaOut: s.AlphaOut,
			Price: s.Pool().SpotPrice(), MovingPrice: s.MovingPrice,
			TAOInEmission: s.LastTAOInEmission, AlphaInEmission: s.LastAlphaInEmission, AlphaOutEmission: s.LastAlphaOutEmission,
			VolumeHi: s.VolumeHi, VolumeLo: s.VolumeLo,
		}
	}
	b.Header.ApplyTime = time.Since(start)
	c.snap, c.hash = next, b.Header.StateHash
	return b, nil
}

// changedParams is the params in effect when they differ from the genesis params, for the state
// rows; nil (the genesis params) otherwise.
func (c *Chain) changedParams() *dtaod.Params {
	if c.eng.Params == c.gen.Scenario.Params {
		return nil
	}
	p := c.eng.Params
	return &p
}

func receipt(o *engine.Outcome) store.Receipt {
	r := store.Receipt{OK: o.Err == nil, PriceBefore: o.PriceBefore, PriceAfter: o.PriceAfter}
	if o.Err != nil {
		r.Code, r.Message = dtaod.CodeOf(o.Err), o.Err.Error()
		return r
	}
	r.TAO, r.Alpha, r.Fee, r.UID, r.NetUID = o.Receipt.TAO, o.Receipt.Alpha, o.Receipt.Fee, o.Receipt.UID, o.Receipt.NetUID
	return r
}

//go:embed devgenesis.yaml
var devGenesis []byte

// DevGenesis is the embedded development genesis (devgenesis.yaml): eight subnets, funded dev
// accounts and neurons, so `dtaod serve` runs with no setup.
func DevGenesis() []byte { return append([]byte(nil), devGenesis...) }

// DevAccount is the address of a funded dev-genesis account (alice, bob, charlie, dave):
// keys.DevKey(name).Address(), the SS58 address devgenesis.yaml funds, so tests, the CLI and
// the dev chain agree on who alice is and anyone can sign her orders with keys.DevKey.
func DevAccount(name string) string { return keys.DevKey(name).Address() }
