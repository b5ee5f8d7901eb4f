package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
)

// Config tunes a node.
type Config struct {
	BlockTime time.Duration // default 12 s
	MaxOrders int           // most orders per block; default 10,000
	Poll      time.Duration // how often a follower looks for blocks and the producer lease; default min(BlockTime/4, 1 s)
	Logger    *slog.Logger
	Metrics   *Metrics // nil: no metrics
	// OnBlock, if set, is called after each block this node produces and commits, with the
	// block, the time to read the mempool and apply it (engine, check, snapshot), the commit time and how late it started: for benchmarks.
	OnBlock func(b *store.Block, apply, commit, slip time.Duration)
}

func (c *Config) defaults() {
	if c.BlockTime <= 0 {
		c.BlockTime = 12 * time.Second
	}
	if c.MaxOrders <= 0 {
		c.MaxOrders = 10_000
	}
	if c.Poll <= 0 {
		c.Poll = min(c.BlockTime/4, time.Second)
	}
	c.Poll = max(c.Poll, 10*time.Millisecond)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// View is the chain as of one block: readers (HTTP handlers) load it without locks and keep it
// as long as they like; the node publishes a new one per block.
type View struct {
	Header   store.BlockHeader // zero Height: genesis
	Snapshot *pools.Snapshot
	Params   dtaod.Params

	next chan struct{} // closed when the node publishes the view after this one
}

// Node runs the live chain on a store: as producer while it holds the store's producer lease,
// otherwise as a follower applying (and verifying) the blocks another process commits.
type Node struct {
	cfg   Config
	store store.Store
	gen   *Genesis
	log   *slog.Logger

	chain    *Chain // owned by Run
	lease    store.Lease
	view     atomic.Pointer[View]
	producer atomic.Bool
	nextDue  time.Time
	depthAt  time.Time // when the mempool depth metric was last read

	mu      sync.Mutex
	stopped error // why block production stopped, if it did

	quotes quoteCache  // the market with the mempool applied (quote.go)
	signed signedState // signed-order admission (admit.go)
}

// Open prepares a node: it stores the genesis if the store has none (or checks it is the same),
// then restores the chain from the store's state rows at its head.
func Open(ctx context.Context, st store.Store, gen *Genesis, cfg Config) (*Node, error) {
	cfg.defaults()
	genState, err := gen.State()
	if err != nil {
		return nil, err
	}
	if err := st.InitGenesis(ctx, gen.Store(), genState.Snapshot()); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	n := &Node{cfg: cfg, store: st, gen: gen, log: cfg.Logger}
	if err := n.restore(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// restore rebuilds the chain from the store: the state rows at the head, checked against the
// head's state hash.
func (n *Node) restore(ctx context.Context) error {
	want, hdr := n.gen.Hash, store.BlockHeader{}
	h, err := n.store.Head(ctx)
	switch {
	case err == nil:
		want, hdr = h.StateHash, *h
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("head: %w", err)
	}
	snap, err := n.store.State(ctx)
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if snap.Globals.Height != hdr.Height && hdr.Height != 0 {
		return fmt.Errorf("%w: stored state is at height %d, the head at %d", ErrInvariant, snap.Globals.Height, hdr.Height)
	}
	c, err := RestoreChain(n.gen, snap, want)
	if err != nil {
		return err
	}
	n.chain = c
	n.publish(hdr)
	return nil
}

func (n *Node) publish(h store.BlockHeader) {
	v := &View{Header: h, Snapshot: n.chain.Snapshot(), Params: n.chain.Params(), next: make(chan struct{})}
	if old := n.view.Swap(v); old != nil {
		close(old.next) // wakes WaitBlock
	}
	if m := n.cfg.Metrics; m != nil {
		m.Height.Set(float64(n.chain.Height()))
	}
}

// View returns the chain as of the last block this node applied.
func (n *Node) View() *View { return n.view.Load() }

// Producer reports whether this node holds the producer role.
func (n *Node) Producer() bool { return n.producer.Load() }

// Genesis is the chain's genesis.
func (n *Node) Genesis() *Genesis { return n.gen }

// Stopped is why block production stopped for good (an invariant violation), or nil.
func (n *Node) Stopped() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stopped
}

// Submit validates an order's shape and makes it durable in the mempool; it is applied in the
// next block. It returns the order's sequence number.
func (n *Node) Submit(ctx context.Context, o *pools.Order) (int64, error) {
	return n.store.SubmitOrder(ctx, scenario.FormatOrder(o))
}

// OrderStatus reports an order: pending, or included with its receipt.
func (n *Node) OrderStatus(ctx context.Context, seq int64) (*store.OrderStatus, error) {
	return n.store.OrderStatus(ctx, seq)
}

// Ready reports why the node should not take traffic: the store is unreachable, block
// production stopped, or the last block is older than three block times.
func (n *Node) Ready(ctx context.Context) error {
	if err := n.store.Ping(ctx); err != nil {
		return fmt.Errorf("store unreachable: %w", err)
	}
	if err := n.Stopped(); err != nil {
		return fmt.Errorf("block production stopped: %w", err)
	}
	v := n.View()
	if v.Header.Height == 0 {
		return nil // nothing produced yet: the first block is due within one block time
	}
	if age := time.Since(v.Header.ProducedAt); age > 3*n.cfg.BlockTime {
		return fmt.Errorf("last block %d is %s old (> 3 block times)", v.Header.Height, age.Round(time.Millisecond))
	}
	return nil
}

// Run produces or follows blocks until ctx is done. A block in flight when ctx ends is finished
// (committed or rolled back by the store), never left half-written. It returns nil on shutdown
// and an error only when the chain cannot go on (an invariant violated, or a stored block that
// replays to a different state).
func (n *Node) Run(ctx context.Context) error {
	defer n.dropLease()
	tick := time.NewTicker(n.cfg.Poll)
	defer tick.Stop()
	for {
		if err := n.step(ctx); err != nil {
			if errors.Is(err, ErrInvariant) {
				n.mu.Lock()
				n.stopped = err
				n.mu.Unlock()
				n.log.Error("block production stopped: the chain would break an invariant", "err", err)
				return err
			}
			if ctx.Err() == nil {
				n.log.Warn("block step failed; retrying", "err", err)
			}
		}
		wait := n.cfg.Poll
		if n.producer.Load() {
			wait = max(time.Until(n.nextDue), 0)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		case <-tick.C:
		}
	}
}

// step does one round: follow the head, try for the lease, and produce if a block is due.
func (n *Node) step(ctx context.Context) error {
	if m := n.cfg.Metrics; m != nil && time.Since(n.depthAt) >= n.cfg.BlockTime {
		// Once a block time, not every poll: counting a busy PostgreSQL mempool reads its dead
		// rows too until they are vacuumed (1.2M after a minute at 20k orders/s).
		n.depthAt = time.Now()
		if d, err := n.store.PendingCount(ctx); err == nil {
			m.Mempool.Set(float64(d))
		}
	}
	if n.lease != nil && n.lease.Lost() {
		n.log.Warn("producer lease lost; following")
		n.dropLease()
	}
	if err := n.follow(ctx); err != nil {
		return err
	}
	if n.lease == nil {
		l, ok, err := n.store.TryProducer(ctx)
		if err != nil {
			return fmt.Errorf("producer lease: %w", err)
		}
		if !ok {
			return nil
		}
		n.lease = l
		n.producer.Store(true)
		if m := n.cfg.Metrics; m != nil {
			m.Producer.Set(1)
		}
		if err := n.follow(ctx); err != nil { // the previous producer may have written more
			return err
		}
		n.nextDue = time.Now()
		if v := n.View(); v.Header.Height > 0 {
			n.nextDue = v.Header.ProducedAt.Add(n.cfg.BlockTime)
		}
		n.log.Info("producer role taken", "height", n.chain.Height())
	}
	if now := time.Now(); now.Before(n.nextDue) {
		return nil
	}
	return n.produce(ctx)
}

func (n *Node) dropLease() {
	if n.lease != nil {
		n.lease.Release()
		n.lease = nil
	}
	n.producer.Store(false)
	if m := n.cfg.Metrics; m != nil {
		m.Producer.Set(0)
	}
}

// produce applies and commits one block. The commit runs to its end even when ctx is cancelled
// (shutdown finishes the block in flight); on any failure the chain is restored from the store.
func (n *Node) produce(ctx context.Context) error {
	start := time.Now()
	slip := start.Sub(n.nextDue)
	orders, err := n.store.Pending(ctx, n.cfg.MaxOrders)
	if err != nil {
		return fmt.Errorf("mempool: %w", err)
	}
	b, err := n.chain.Apply(orders, start)
	if err != nil {
		return err // ErrInvariant: Run stops production
	}
	applied := time.Now()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), max(10*time.Second, n.cfg.BlockTime))
	err = n.store.CommitBlock(cctx, n.lease, b)
	cancel()
	if errors.Is(err, store.ErrOutOfRange) {
		// The engine produced an amount the store cannot hold: writing it later will not help.
		return fmt.Errorf("%w: block %d: %v", ErrInvariant, b.Header.Height, err)
	}
	if err != nil {
		reason := "store"
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotProducer) {
			reason = "conflict"
			n.dropLease() // another producer wrote first: follow it
		}
		if m := n.cfg.Metrics; m != nil {
			m.Failures.WithLabelValues(reason).Inc()
		}
		if rerr := n.restore(context.WithoutCancel(ctx)); rerr != nil {
			return fmt.Errorf("commit block %d: %v; restore: %w", b.Header.Height, err, rerr)
		}
		return fmt.Errorf("commit block %d: %w", b.Header.Height, err)
	}
	done := time.Now()
	n.publish(b.Header)
	// The next block is due one block time after this one was due; a producer that fell more
	// than a block behind restarts the schedule instead of bursting.
	n.nextDue = n.nextDue.Add(n.cfg.BlockTime)
	if n.nextDue.Before(done) {
		n.nextDue = done
	}
	rows := BlockRows(b)
	if n.cfg.OnBlock != nil {
		n.cfg.OnBlock(b, applied.Sub(start), done.Sub(applied), max(slip, 0))
	}
	if m := n.cfg.Metrics; m != nil {
		m.Apply.Observe(applied.Sub(start).Seconds())
		m.Commit.Observe(done.Sub(applied).Seconds())
		m.Orders.Observe(float64(len(b.Orders)))
		m.Rows.Observe(float64(rows))
		m.Slip.Observe(max(slip, 0).Seconds())
	}
	n.log.Info("block", "height", b.Header.Height, "orders", len(b.Orders), "rows", rows,
		"apply_ms", ms(applied.Sub(start)), "commit_ms", ms(done.Sub(applied)), "hash", fmt.Sprintf("%x", b.Header.StateHash[:8]))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BlockRows counts the rows a block writes: header, orders, ledger entries, pool snapshots and
