package backtest

import (
	"fmt"
	"sort"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/engine"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// Sink receives the records of a run, in block order. The record and its slices are reused
// after Write returns.
type Sink interface {
	Write(r *Record) error
	Close() error
}

// Options tune a run without changing its results.
type Options struct {
	// Progress, if set, is called with the number of blocks done, at most every 1% of the run.
	Progress func(done, total uint64)
	// Check runs the conservation check after every block (slow; for tests).
	Check bool
}

// Run simulates the scenario and writes its records to sink. Failing actions are recorded with
// their codes; an error from Run means the starting state is unusable (a *GenesisError, reported
// before anything is written), the engine itself could not go on (an amount out of range, a
// broken invariant) or the sink failed.
func Run(sc *scenario.Scenario, sink Sink, opt Options) error {
	r, err := New(sc)
	if err != nil {
		return err
	}
	return r.Run(sink, opt)
}

// Runner is a scenario whose starting state has been built: New reports a bad state before any
// output exists, so a command can still promise "no output" for bad input.
type Runner struct {
	sc *scenario.Scenario
	st *pools.State
}

// New builds the scenario's starting state; its error is a *GenesisError.
func New(sc *scenario.Scenario) (*Runner, error) {
	st, err := Genesis(&sc.State, &sc.Params)
	if err != nil {
		return nil, &GenesisError{err}
	}
	return &Runner{sc: sc, st: st}, nil
}

// Run simulates the scenario once and writes its records to sink.
func (r *Runner) Run(sink Sink, opt Options) error {
	sc, st := r.sc, r.st
	regimes := make([]engine.Regime, len(sc.Regimes))
	for i, r := range sc.Regimes {
		regimes[i] = engine.Regime{From: r.FromBlock, Params: r.Params}
	}
	eng := engine.New(st, sc.Params, sc.StartBlock, regimes)
	eng.KeepBonds(sc.Record.Bonds && !sc.Record.NoNeurons)
	eng.SkipNeurons(sc.Record.NoNeurons)

	actions := make([]*scenario.Action, len(sc.Actions))
	for i := range sc.Actions {
		actions[i] = &sc.Actions[i]
	}
	sort.SliceStable(actions, func(i, j int) bool { return actions[i].Block < actions[j].Block })

	var (
		rec    = Record{Name: sc.Name, accounts: sc.Record.Accounts}
		res    engine.BlockResult
		inputs []engine.Input
		batch  []*scenario.Action
		next   int
		every  = max(sc.Record.Every, 1)
		step   = max(sc.Blocks/100, 1)
	)
	for i := uint64(1); i <= sc.Blocks; i++ {
		b := sc.StartBlock + dtaod.Block(i)
		inputs, batch = inputs[:0], batch[:0]
		for ; next < len(actions) && actions[next].Block == b; next++ {
			a := actions[next]
			batch = append(batch, a)
			if a.Type == scenario.ActionSetParams {
				inputs = append(inputs, engine.Input{Params: &a.Params})
			} else {
				inputs = append(inputs, engine.Input{Order: &a.Order})
			}
		}
		if err := eng.Next(inputs, &res); err != nil {
			return fmt.Errorf("block %d: %w", b, err)
		}
		if opt.Check {
			if err := st.Check(); err != nil {
				return fmt.Errorf("block %d: %w", b, err)
			}
		}
		for j := range res.Outcomes {
			rec.Actions = append(rec.Actions, actionRecord(batch[j], &res.Outcomes[j]))
		}
		for j := range res.Epochs {
			rec.Epochs = append(rec.Epochs, epochRecord(&res.Epochs[j], !sc.Record.NoNeurons, sc.Record.Bonds))
		}
		if i%every == 0 || i == sc.Blocks {
			fill(&rec, st, b, res.Emission)
			if err := sink.Write(&rec); err != nil {
				return err
			}
			rec.Actions, rec.Epochs = rec.Actions[:0], rec.Epochs[:0]
		}
		if opt.Progress != nil && (i%step == 0 || i == sc.Blocks) {
			opt.Progress(i, sc.Blocks)
		}
	}
	return sink.Close()
}

// fill completes a record with the state after block b.
func fill(rec *Record, st *pools.State, b dtaod.Block, emission dtaod.TAO) {
	rec.Block = uint64(b)
	rec.BlockEmission = uint64(emission)
	rec.TotalIssuance = uint64(st.TotalIssuance)
	rec.RootTAO = uint64(st.RootTAO)
	rec.Subnets = rec.Subnets[:0]
	for _, s := range st.Subnets {
		rec.Subnets = append(rec.Subnets, subnetRecord(s))
	}
	if !rec.accounts {
		return
	}
	rec.Balances = rec.Balances[:0]
	for ck, v := range st.Free {
		if v > 0 {
			rec.Balances = append(rec.Balances, BalanceRecord{ck, uint64(v)})
		}
	}
	sort.Slice(rec.Balances, func(i, j int) bool { return rec.Balances[i].Coldkey < rec.Balances[j].Coldkey })
	rec.Stakes = rec.Stakes[:0]
	for _, e := range st.Stakes() {
		rec.Stakes = append(rec.Stakes, StakeRecord{e.Coldkey, e.Hotkey, uint16(e.NetUID), e.Amount})
	}
}

// GenesisError is a starting state the engine cannot build: a bad input, like a parse error, as
// opposed to a failure during the run.
type GenesisError struct{ Err error }

// Error implements error.
func (e *GenesisError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *GenesisError) Unwrap() error { return e.Err }
