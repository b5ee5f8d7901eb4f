// Package store defines what the live service keeps and how: genesis, the mempool, blocks with
// their orders and receipts, the double-entry ledger, per-subnet pool snapshots and the current
// state rows. Two implementations exist, in memory (store/mem, for dev and tests) and PostgreSQL
// (postgres); store/storetest holds the conformance suite both must pass.
//
// A block is committed in one call, all or nothing: its header, the orders it included with
// their receipts, the ledger entries, the pool snapshots and the state row changes.
package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// Errors a store reports; callers test them with errors.Is.
var (
	// ErrNotFound: no such block, order or genesis.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the block does not extend the stored head (another producer wrote first, or
	// the caller is behind). Nothing was written.
	ErrConflict = errors.New("block does not extend the head")
	// ErrGenesisMismatch: the store already holds a different genesis.
	ErrGenesisMismatch = errors.New("the store holds a different genesis")
	// ErrNotProducer: the producer role was lost; the block was not written.
	ErrNotProducer = errors.New("not the producer")
	// ErrOutOfRange: a value the store cannot hold; nothing was written. Amounts (TAO and
	// alpha) and block heights are kept up to 2^63-1 (see CheckRange).
	ErrOutOfRange = errors.New("value out of range")
)

// Genesis is the starting point of the chain: the scenario contract's params + state document
// (JSON) and the hash of the state built from it. Every process and every replay starts here.
type Genesis struct {
	Document  []byte   // the genesis file, as JSON
	StateHash [32]byte // pools.Snapshot.Hash of the built state at height 0
	ChainID   string
}

// BlockHeader is what a block did in summary.
type BlockHeader struct {
	Height        dtaod.Block
	StateHash     [32]byte // of the state after the block
	ParentHash    [32]byte // StateHash of the block before (genesis for block 1)
	Emission      dtaod.TAO
	TotalIssuance dtaod.TAO
	Orders        int
	ProducedAt    time.Time
	ApplyTime     time.Duration // engine time, for metrics
}

// Order is an order as submitted: its arrival sequence (assigned by the store) and payload, an
// opaque JSON encoding the engine's driver understands.
type Order struct {
	Seq         int64
	Payload     []byte
	SubmittedAt time.Time
}

// Receipt is what an included order did.
type Receipt struct {
	OK          bool
	Code        string // error code when !OK
	Message     string // error message when !OK
	TAO         dtaod.TAO
	Alpha       dtaod.Alpha
	Fee         dtaod.TAO
	UID         uint16
	NetUID      dtaod.NetUID
	PriceBefore dtaod.Price // spot price of the order's (first) subnet before it applied; 0 if none
	PriceAfter  dtaod.Price // and after (the last subnet it touched)
}

// IncludedOrder is an order applied in a block, at position Index, with its receipt.
type IncludedOrder struct {
	Order
	Block   dtaod.Block
	Index   int
	Receipt Receipt
}

// OrderStatus is an order's fate so far: pending, or included with a receipt.
type OrderStatus struct {
	Order
	Pending  bool
	Included *IncludedOrder // nil while pending
}

// LedgerEntry is a ledger entry of a block. Input is the index of the block's order that caused
// it, or -1 for the coinbase and epochs; Seq numbers the entries of a block from 0.
type LedgerEntry struct {
	Block dtaod.Block
	Seq   int
	pools.Entry
}

// PoolSnapshot is one subnet's pool after a block: the history dashboards read.
type PoolSnapshot struct {
	Block            dtaod.Block
	NetUID           dtaod.NetUID
	TAOIn            dtaod.TAO
	AlphaIn          dtaod.Alpha
	AlphaOut         dtaod.Alpha
	Price            dtaod.Price // spot: tao_in / alpha_in
	MovingPrice      dtaod.Fixed
	TAOInEmission    dtaod.TAO
	AlphaInEmission  dtaod.Alpha
	AlphaOutEmission dtaod.Alpha
	VolumeHi         uint64 // 128-bit running volume
	VolumeLo         uint64
}

// Block is everything one block writes.
type Block struct {
	Header    BlockHeader
	Orders    []IncludedOrder // in Index order; each Seq leaves the mempool
	Ledger    []LedgerEntry
	Snapshots []PoolSnapshot
	Changes   *pools.Changes
}

