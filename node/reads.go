package node

import (
	"context"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/store"
)

// BlockHeader returns stored block h's header, or store.ErrNotFound.
func (n *Node) BlockHeader(ctx context.Context, h dtaod.Block) (*store.BlockHeader, error) {
	return n.store.Header(ctx, h)
}

// PoolSnapshots returns every subnet's pool after block h, by netuid (store.ErrNotFound if
// there is no block h).
func (n *Node) PoolSnapshots(ctx context.Context, h dtaod.Block) ([]store.PoolSnapshot, error) {
	return n.store.Snapshots(ctx, h)
}

// AccountNonce is the nonce an account's next signed order must carry: 0 for a new account, and
// always 0 on a store that does not admit signed orders.
func (n *Node) AccountNonce(ctx context.Context, address string) (uint64, error) {
	if ss, ok := n.store.(store.SignedStore); ok {
		return ss.NextNonce(ctx, address)
	}
	return 0, nil
}

// OrderSignature returns the signer and nonce an order was admitted with; ok is false for an
// unsigned (admin) order and on a store that does not admit signed orders.
func (n *Node) OrderSignature(ctx context.Context, seq int64) (sub store.Submission, ok bool, err error) {
	if ss, ok := n.store.(store.SignedStore); ok {
		return ss.Signed(ctx, seq)
	}
	return store.Submission{}, false, nil
}
