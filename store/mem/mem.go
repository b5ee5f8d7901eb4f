// Package mem is an in-memory store.Store for development and tests. It is durable only for the
// life of the process: everything is lost when the Store is dropped or the process exits.
//
// One mutex guards everything, so every method is atomic and safe for concurrent use. Values go
// in and come out as deep copies: a caller can never change what the store holds through a
// slice it passed in or got back. The state is kept as a *pools.Snapshot and each block's
// Changes are applied with pools.Snapshot.Apply, on a copy, so a block whose changes do not
// apply writes nothing.
package mem

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// ErrClosed is returned by every method of a Store after Close.
var ErrClosed = errors.New("mem: store closed")

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	mu      sync.Mutex
	closed  bool
	genesis *store.Genesis  // nil before InitGenesis
	state   *pools.Snapshot // nil before InitGenesis
	nextSeq int64
	orders  map[int64]*order
	pending []int64  // seqs of pending orders, ascending
	blocks  []*block // blocks[h-1] is block h
	lease   *lease   // the lease held, or nil
	now     func() time.Time
	signed  signedState // nonces, idempotency keys and who signed what (signed.go)
}

// order is a submitted order and, once a block includes it, where and with what receipt.
type order struct {
	store.Order
	included *store.IncludedOrder
}

// block is a committed block as stored.
type block struct {
	header    store.BlockHeader
	orders    []store.IncludedOrder // by Index
	ledger    []store.LedgerEntry   // by Seq
	snapshots []store.PoolSnapshot  // by NetUID
}

// lease is the producer role of one Store; it is held while it is the Store's lease.
type lease struct {
	s *Store
}

var _ store.Store = (*Store)(nil)

// New returns an empty store: no genesis, no orders, no blocks.
func New() *Store {
	return &Store{nextSeq: 1, orders: map[int64]*order{}, now: time.Now}
}

func (s *Store) lock() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// InitGenesis stores g and st if the store is empty; the same genesis again is a no-op and a
// different one (document bytes, state hash or chain id) is ErrGenesisMismatch. A state with an
// amount or height a store cannot hold (store.CheckSnapshotRange) is refused first, with
// store.ErrOutOfRange, as the PostgreSQL store refuses it.
func (s *Store) InitGenesis(_ context.Context, g *store.Genesis, st *pools.Snapshot) error {
	if g == nil || st == nil {
		return errors.New("mem: InitGenesis needs a genesis and its state")
	}
	if err := store.CheckSnapshotRange(st); err != nil {
		return fmt.Errorf("mem: genesis state: %w", err)
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.genesis != nil {
		if !sameGenesis(s.genesis, g) {
			return store.ErrGenesisMismatch
		}
		return nil
	}
	s.genesis = cloneGenesis(g)
	s.state = st.Clone()
	return nil
}

func sameGenesis(a, b *store.Genesis) bool {
	return bytes.Equal(a.Document, b.Document) && a.StateHash == b.StateHash && a.ChainID == b.ChainID
}

// Genesis returns the stored genesis, or store.ErrNotFound.
func (s *Store) Genesis(context.Context) (*store.Genesis, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if s.genesis == nil {
		return nil, store.ErrNotFound
	}
	return cloneGenesis(s.genesis), nil
}

// SubmitOrder adds an order to the mempool and returns its seq: 1, 2, 3...
func (s *Store) SubmitOrder(_ context.Context, payload []byte) (int64, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	seq := s.nextSeq
	s.nextSeq++
	s.orders[seq] = &order{Order: store.Order{Seq: seq, Payload: bytes.Clone(payload), SubmittedAt: s.now().UTC()}}
	s.pending = append(s.pending, seq)
	return seq, nil
}

// Pending returns up to limit pending orders, lowest seq first; none if limit <= 0.
func (s *Store) Pending(_ context.Context, limit int) ([]store.Order, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	n := min(max(limit, 0), len(s.pending))
	if n == 0 {
		return nil, nil
	}
	out := make([]store.Order, n)
	for i, seq := range s.pending[:n] {
		out[i] = cloneOrder(s.orders[seq].Order)
	}
	return out, nil
}

// PendingCount is the number of pending orders.
func (s *Store) PendingCount(context.Context) (int, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	return len(s.pending), nil
}

// LastPendingSeq is the highest pending Seq, 0 when the mempool is empty.
func (s *Store) LastPendingSeq(context.Context) (int64, error) {
	if err := s.lock(); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return 0, nil
	}
	return s.pending[len(s.pending)-1], nil
}