// Store is the service's persistence. Methods are safe for concurrent use.
type Store interface {
	// InitGenesis stores g and the state rows of its state at height 0 if the store is empty;
	// if it holds the same genesis it does nothing; if a different one, ErrGenesisMismatch.
	InitGenesis(ctx context.Context, g *Genesis, st *pools.Snapshot) error
	// Genesis returns the stored genesis, or ErrNotFound.
	Genesis(ctx context.Context) (*Genesis, error)

	// SubmitOrder makes an order durable and returns its arrival sequence (increasing).
	SubmitOrder(ctx context.Context, payload []byte) (int64, error)
	// Pending returns up to limit pending orders, lowest Seq first.
	Pending(ctx context.Context, limit int) ([]Order, error)
	// PendingCount is the mempool depth. It may cost a scan of the mempool (PostgreSQL counts
	// rows, dead ones too until they are vacuumed): call it once per block, not per request.
	PendingCount(ctx context.Context) (int, error)
	// LastPendingSeq is the highest Seq in the mempool, 0 when it is empty: the cheap way (one
	// index lookup) to tell whether orders arrived since the last look.
	LastPendingSeq(ctx context.Context) (int64, error)
	// OrderStatus reports an order by Seq, or ErrNotFound.
	OrderStatus(ctx context.Context, seq int64) (*OrderStatus, error)

	// CommitBlock writes the block atomically. It fails with ErrConflict, writing nothing, unless
	// b.Header.Height is the head's height + 1 and ParentHash the head's StateHash (the genesis
	// StateHash for block 1), and with ErrNotProducer if the caller's producer lease is lost.
	// An order in b.Orders that is not pending also fails the block (ErrConflict).
	CommitBlock(ctx context.Context, lease Lease, b *Block) error
	// Head returns the latest block's header; ErrNotFound before block 1.
	Head(ctx context.Context) (*BlockHeader, error)
	// Header returns block h's header, or ErrNotFound.
	Header(ctx context.Context, h dtaod.Block) (*BlockHeader, error)
	// BlockOrders returns the orders block h included, in Index order.
	BlockOrders(ctx context.Context, h dtaod.Block) ([]IncludedOrder, error)
	// Ledger returns block h's ledger entries in Seq order.
	Ledger(ctx context.Context, h dtaod.Block) ([]LedgerEntry, error)
	// Snapshots returns the pool snapshots of block h, by netuid.
	Snapshots(ctx context.Context, h dtaod.Block) ([]PoolSnapshot, error)
	// State returns the current state rows (after the head, or genesis) and their height.
	State(ctx context.Context) (*pools.Snapshot, error)

	// TryProducer tries to take the producer role without waiting. ok is false if another
	// process holds it. The lease lasts until Release or until this process dies.
	TryProducer(ctx context.Context) (lease Lease, ok bool, err error)

	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's resources (and any lease).
	Close()
}

// Lease is the producer role. Lost reports (without blocking) whether it has been lost, e.g.
// because the connection holding it broke; a lost lease never comes back.
type Lease interface {
	Lost() bool
	Release()
}

// The range a store holds amounts and heights in. TAO can never reach 2^63 rao (the supply is
// 21e6 TAO = 2.1e16 rao) and neither can any subnet's alpha, whose issuance is capped the same
// way; block heights are BIGINT everywhere. So every TAO or alpha amount and every block height
// of a block or a state is held as a signed 64-bit integer, 0..2^63-1. What can exceed that keeps
// its full range: uint256 shares, denominators and the TAO offset, the 128-bit volumes
// (VolumeHi, VolumeLo) and the fixed-point values (prices, MovingPrice).
//
// CheckRange and CheckSnapshotRange are that rule, for every store: CommitBlock and InitGenesis
// run them and fail with ErrOutOfRange, writing nothing, rather than wrap a value around.

// maxHeld is the largest amount or height a store holds.
const maxHeld = math.MaxInt64

// field is a named value for the range checks.
type field struct {
	name string
	v    uint64
}

// over returns the first of fs above maxHeld.
func over(fs ...field) (field, bool) {
	for _, f := range fs {
		if f.v > maxHeld {
			return f, true
		}
	}
	return field{}, false
}

func outOfRange(where string, f field) error {
	return fmt.Errorf("store: %s%s = %d exceeds 2^63-1: %w", where, f.name, f.v, ErrOutOfRange)
}

