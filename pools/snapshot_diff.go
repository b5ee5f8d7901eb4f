package pools

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dtaod/dtaod"
)

// Diff returns what turns prev into next, so a store writes only the rows a block changed:
// rows of next that are new or differ go to the upsert slices, keys of prev missing from next to
// the Delete slices, Globals and Params only when changed. Every slice of the result is in key order, and
// the rows are copies (they share no memory with next). Both snapshots must be sorted as
// Snapshot returns them; Diff merges them in one pass, O(len(prev) + len(next)), and does not
// check the order. Subnets are never deleted (no operation removes one), so a subnet missing
// from next is not reported. Weights and bonds compare by entries: nil and empty are equal.
func Diff(prev, next *Snapshot) *Changes {
	c := &Changes{}
	if prev.Globals != next.Globals {
		g := next.Globals
		c.Globals = &g
	}
	c.Subnets, _ = diffRows(prev.Subnets, next.Subnets, subnetKey, cmpNetUID, eqRow[SubnetRow], copyRow[SubnetRow])
	c.Balances, c.DeleteBalances = diffRows(prev.Balances, next.Balances, balanceKey, strings.Compare, eqRow[BalanceRow], copyRow[BalanceRow])
	c.Pools, c.DeletePools = diffRows(prev.Pools, next.Pools, poolKey, cmpPoolKey, eqRow[PoolRow], copyRow[PoolRow])
	c.Shares, c.DeleteShares = diffRows(prev.Shares, next.Shares, shareKey, cmpShareKey, eqRow[ShareRow], copyRow[ShareRow])
	c.Neurons, c.DeleteNeurons = diffRows(prev.Neurons, next.Neurons, neuronKey, cmpNeuronKey, eqNeuronRow, copyNeuronRow)
	if !paramsEqual(prev.Params, next.Params) {
		c.Params = &ParamsChange{To: copyParams(next.Params)}
	}
	return c
}

