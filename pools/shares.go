package pools

import (
	"github.com/holiman/uint256"
)

// shareScale is the fixed-point scale of shares: a pool's first staker gets value x 2^64 shares,
// the precision of the chain's U64F64, so minting at a later value per share loses at most 2^-64
// of a base unit per share of growth.
const shareScale = 64

// SharePool is the stake of one (hotkey, netuid): a value (alpha, or TAO on root) owned by
// coldkeys in proportion to their shares. Dividends raise Value without minting shares, which is
// how every nominator of a hotkey gains at once in O(1).
//
// Rounding always favours the pool: minting floors the shares a deposit buys, burning ceils the
// shares a withdrawal costs, and a coldkey's stake is floor(Value*shares/Denom). So the sum of
// all stakes never exceeds Value and nobody can withdraw more than they put in plus their part of
// what was paid.
type SharePool struct {
	Value  uint64
	Denom  uint256.Int
	Shares map[string]*uint256.Int
}

func newSharePool() *SharePool { return &SharePool{Shares: make(map[string]*uint256.Int)} }

// StakeOf is the coldkey's stake: floor(Value * shares / Denom).
func (sp *SharePool) StakeOf(coldkey string) uint64 {
	s := sp.Shares[coldkey]
	if s == nil || sp.Denom.IsZero() {
		return 0
	}
	var v uint256.Int
	v.SetUint64(sp.Value)
	v.Mul(&v, s) // < 2^64 * 2^128
	v.Div(&v, &sp.Denom)
	return v.Uint64() // <= Value since shares <= Denom
}

// Add credits amount to the coldkey by minting shares at the current value per share; into an
// empty pool (no shares) it mints amount x 2^64 shares and so also receives whatever value was
// left there (the chain's rule: the next staker takes it).
func (sp *SharePool) Add(coldkey string, amount uint64) {
	if amount == 0 {
		return
	}
	if sp.Value == 0 && !sp.Denom.IsZero() { // worthless shares (unreachable by the operations)
		sp.Denom.Clear()
		clear(sp.Shares)
	}
	var minted uint256.Int
	if sp.Denom.IsZero() {
		minted.SetUint64(amount)
		minted.Lsh(&minted, shareScale)
	} else {
		minted.SetUint64(amount)
		minted.Mul(&minted, &sp.Denom) // < 2^64 * 2^192 would overflow only past 2^256: Denom <= Value*2^64
		var v uint256.Int
		v.SetUint64(sp.Value)
		minted.Div(&minted, &v)
	}
	sp.Value += amount // callers bound the sum by the subnet's issuance (< 2^64)
	sp.Denom.Add(&sp.Denom, &minted)
	if s := sp.Shares[coldkey]; s != nil {
		s.Add(s, &minted)
	} else {
		n := minted
		sp.Shares[coldkey] = &n
	}
}

// Remove debits amount from the coldkey, burning ceil(amount*Denom/Value) shares (all of them
// when it takes the whole stake). It reports false, changing nothing, when the coldkey's stake is
// below amount.
func (sp *SharePool) Remove(coldkey string, amount uint64) bool {
	if amount == 0 {
		return true
	}
	owned := sp.StakeOf(coldkey)
	if amount > owned {
		return false
	}
	s := sp.Shares[coldkey]
	var burn uint256.Int
	if amount == owned {
		burn.Set(s)
	} else {
		var v, r uint256.Int
		v.SetUint64(sp.Value)
		burn.SetUint64(amount)
		burn.Mul(&burn, &sp.Denom)
		burn.DivMod(&burn, &v, &r)
		if !r.IsZero() {
			burn.AddUint64(&burn, 1)
		}
		if burn.Gt(s) { // unreachable: amount <= Value*s/Denom implies burn <= s
			burn.Set(s)
		}
	}
	sp.Value -= amount
	sp.Denom.Sub(&sp.Denom, &burn)
	s.Sub(s, &burn)
	if s.IsZero() {
		delete(sp.Shares, coldkey)
	}
	return true
}

// Distribute adds amount to the pool's value without minting shares: every coldkey's stake grows
// in proportion. With no shares the value waits for the next staker.
func (sp *SharePool) Distribute(amount uint64) { sp.Value += amount }

// clone returns a deep copy.
func (sp *SharePool) clone() *SharePool {
	c := &SharePool{Value: sp.Value, Denom: sp.Denom, Shares: make(map[string]*uint256.Int, len(sp.Shares))}
	for k, v := range sp.Shares {
		n := *v
		c.Shares[k] = &n
	}
	return c
}