// CheckRange reports the first value of b that a store cannot hold: a TAO or alpha amount (the
// header's Emission and TotalIssuance, receipts' TAO, Alpha and Fee, ledger amounts, pool
// snapshots' reserves and emissions, the state rows of b.Changes) or a block height in the state
// rows, above 2^63-1. The error names the field (e.g. "Changes.Balances[coldkey \"bob\"].Free")
// and wraps ErrOutOfRange. b.Header.Height is not checked: a block that high cannot extend the
// head, which CommitBlock reports as ErrConflict.
func CheckRange(b *Block) error {
	if f, bad := over(field{"Emission", uint64(b.Header.Emission)},
		field{"TotalIssuance", uint64(b.Header.TotalIssuance)}); bad {
		return outOfRange("Header.", f)
	}
	for i := range b.Orders {
		r := &b.Orders[i].Receipt
		if f, bad := over(field{"TAO", uint64(r.TAO)}, field{"Alpha", uint64(r.Alpha)}, field{"Fee", uint64(r.Fee)}); bad {
			return outOfRange(fmt.Sprintf("Orders[index %d].Receipt.", b.Orders[i].Index), f)
		}
	}
	for i := range b.Ledger {
		if e := &b.Ledger[i]; e.Amount > maxHeld {
			return outOfRange(fmt.Sprintf("Ledger[seq %d].", e.Seq), field{"Amount", e.Amount})
		}
	}
	for i := range b.Snapshots {
		p := &b.Snapshots[i]
		if f, bad := over(field{"TAOIn", uint64(p.TAOIn)}, field{"AlphaIn", uint64(p.AlphaIn)},
			field{"AlphaOut", uint64(p.AlphaOut)}, field{"TAOInEmission", uint64(p.TAOInEmission)},
			field{"AlphaInEmission", uint64(p.AlphaInEmission)},
			field{"AlphaOutEmission", uint64(p.AlphaOutEmission)}); bad {
			return outOfRange(fmt.Sprintf("Snapshots[netuid %d].", p.NetUID), f)
		}
	}
	if ch := b.Changes; ch != nil {
		if ch.Globals != nil {
			if err := checkGlobals("Changes.", ch.Globals); err != nil {
				return err
			}
		}
		return checkRows("Changes.", ch.Subnets, ch.Balances, ch.Pools, ch.Neurons)
	}
	return nil
}

// CheckSnapshotRange is CheckRange for a state (the genesis state InitGenesis stores): every
// amount and block height of its rows must be at most 2^63-1, else the error names the first
// that is not and wraps ErrOutOfRange.
func CheckSnapshotRange(s *pools.Snapshot) error {
	if err := checkGlobals("", &s.Globals); err != nil {
		return err
	}
	return checkRows("", s.Subnets, s.Balances, s.Pools, s.Neurons)
}

func checkGlobals(where string, g *pools.Globals) error {
	if f, bad := over(field{"Height", uint64(g.Height)}, field{"TotalIssuance", uint64(g.TotalIssuance)},
		field{"RootTAO", uint64(g.RootTAO)}, field{"BurnShortfall", uint64(g.BurnShortfall)},
		field{"UnnamedRoot", uint64(g.UnnamedRoot)}, field{"NetworkLastLock", uint64(g.NetworkLastLock)},
		field{"NetworkLastLockBlock", uint64(g.NetworkLastLockBlock)}); bad {
		return outOfRange(where+"Globals.", f)
	}
	return nil
}

// checkRows checks the state rows that hold amounts or heights (share rows hold neither).
func checkRows(where string, subnets []pools.SubnetRow, balances []pools.BalanceRow, ps []pools.PoolRow, neurons []pools.NeuronRow) error {
	for i := range subnets {
		r := &subnets[i]
		if f, bad := over(field{"TAOIn", uint64(r.TAOIn)}, field{"AlphaIn", uint64(r.AlphaIn)},
			field{"AlphaOut", uint64(r.AlphaOut)}, field{"RegisteredAt", uint64(r.RegisteredAt)},
			field{"PendingAlpha", uint64(r.PendingAlpha)}, field{"PendingOwnerCut", uint64(r.PendingOwnerCut)},
			field{"PendingRootAlpha", uint64(r.PendingRootAlpha)}, field{"PendingRootTAO", uint64(r.PendingRootTAO)},
			field{"LastTAOInEmission", uint64(r.LastTAOInEmission)},
			field{"LastAlphaInEmission", uint64(r.LastAlphaInEmission)},
			field{"LastAlphaOutEmission", uint64(r.LastAlphaOutEmission)}, field{"LastOwnerCut", uint64(r.LastOwnerCut)},
			field{"LastRootDivsTAO", uint64(r.LastRootDivsTAO)}, field{"UnnamedStake", uint64(r.UnnamedStake)}); bad {
			return outOfRange(fmt.Sprintf("%sSubnets[netuid %d].", where, r.NetUID), f)
		}
	}
	for i := range balances {
		if r := &balances[i]; r.Free > maxHeld {
			return outOfRange(fmt.Sprintf("%sBalances[coldkey %q].", where, r.Coldkey), field{"Free", uint64(r.Free)})
		}
	}
	for i := range ps {
		if r := &ps[i]; r.Value > maxHeld {
			return outOfRange(fmt.Sprintf("%sPools[netuid %d, hotkey %q].", where, r.NetUID, r.Hotkey), field{"Value", r.Value})
		}
	}
	for i := range neurons {
		r := &neurons[i]
		if f, bad := over(field{"RegisteredAt", uint64(r.RegisteredAt)}, field{"LastUpdate", uint64(r.LastUpdate)},
			field{"Emission", uint64(r.Emission)}); bad {
			return outOfRange(fmt.Sprintf("%sNeurons[netuid %d, uid %d].", where, r.NetUID, r.UID), f)
		}
	}
	return nil
}