// paramsEqual compares two Snapshot.Params values: both nil (the genesis params), or equal.
func paramsEqual(a, b *dtaod.Params) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// copyParams copies a Snapshot.Params value, so snapshots and changes never share one.
func copyParams(p *dtaod.Params) *dtaod.Params {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// Empty reports whether c changes nothing: a block without effect (no orders, no emission)
// need not touch the state tables.
func (c *Changes) Empty() bool {
	return c.Globals == nil && len(c.Subnets) == 0 && len(c.Balances) == 0 && len(c.DeleteBalances) == 0 &&
		len(c.Pools) == 0 && len(c.DeletePools) == 0 && len(c.Shares) == 0 && len(c.DeleteShares) == 0 &&
		len(c.Neurons) == 0 && len(c.DeleteNeurons) == 0 && c.Params == nil
}

func cmpNetUID(a, b dtaod.NetUID) int { return cmp.Compare(a, b) }

// rowType is the comparable row types, whose equality is ==.
type rowType interface {
	SubnetRow | BalanceRow | PoolRow | ShareRow
}

func eqRow[R rowType](a, b *R) bool { return *a == *b }

func copyRow[R any](r *R) R { return *r }

func eqNeuronRow(a, b *NeuronRow) bool {
	return a.NetUID == b.NetUID && a.UID == b.UID && a.Hotkey == b.Hotkey && a.Coldkey == b.Coldkey &&
		a.RegisteredAt == b.RegisteredAt && a.LastUpdate == b.LastUpdate && a.ValidatorPermit == b.ValidatorPermit &&
		slices.Equal(a.Weights, b.Weights) && slices.Equal(a.Bonds, b.Bonds) &&
		a.Rank == b.Rank && a.Trust == b.Trust && a.Consensus == b.Consensus && a.Incentive == b.Incentive &&
		a.Dividends == b.Dividends && a.ValidatorTrust == b.ValidatorTrust && a.PruningScore == b.PruningScore &&
		a.Active == b.Active && a.Emission == b.Emission
}

// copyNeuronRow copies a row with its own weights and bonds (nil when empty, the canonical form
// Snapshot writes).
func copyNeuronRow(r *NeuronRow) NeuronRow {
	c := *r
	c.Weights, c.Bonds = canonWeights(r.Weights), canonWeights(r.Bonds)
	return c
}

// diffRows merge-walks two key-sorted tables.
func diffRows[R, K any](prev, next []R, key func(*R) K, cmpK func(a, b K) int, eq func(a, b *R) bool, cp func(*R) R) (ups []R, dels []K) {
	i, j := 0, 0
	for i < len(prev) || j < len(next) {
		var c int
		switch {
		case i == len(prev):
			c = 1
		case j == len(next):
			c = -1
		default:
			c = cmpK(key(&prev[i]), key(&next[j]))
		}
		switch {
		case c < 0:
			dels = append(dels, key(&prev[i]))
			i++
		case c > 0:
			ups = append(ups, cp(&next[j]))
			j++
		default:
			if !eq(&prev[i], &next[j]) {
				ups = append(ups, cp(&next[j]))
			}
			i++
			j++
		}
	}
	return ups, dels
}

// Apply changes s in place to the snapshot c leads to, keeping every table sorted, so that
// prev.Apply(Diff(prev, next)) leaves prev deep-equal to next: the in-memory store keeps its
// state rows this way. The changes may come in any order. It is all or nothing: a delete of a
// key s does not hold, a key upserted or deleted twice, or a key both upserted and deleted
// returns an error (wrapping ErrBadSnapshot) and changes nothing. Applied rows are copies; c can
// be reused; nil changes nothing. Subnets are only upserted (they are never deleted). Apply
// checks no state rule (a share without its pool, say); FromSnapshot does.
func (s *Snapshot) Apply(c *Changes) error {
	if c == nil {
		return nil
	}
	var commits [5]func()
	var err error
	if commits[0], err = planRows(&s.Subnets, "subnets", c.Subnets, nil, subnetKey, cmpNetUID, copyRow[SubnetRow]); err != nil {
		return err
	}
	if commits[1], err = planRows(&s.Balances, "balances", c.Balances, c.DeleteBalances, balanceKey, strings.Compare, copyRow[BalanceRow]); err != nil {
		return err
	}
	if commits[2], err = planRows(&s.Pools, "pools", c.Pools, c.DeletePools, poolKey, cmpPoolKey, copyRow[PoolRow]); err != nil {
		return err
	}
	if commits[3], err = planRows(&s.Shares, "shares", c.Shares, c.DeleteShares, shareKey, cmpShareKey, copyRow[ShareRow]); err != nil {
		return err
	}
	if commits[4], err = planRows(&s.Neurons, "neurons", c.Neurons, c.DeleteNeurons, neuronKey, cmpNeuronKey, copyNeuronRow); err != nil {
		return err
	}
	if c.Globals != nil {
		s.Globals = *c.Globals
	}
	if c.Params != nil {
		s.Params = copyParams(c.Params.To)
	}
	for _, commit := range commits {
		commit()
	}
	return nil
}

// planRows validates the changes to one table without touching it and returns the function that
// applies them: O(k log n) to plan k changes to n rows; applying is in place when every upsert
// replaces an existing row, and one merge, O(n + k), when rows come or go.
func planRows[R, K any](rows *[]R, table string, ups []R, dels []K, key func(*R) K, cmpK func(a, b K) int, cp func(*R) R) (func(), error) {
	if len(ups) == 0 && len(dels) == 0 {
		return func() {}, nil
	}
	// Comparisons go through pointers into the slices: a closure taking the address of a row
	// passed by value would move every compared row to the heap.
	sorted := true
	for i := 1; i < len(ups) && sorted; i++ {
		sorted = cmpK(key(&ups[i-1]), key(&ups[i])) <= 0
	}
	if !sorted {
		ups = slices.Clone(ups)
		slices.SortStableFunc(ups, func(a, b R) int { return cmpK(key(&a), key(&b)) })
	}
	if !slices.IsSortedFunc(dels, cmpK) {
		dels = slices.Clone(dels)
		slices.SortFunc(dels, cmpK)
	}
	old := *rows
	find := func(k K) (int, bool) {
		i := sort.Search(len(old), func(i int) bool { return cmpK(key(&old[i]), k) >= 0 })
		return i, i < len(old) && cmpK(key(&old[i]), k) == 0
	}
	for i := 1; i < len(ups); i++ {
		if k := key(&ups[i]); cmpK(key(&ups[i-1]), k) == 0 {
			return nil, fmt.Errorf("%w: changes: %s (%s) upserted twice", ErrBadSnapshot, table, describeKey(k))
		}
	}
	for i := range dels {
		if i > 0 && cmpK(dels[i-1], dels[i]) == 0 {
			return nil, fmt.Errorf("%w: changes: %s (%s) deleted twice", ErrBadSnapshot, table, describeKey(dels[i]))
		}
		if _, ok := find(dels[i]); !ok {
			return nil, fmt.Errorf("%w: changes: delete of %s (%s), which does not exist", ErrBadSnapshot, table, describeKey(dels[i]))
		}
	}
	at := make([]int, len(ups)) // index of the row each upsert replaces, or -1
	inserts, d := 0, 0
	for u := range ups {
		k := key(&ups[u])
		for d < len(dels) && cmpK(dels[d], k) < 0 {
			d++
		}
		if d < len(dels) && cmpK(dels[d], k) == 0 {
			return nil, fmt.Errorf("%w: changes: %s (%s) both upserted and deleted", ErrBadSnapshot, table, describeKey(k))
		}
		if i, ok := find(k); ok {
			at[u] = i
		} else {
			at[u] = -1
			inserts++
		}
	}
	if inserts == 0 && len(dels) == 0 {
		return func() {
			for u := range ups {
				old[at[u]] = cp(&ups[u])
			}
		}, nil
	}
	return func() {
		out := make([]R, 0, len(old)+inserts-len(dels))
		i, u, d := 0, 0, 0
		for i < len(old) || u < len(ups) {
			if u < len(ups) && (i == len(old) || cmpK(key(&ups[u]), key(&old[i])) <= 0) {
				if at[u] >= 0 {
					i++ // replaced
				}
				out = append(out, cp(&ups[u]))
				u++
				continue
			}
			if d < len(dels) && cmpK(dels[d], key(&old[i])) == 0 {
				d++
				i++
				continue
			}
			out = append(out, old[i])
			i++
		}
		*rows = nilIfEmpty(out)
	}, nil
}
