package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/store"
)

// ReplayResult is what a replay checked.
type ReplayResult struct {
	Blocks dtaod.Block // blocks replayed and matched
	Orders int         // orders re-applied
	Hash   [32]byte    // the state hash at the head
}

// Replay rebuilds the chain from the store's genesis and every block's stored orders with the
// engine alone, comparing each block's state hash with the stored one, and finally the stored
// state rows with the rebuilt state. The first difference is a *DivergenceError naming the
// block (Height 0 after the last block: the state rows differ). progress, if set, is called
// after each block.
func Replay(ctx context.Context, st store.Store, progress func(h, head dtaod.Block)) (*ReplayResult, error) {
	sg, err := st.Genesis(ctx)
	if err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	gen, err := ParseGenesis(sg.Document, sg.ChainID)
	if err != nil {
		return nil, err
	}
	if gen.Hash != sg.StateHash {
		return nil, fmt.Errorf("%w: the stored genesis document builds a state hashing to %x, stored %x", ErrInvariant, gen.Hash[:8], sg.StateHash[:8])
	}
	c, err := NewChain(gen)
	if err != nil {
		return nil, err
	}
	res := &ReplayResult{Hash: c.Hash()}
	head, err := st.Head(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("head: %w", err)
	}
	var top dtaod.Block
	if head != nil {
		top = head.Height
	}
	for h := c.Height() + 1; h <= top; h++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		hdr, err := st.Header(ctx, h)
		if err != nil {
			return res, fmt.Errorf("block %d: %w", h, err)
		}
		if hdr.ParentHash != c.Hash() {
			return res, &DivergenceError{Height: h, Stored: hdr.ParentHash, Replayed: c.Hash()}
		}
		b, err := ApplyStored(ctx, st, c, hdr)
		if err != nil {
			return res, err
		}
		res.Blocks++
		res.Orders += len(b.Orders)
		res.Hash = c.Hash()
		if progress != nil {
			progress(h, top)
		}
	}
	rows, err := st.State(ctx)
	if err != nil {
		return res, fmt.Errorf("state rows: %w", err)
	}
	if got := rows.Hash(); !bytes.Equal(got[:], res.Hash[:]) {
		return res, &DivergenceError{Height: 0, Stored: got, Replayed: res.Hash}
	}
	return res, nil
}
