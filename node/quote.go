package node

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// QuoteView is the market as the next order would meet it: the state after the last block this
// node applied with the pending orders (the mempool, up to one block's worth, in arrival order)
// applied on a copy. It holds only what a quote reads (every subnet's pool and the parameters)
// and is immutable, so handlers share it without locks.
type QuoteView struct {
	Height  dtaod.Block // the last block applied; the pending orders come after it
	Params  dtaod.Params
	Pending int // pending orders applied (failed ones included: they change nothing)

	netuids []dtaod.NetUID // sorted
	pools   []amm.Pool     // pools[i] is netuids[i]'s
}

// Pool returns a subnet's pool; ok is false for root (no pool) and for an unknown subnet.
func (q *QuoteView) Pool(n dtaod.NetUID) (amm.Pool, bool) {
	i := sort.Search(len(q.netuids), func(i int) bool { return q.netuids[i] >= n })
	if i < len(q.netuids) && q.netuids[i] == n {
		return q.pools[i], true
	}
	return amm.Pool{}, false
}

// Exists reports whether n is root or a subnet.
func (q *QuoteView) Exists(n dtaod.NetUID) bool {
	if n == dtaod.Root {
		return true
	}
	_, ok := q.Pool(n)
	return ok
}

// quoteCache is one node's QuoteView and the private state it was computed on. The state is
// only touched under mu; the published QuoteView never changes.
type quoteCache struct {
	mu      sync.Mutex
	view    *View        // the block the state starts from
	st      *pools.State // view's state with the orders up to lastSeq applied
	params  dtaod.Params // view's params with the sudo changes up to lastSeq applied
	last    int64        // the mempool's highest seq when last built
	lastSeq int64        // last pending order applied
	applied int
	out     *QuoteView
}

// QuoteView returns the market with the mempool applied, for quotes. It is computed once per
// block and mempool change: a call costs one look at the mempool's last seq while neither
// moved; when only new orders arrived they are applied to the cached state, and a new block
// starts over from its state.
func (n *Node) QuoteView(ctx context.Context) (*QuoteView, error) {
	v := n.View()
	last, err := n.store.LastPendingSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("mempool: %w", err)
	}
	c := &n.quotes
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.out != nil && c.view == v && c.last == last {
		return c.out, nil
	}
	if c.view != v || last < c.last || c.st == nil {
		// A new block (or a mempool emptied under the same block: another process's block not
		// yet followed): start again from the block's state.
		st, err := pools.FromSnapshot(v.Snapshot.Clone())
		if err != nil {
			return nil, fmt.Errorf("state at block %d: %w", v.Header.Height, err)
		}
		st.Height = v.Header.Height + 1 // the block the pending orders will be applied in
		c.view, c.st, c.params, c.lastSeq, c.applied = v, st, v.Params, 0, 0
	}
	if last > c.lastSeq {
		orders, err := n.store.Pending(ctx, n.cfg.MaxOrders)
		if err != nil {
			c.view, c.st, c.out = nil, nil, nil // the state may be half-updated: rebuild next time
			return nil, fmt.Errorf("mempool: %w", err)
		}
		for i := range orders {
			o := &orders[i]
			if o.Seq <= c.lastSeq {
				continue
			}
			c.lastSeq = o.Seq
			c.applied++
			ord, err := scenario.ParseOrder(o.Payload)
			if err != nil {
				// A pending sudo change applies from its position on, as the block will apply it
				// (Chain.Apply); anything else unreadable gets a failed receipt and changes nothing.
				if scenario.IsParamsChange(o.Payload) {
					if q, err := scenario.ParseParamsChange(o.Payload); err == nil {
						c.params = q.Apply(c.params)
					}
				}
				continue
			}
			_, _ = c.st.Apply(&c.params, &ord) // a failing order changes nothing
		}
	}
	q := &QuoteView{Height: v.Header.Height, Params: c.params, Pending: c.applied,
		netuids: make([]dtaod.NetUID, len(c.st.Subnets)), pools: make([]amm.Pool, len(c.st.Subnets))}
	for i, s := range c.st.Subnets {
		q.netuids[i], q.pools[i] = s.NetUID, s.Pool()
	}
	c.last, c.out = last, q
	return q, nil
}
