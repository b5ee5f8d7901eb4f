package pools

import (
	"math/bits"

	"github.com/holiman/uint256"
)

// minScale and rescaleTo bound the resolution of shares: a pool always keeps at least 2^64 share
// units per base unit of value (the chain's U64F64 precision at its first deposit). Dividends
// lower shares per unit of value; when they fall below 2^64 every share and the denominator are
// shifted left until there are 2^72 per unit. A shift is exact (it multiplies every share by the
// same power of two), so no stake changes, and the resolution never decays however much value
// per share grows.
const (
	minScale  = 64
	rescaleTo = 72
)

// SharePool is the stake of one (hotkey, netuid): a value (alpha, or TAO on root) owned by
// coldkeys in proportion to their shares. Dividends raise Value without minting shares, which is
// how every nominator of a hotkey gains at once in O(1).
//
// Exactness (spec 9.11): a mint or burn of amount needs amount*Denom/Value shares, an integer
// only when Value divides amount*Denom. Before each one, every share and the denominator are
// multiplied by Value/gcd(Value, amount*Denom mod Value), an exact change of unit, whenever the
// result keeps fewer than 2^127 share units per unit of value (exactCap) so every product still fits in 256 bits. Then nobody's
// stake moves by even a fraction of a unit. Past the cap (long histories of dividends make the
// exact representation grow without bound) the rounding favours the pool: mints round down,
// burns round up, by less than one share unit (under 2^-64 of a base unit). Either way a stake
// is floor(Value*shares/Denom) and shares always sum to Denom, so the stakes never sum past
// Value: a pool can never pay out more than it holds.
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
	v.Mul(&v, s) // < 2^64 * 2^191
	v.Div(&v, &sp.Denom)
	return v.Uint64() // <= Value since shares <= Denom
}

// Add credits amount to the coldkey by minting shares at the current value per share; into an
// empty pool (no shares) it mints amount x 2^64 shares and so also receives whatever value was
// left there (the chain's rule: the next staker takes it).
func (sp *SharePool) Add(coldkey string, amount uint64) { sp.add(coldkey, amount, true) }

// credit is Add without the exactness rescaling: the fast path for emission, whose credits are
// followed by a dividend that makes every stake fractional anyway.
func (sp *SharePool) credit(coldkey string, amount uint64) { sp.add(coldkey, amount, false) }

func (sp *SharePool) add(coldkey string, amount uint64, exact bool) {
	if amount == 0 {
		return
	}
	if sp.Value == 0 && !sp.Denom.IsZero() { // worthless shares (unreachable by the operations)
		sp.Denom.Clear()
		clear(sp.Shares)
	}
	var minted uint256.Int
	minted.SetUint64(amount)
	if sp.Denom.IsZero() {
		minted.Lsh(&minted, minScale)
	} else {
		if exact {
			sp.makeExact(amount)
		}
		mintFloor(&minted, amount, &sp.Denom, sp.Value)
	}
	sp.Value += amount // callers bound the sum by the subnet's issuance (< 2^64)
	sp.Denom.Add(&sp.Denom, &minted)
	if s := sp.Shares[coldkey]; s != nil {
		s.Add(s, &minted)
	} else {
		n := minted
		sp.Shares[coldkey] = &n
	}
	sp.rescale()
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
		sp.makeExact(amount)
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
func (sp *SharePool) Distribute(amount uint64) {
	sp.Value += amount
	sp.rescale()
}

// mintFloor sets z = floor(amount * denom / value). Denominators below 2^128 (the usual case)
// take a 192-by-64-bit long division on math/bits, several times faster than the general uint256
// product and division it must equal (TestMintFloorFastPath).
func mintFloor(z *uint256.Int, amount uint64, denom *uint256.Int, value uint64) {
	if denom[2] != 0 || denom[3] != 0 {
		var v uint256.Int
		v.SetUint64(value)
		z.SetUint64(amount)
		z.Mul(z, denom)
		z.Div(z, &v)
		return
	}
	h0, w0 := bits.Mul64(amount, denom[0])
	h1, l1 := bits.Mul64(amount, denom[1])
	w1, c := bits.Add64(h0, l1, 0)
	w2 := h1 + c // amount*denom < 2^192
	q2, r := w2/value, w2%value
	q1, r := bits.Div64(r, w1, value)
	q0, _ := bits.Div64(r, w0, value)
	z[0], z[1], z[2], z[3] = q0, q1, q2, 0
}

// exactCap bounds shares per unit of value for exactness (see SharePool): Denom < Value * 2^127
// keeps Denom < 2^191 for any u64 value, so amount*Denom and Value*shares fit in 256 bits.
// Deposits keep the ratio, withdrawals and dividends only lower it.
const exactCap = 126

// makeExact rescales the shares so that amount*Denom/Value is an integer, if that fits.
func (sp *SharePool) makeExact(amount uint64) {
	var x, v, r uint256.Int
	v.SetUint64(sp.Value)
	x.SetUint64(amount)
	x.Mul(&x, &sp.Denom)
	r.Mod(&x, &v)
	if r.IsZero() {
		return
	}
	a, b := sp.Value, r.Uint64()
	for b != 0 {
		a, b = b, a%b
	}
	f := sp.Value / a
	if sp.Denom.BitLen()+bits.Len64(f)-bits.Len64(sp.Value) > exactCap {
		if !sp.reduce() {
			return
		}
		sp.makeExact(amount) // fewer share units now: try again, once
		return
	}
	v.SetUint64(f)
	sp.Denom.Mul(&sp.Denom, &v)
	for _, s := range sp.Shares {
		s.Mul(s, &v)
	}
}

// reduce divides every share and the denominator by their greatest common divisor, the smallest
// exact representation, reporting whether it shrank. It allocates (math/big), so only user
// operations reach it.
func (sp *SharePool) reduce() bool {
	g := sp.Denom.ToBig()
	for _, s := range sp.Shares {
		g.GCD(nil, nil, g, s.ToBig())
		if g.IsInt64() && g.Int64() == 1 {
			return false
		}
	}
	if g.Sign() == 0 || g.IsInt64() && g.Int64() == 1 {
		return false
	}
	d, _ := uint256.FromBig(g)
	sp.Denom.Div(&sp.Denom, d)
	for _, s := range sp.Shares {
		s.Div(s, d)
	}
	return true
}

// rescale restores at least 2^64 share units per unit of value by an exact left shift of every
// share (see minScale).
func (sp *SharePool) rescale() {
	if sp.Denom.IsZero() || sp.Value == 0 {
		return
	}
	var floor uint256.Int
	floor.SetUint64(sp.Value)
	floor.Lsh(&floor, minScale)
	if !sp.Denom.Lt(&floor) {
		return
	}
	// shift so that Denom >= Value * 2^rescaleTo: bit lengths give the shift to within one bit.
	k := uint(bits.Len64(sp.Value)) + rescaleTo - uint(sp.Denom.BitLen()) + 1
	sp.Denom.Lsh(&sp.Denom, k)
	for _, s := range sp.Shares {
		s.Lsh(s, k)
	}
}

// clone returns a deep copy.
func (sp *SharePool) clone() *SharePool {
	c := &SharePool{Value: sp.Value, Denom: sp.Denom, Shares: make(map[string]*uint256.Int, len(sp.Shares))}
	for k, v := range sp.Shares {
		n := *v
		c.Shares[k] = &n
	}
	return c
}
