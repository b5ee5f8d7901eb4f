package node

import (
	"context"
	"fmt"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
)

// Export writes the store's current state as a scenario file with the parameters in effect (the
// genesis parameters, or those a set_params changed them to, as the state rows record), so a
// live chain's state can be backtested from where it is (see scenario.Export for what the
// contract folds).
func Export(ctx context.Context, st store.Store) ([]byte, error) {
	sg, err := st.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	gen, err := ParseGenesis(sg.Document, sg.ChainID)
	if err != nil {
		return nil, err
	}
	snap, err := st.State(ctx)
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	s, err := pools.FromSnapshot(snap)
	if err != nil {
		return nil, err
	}
	params := gen.Scenario.Params
	if snap.Params != nil {
		params = *snap.Params
	}
	return scenario.Export(s, params, sg.ChainID+"-at-"+fmt.Sprint(snap.Globals.Height)), nil
}
