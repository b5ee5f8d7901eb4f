package node

import (
	"context"
	"fmt"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
)

// Export writes the store's current state as a scenario file with the genesis parameters, so a
// live chain's state can be backtested (see scenario.Export for what the contract folds).
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
	return scenario.Export(s, gen.Scenario.Params, sg.ChainID+"-at-"+fmt.Sprint(snap.Globals.Height)), nil
}