// state row changes (upserts and deletes).
func BlockRows(b *store.Block) int {
	c := b.Changes
	rows := 1 + len(b.Orders) + len(b.Ledger) + len(b.Snapshots)
	if c != nil {
		rows += len(c.Subnets) + len(c.Balances) + len(c.DeleteBalances) + len(c.Pools) + len(c.DeletePools) +
			len(c.Shares) + len(c.DeleteShares) + len(c.Neurons) + len(c.DeleteNeurons)
		if c.Globals != nil || c.Params != nil {
			rows++ // one state_globals row holds both
		}
	}
	return rows
}

// follow applies the blocks the store has beyond this node's height, checking that each
// replays to its stored state hash.
func (n *Node) follow(ctx context.Context) error {
	head, err := n.store.Head(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("head: %w", err)
	}
	for h := n.chain.Height() + 1; h <= head.Height; h++ {
		hdr, err := n.store.Header(ctx, h)
		if err != nil {
			return fmt.Errorf("block %d: %w", h, err)
		}
		b, err := ApplyStored(ctx, n.store, n.chain, hdr)
		if err != nil {
			return err
		}
		n.publish(b.Header)
	}
	return nil
}

// ApplyStored applies stored block hdr.Height to c with the orders the store says it included
// and checks the result against the stored header: a follower's and a replay's step.
func ApplyStored(ctx context.Context, st store.Store, c *Chain, hdr *store.BlockHeader) (*store.Block, error) {
	inc, err := st.BlockOrders(ctx, hdr.Height)
	if err != nil {
		return nil, fmt.Errorf("block %d orders: %w", hdr.Height, err)
	}
	orders := make([]store.Order, len(inc))
	for i := range inc {
		orders[i] = inc[i].Order
	}
	b, err := c.Apply(orders, hdr.ProducedAt)
	if err != nil {
		return nil, err
	}
	b.Header.ApplyTime = hdr.ApplyTime
	if b.Header.StateHash != hdr.StateHash {
		return nil, &DivergenceError{Height: hdr.Height, Stored: hdr.StateHash, Replayed: b.Header.StateHash}
	}
	return b, nil
}

// DivergenceError is a stored block whose orders, applied by the engine, give a different state
// than the one stored: the history is not what this engine computes.
type DivergenceError struct {
	Height           dtaod.Block
	Stored, Replayed [32]byte
}

// Error implements error.
func (e *DivergenceError) Error() string {
	return fmt.Sprintf("block %d: stored state hash %x, replayed %x", e.Height, e.Stored[:8], e.Replayed[:8])
}

// Unwrap makes a divergence an invariant violation: a node must not build on it.
func (e *DivergenceError) Unwrap() error { return ErrInvariant }
