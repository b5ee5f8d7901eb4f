// Package engine is the state transition both drivers run: the backtester and the live service
// hand it a block's inputs and it applies, in the order of spec 9.7, the parameter regimes, every
// subnet's coinbase, the epochs due and then the inputs in their given order. It is pure and
// deterministic: the same state, parameters and inputs give the same state and results.
package engine

import (
	"fmt"
	"sort"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/emission"
	"github.com/dtaod/dtaod/pools"
)

// Regime is a parameter change that takes effect at From, before that block's coinbase.
type Regime struct {
	From   dtaod.Block
	Params dtaod.ParamsPatch
}

// Input is one thing a user asked for in a block: a stake order, or (scenarios only) a parameter
// change. Exactly one of Order and Params is set.
type Input struct {
	Order  *pools.Order
	Params *dtaod.ParamsPatch
}

// Outcome is what an input did. Err is nil on success and otherwise carries a stable code; a
// failed input changed nothing.
type Outcome struct {
	Receipt pools.Receipt
	Err     error
	// PriceBefore and PriceAfter are the spot prices around the order, kept only while the engine
	// journals (the live service): the origin subnet's before, the destination's after (root: 1).
	PriceBefore, PriceAfter dtaod.Price
}

// BlockResult is what one block did. The engine reuses its slices between blocks; copy what you
// keep.
type BlockResult struct {
	Block    dtaod.Block
	Emission dtaod.TAO // the block's TAO emission before the split
	Epochs   []emission.EpochRecord
	Outcomes []Outcome // one per input, in input order
	// Ledger is every balance change of the block in order, when the engine journals (Journal).
	Ledger []pools.Entry
}

// Engine owns the state and applies blocks to it.
type Engine struct {
	State     *pools.State
	Params    dtaod.Params
	Height    dtaod.Block // the last block applied
	Consensus emission.Consensus

	regimes []Regime // not yet in effect, sorted by From
	scratch emission.Scratch
}

// KeepBonds makes epoch results carry each neuron's bonds (for records that ask for them).
func (e *Engine) KeepBonds(on bool) { e.scratch.KeepBonds = on }

// SkipNeurons leaves per-neuron results out of epoch results, for drivers that do not use them.
func (e *Engine) SkipNeurons(on bool) { e.scratch.SkipNeurons = on }

// Journal makes blocks record every balance change as a double-entry ledger (BlockResult.Ledger)
// and each order's prices: what the live service persists. A backtest leaves it off.
func (e *Engine) Journal(on bool) { e.State.Journaling = on }

// New returns an engine at height over st. Regimes at or before height+1 take effect with the
// first block; the rest at their block.
func New(st *pools.State, p dtaod.Params, height dtaod.Block, regimes []Regime) *Engine {
	rs := append([]Regime(nil), regimes...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].From < rs[j].From })
	return &Engine{State: st, Params: p, Height: height, Consensus: emission.NewAuto(), regimes: rs}
}

// Next applies block Height+1 with the given inputs and fills res. An error is a broken
// invariant or an amount out of range: the block must not be kept, and the state is no longer
// trustworthy.
func (e *Engine) Next(inputs []Input, res *BlockResult) error {
	b := e.Height + 1
	res.Block = b
	res.Epochs = res.Epochs[:0]
	res.Outcomes = res.Outcomes[:0]
	for len(e.regimes) > 0 && e.regimes[0].From <= b {
		e.Params = e.regimes[0].Params.Apply(e.Params)
		e.regimes = e.regimes[1:]
	}
	e.State.Height = b
	e.State.Journal = e.State.Journal[:0]
	e.State.JournalInput = -1
	e.scratch.BeginBlock()
	em, err := emission.Coinbase(e.State, &e.Params, b, &e.scratch)
	if err != nil {
		return err
	}
	res.Emission = em
	for _, s := range e.State.Subnets {
		if emission.IsEpochBlock(b, s.NetUID, s.Tempo) {
			res.Epochs = append(res.Epochs, emission.Epoch(e.State, &e.Params, s, b, e.Consensus, &e.scratch))
		}
	}
	for i, in := range inputs {
		var out Outcome
		e.State.JournalInput = int32(i)
		switch {
		case in.Order != nil:
			priced := e.State.Journaling && tradesOnSubnet(in.Order)
			if priced {
				out.PriceBefore = e.spot(originOf(in.Order))
			}
			out.Receipt, out.Err = e.State.Apply(&e.Params, in.Order)
			if priced {
				out.PriceAfter = e.spot(destinationOf(in.Order))
			}
		case in.Params != nil:
			e.Params = in.Params.Apply(e.Params)
		default:
			out.Err = fmt.Errorf("%w: empty input", dtaod.ErrInvalidArgument)
		}
		res.Outcomes = append(res.Outcomes, out)
	}
	res.Ledger = e.State.Journal
	e.State.JournalInput = -1 // between blocks nothing is attributed to an input
	e.Height = b
	return nil
}

var rootPrice = dtaod.PriceFromFixed(dtaod.FixedOne)

// spot is a subnet's spot price, 1 on root, 0 for a subnet that does not exist (yet).
func (e *Engine) spot(n dtaod.NetUID) dtaod.Price {
	if n == dtaod.Root {
		return rootPrice
	}
	if s := e.State.Subnet(n); s != nil {
		return s.Pool().SpotPrice()
	}
	return dtaod.Price{}
}

// tradesOnSubnet reports whether an order names a subnet (or root) whose price its receipt
// reports: free-TAO transfers and the faucet touch no pool, so their prices stay 0 rather than
// root's 1.
func tradesOnSubnet(o *pools.Order) bool {
	return o.Kind != pools.Transfer && o.Kind != pools.Faucet
}

// originOf and destinationOf are the subnets whose prices an order's receipt reports.
func originOf(o *pools.Order) dtaod.NetUID {
	switch o.Kind {
	case pools.MoveStake, pools.TransferStake, pools.SwapStake:
		return o.FromNetUID
	}
	return o.NetUID
}

func destinationOf(o *pools.Order) dtaod.NetUID {
	switch o.Kind {
	case pools.MoveStake, pools.TransferStake, pools.SwapStake:
		return o.ToNetUID
	}
	return o.NetUID
}