// OrderStatus reports order seq, or store.ErrNotFound.
func (s *Store) OrderStatus(_ context.Context, seq int64) (*store.OrderStatus, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	o, ok := s.orders[seq]
	if !ok {
		return nil, store.ErrNotFound
	}
	st := &store.OrderStatus{Order: cloneOrder(o.Order), Pending: o.included == nil}
	if o.included != nil {
		in := cloneIncluded(*o.included)
		st.Included = &in
	}
	return st, nil
}

// CommitBlock validates b and then writes it, or writes nothing: the lease must be this store's
// held lease (else store.ErrNotProducer); a genesis must be stored, b must be at the head's
// height + 1 with the head's StateHash as parent, and every order it includes must be pending,
// once (else store.ErrConflict); its amounts and heights must be at most 2^63-1, what the
// PostgreSQL store holds (store.CheckRange, else store.ErrOutOfRange); its Changes must apply
// to the state (else an error wrapping pools.ErrBadSnapshot). Nil Changes change nothing. Included orders keep the Seq, Payload and
// SubmittedAt they were submitted with and get Block = b.Header.Height; the block's other values
// are stored as given, its ledger sorted by Seq and snapshots by NetUID.
func (s *Store) CommitBlock(_ context.Context, l store.Lease, b *store.Block) error {
	if b == nil {
		return errors.New("mem: CommitBlock of a nil block")
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if ml, ok := l.(*lease); !ok || ml == nil || ml.s != s || s.lease != ml {
		return store.ErrNotProducer
	}
	if s.genesis == nil {
		return fmt.Errorf("%w: no genesis", store.ErrConflict)
	}
	head, parent := dtaod.Block(0), s.genesis.StateHash
	if n := len(s.blocks); n > 0 {
		head, parent = s.blocks[n-1].header.Height, s.blocks[n-1].header.StateHash
	}
	if b.Header.Height != head+1 {
		return fmt.Errorf("%w: block %d after head %d", store.ErrConflict, b.Header.Height, head)
	}
	if b.Header.ParentHash != parent {
		return fmt.Errorf("%w: block %d: parent %x, head state %x", store.ErrConflict, b.Header.Height, b.Header.ParentHash, parent)
	}
	seen := make(map[int64]bool, len(b.Orders))
	for _, io := range b.Orders {
		o, ok := s.orders[io.Seq]
		if !ok || o.included != nil || seen[io.Seq] {
			return fmt.Errorf("%w: block %d: order %d is not pending", store.ErrConflict, b.Header.Height, io.Seq)
		}
		seen[io.Seq] = true
	}
	if err := store.CheckRange(b); err != nil {
		return fmt.Errorf("mem: block %d: %w", b.Header.Height, err)
	}
	next := s.state
	if b.Changes != nil {
		next = s.state.Clone()
		if err := next.Apply(b.Changes); err != nil {
			return fmt.Errorf("mem: block %d: %w", b.Header.Height, err)
		}
	}

	// Valid: write.
	blk := &block{
		header:    b.Header,
		orders:    make([]store.IncludedOrder, len(b.Orders)),
		ledger:    slices.Clone(b.Ledger),
		snapshots: slices.Clone(b.Snapshots),
	}
	for i, io := range b.Orders {
		o := s.orders[io.Seq]
		in := store.IncludedOrder{Order: o.Order, Block: b.Header.Height, Index: io.Index, Receipt: io.Receipt}
		o.included = &in
		blk.orders[i] = in
	}
	slices.SortStableFunc(blk.orders, func(a, b store.IncludedOrder) int { return cmp.Compare(a.Index, b.Index) })
	slices.SortStableFunc(blk.ledger, func(a, b store.LedgerEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortStableFunc(blk.snapshots, func(a, b store.PoolSnapshot) int { return cmp.Compare(a.NetUID, b.NetUID) })
	if len(seen) > 0 {
		s.pending = slices.DeleteFunc(s.pending, func(seq int64) bool { return seen[seq] })
	}
	s.blocks = append(s.blocks, blk)
	s.state = next
	return nil
}

// Head returns the latest block's header, or store.ErrNotFound before block 1.
func (s *Store) Head(context.Context) (*store.BlockHeader, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if len(s.blocks) == 0 {
		return nil, store.ErrNotFound
	}
	h := s.blocks[len(s.blocks)-1].header
	return &h, nil
}

// blockAt returns block h; the caller holds the lock.
func (s *Store) blockAt(h dtaod.Block) (*block, error) {
	if h == 0 || h > dtaod.Block(len(s.blocks)) {
		return nil, store.ErrNotFound
	}
	return s.blocks[h-1], nil
}

// Header returns block h's header, or store.ErrNotFound.
func (s *Store) Header(_ context.Context, h dtaod.Block) (*store.BlockHeader, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.blockAt(h)
	if err != nil {
		return nil, err
	}
	hdr := b.header
	return &hdr, nil
}

// BlockOrders returns the orders block h included, by Index; store.ErrNotFound if there is no
// block h.
func (s *Store) BlockOrders(_ context.Context, h dtaod.Block) ([]store.IncludedOrder, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.blockAt(h)
	if err != nil || len(b.orders) == 0 {
		return nil, err
	}
	out := make([]store.IncludedOrder, len(b.orders))
	for i, o := range b.orders {
		out[i] = cloneIncluded(o)
	}
	return out, nil
}

// Ledger returns block h's ledger entries by Seq; store.ErrNotFound if there is no block h.
func (s *Store) Ledger(_ context.Context, h dtaod.Block) ([]store.LedgerEntry, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.blockAt(h)
	if err != nil {
		return nil, err
	}
	return nilIfEmpty(slices.Clone(b.ledger)), nil
}

// Snapshots returns block h's pool snapshots by netuid; store.ErrNotFound if there is no
// block h.
func (s *Store) Snapshots(_ context.Context, h dtaod.Block) ([]store.PoolSnapshot, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	b, err := s.blockAt(h)
	if err != nil {
		return nil, err
	}
	return nilIfEmpty(slices.Clone(b.snapshots)), nil
}

// State returns a copy of the current state, or store.ErrNotFound before InitGenesis.
func (s *Store) State(context.Context) (*pools.Snapshot, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if s.state == nil {
		return nil, store.ErrNotFound
	}
	return s.state.Clone(), nil
}

// TryProducer takes the producer role if no lease of this store is held. There is no other
// process to compete with: the role is exclusive per Store.
func (s *Store) TryProducer(context.Context) (store.Lease, bool, error) {
	if err := s.lock(); err != nil {
		return nil, false, err
	}
	defer s.mu.Unlock()
	if s.lease != nil {
		return nil, false, nil
	}
	s.lease = &lease{s: s}
	return s.lease, true, nil
}

// Ping reports ErrClosed after Close, else nil.
func (s *Store) Ping(context.Context) error {
	if err := s.lock(); err != nil {
		return err
	}
	s.mu.Unlock()
	return nil
}

// Close drops the lease; every method then fails with ErrClosed. Closing twice is harmless.
// The data stays reachable only through the Store value, which is no longer usable.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.lease = nil
}

// Lost reports whether the lease is no longer held: after Release, or after the store closed.
func (l *lease) Lost() bool {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.lease != l
}

// Release gives the producer role up; releasing a lost lease does nothing.
func (l *lease) Release() {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if l.s.lease == l {
		l.s.lease = nil
	}
}

func cloneGenesis(g *store.Genesis) *store.Genesis {
	c := *g
	c.Document = bytes.Clone(g.Document)
	return &c
}

func cloneOrder(o store.Order) store.Order {
	o.Payload = bytes.Clone(o.Payload)
	return o
}

func cloneIncluded(o store.IncludedOrder) store.IncludedOrder {
	o.Order = cloneOrder(o.Order)
	return o
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
