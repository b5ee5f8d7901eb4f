package emission

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/dtaod/dtaod/pools"
)

// Scratch is reusable working memory for the coinbase, so a steady-state block allocates
// nothing. The zero value is ready; keep one per engine.
type Scratch struct {
	share []uint64 // tao_in_i per subnet, in st.Subnets order
	w     []weight // per neuron, for the epoch
	inc   []uint64
	div   []uint64
	q     []uint64

	neurons []NeuronResult // per-block arena of epoch results (BeginBlock resets it)
	bonds   []pools.Weight

	// KeepBonds copies each neuron's bonds into its epoch result; off, NeuronResult.Bonds is
	// empty (a 64x256 subnet's bonds are 64 KiB per epoch to copy).
	KeepBonds bool
	// SkipNeurons leaves EpochRecord.Neurons empty, for drivers that do not read it.
	SkipNeurons bool
}

// Coinbase runs spec section 6 / 9.3-9.4 for one block over every subnet, in netuid order: the
// TAO split, injection, owner cut, root dividends and their sale, and the moving price. It
// records what it did in each subnet's Last* fields and returns the block's TAO emission. An error means a reserve or issuance would
// leave the u64 range: the block must not be committed.
func Coinbase(st *pools.State, p *dtaod.Params, block dtaod.Block, sc *Scratch) (dtaod.TAO, error) {
	e := BlockEmission(p, uint64(st.TotalIssuance))
	splitTAO(st, p, e, sc)
	twNum, twDen := reduce(uint64(p.TAOWeight), dtaod.FixedOne)
	for i, s := range st.Subnets {
		if err := inject(st, p, s, sc.share[i], twNum, twDen); err != nil {
			return 0, fmt.Errorf("block %d, netuid %d: %w", block, s.NetUID, err)
		}
		b := uint64(0)
		if block > s.RegisteredAt {
			b = uint64(block - s.RegisteredAt)
		}
		s.MovingPrice = MovingPrice(p, s.MovingPrice, s.TAOIn, s.AlphaIn, b)
	}
	return dtaod.TAO(e), nil
}

// splitTAO fills sc.share with tao_in_i = floor(E * s_i / sum s) (spec 9.3).
func splitTAO(st *pools.State, p *dtaod.Params, e uint64, sc *Scratch) {
	n := len(st.Subnets)
	if cap(sc.share) < n {
		sc.share = make([]uint64, n)
	}
	sc.share = sc.share[:n]
	if p.EmissionShare == dtaod.ShareSpotPrice {
		splitSpot(st, e, sc.share)
		return
	}
	var sumHi, sumLo uint64 // 128-bit sum: 128 subnets of u64 scores can pass 2^64
	for _, s := range st.Subnets {
		v := score(p, s)
		var c uint64
		sumLo, c = bits.Add64(sumLo, v, 0)
		sumHi += c
	}
	for i, s := range st.Subnets {
		if sumHi == 0 && sumLo == 0 {
			sc.share[i] = 0
			continue
		}
		sc.share[i] = mulDivWide(e, 0, score(p, s), sumHi, sumLo)
	}
}

func score(p *dtaod.Params, s *pools.Subnet) uint64 {
	if p.EmissionShare == dtaod.ShareTAOReserve {
		return uint64(s.TAOIn)
	}
	return uint64(s.MovingPrice)
}

// splitSpot is the spot-price rule: s_i = T_i/A_i exactly (not clamped, 0 when A_i is 0), so the
// sum is a rational of up to a few thousand bits. math/big keeps it exact; it is a study rule,
// not the launch hot path.
func splitSpot(st *pools.State, e uint64, out []uint64) {
	sum := new(big.Rat)
	prices := make([]*big.Rat, len(st.Subnets))
	for i, s := range st.Subnets {
		prices[i] = new(big.Rat)
		if s.AlphaIn != 0 {
			prices[i].SetFrac(bu(uint64(s.TAOIn)), bu(uint64(s.AlphaIn)))
		}
		sum.Add(sum, prices[i])
	}
	for i := range out {
		out[i] = 0
		if sum.Sign() == 0 {
			continue
		}
		q := new(big.Rat).Mul(bigRat(e), prices[i])
		q.Quo(q, sum)
		out[i] = new(big.Int).Quo(q.Num(), q.Denom()).Uint64()
	}
}

func bigRat(v uint64) *big.Rat { return new(big.Rat).SetInt(bu(v)) }

// inject applies steps 2-6 of the coinbase to one subnet given its tao_in_i.
func inject(st *pools.State, p *dtaod.Params, s *pools.Subnet, taoIn uint64, twNum, twDen uint64) error {
	alphaEm := BlockEmission(p, s.AlphaIssuance())
	alphaIn := alphaEm
	if s.TAOIn != 0 && s.AlphaIn != 0 {
		if q, ok := dtaod.MulDiv(taoIn, uint64(s.AlphaIn), uint64(s.TAOIn)); ok && q < alphaIn {
			alphaIn = q
		}
	}
	if !s.RegistrationAllowed {
		taoIn = 0
	}
	t, ok1 := dtaod.AddTAO(s.TAOIn, dtaod.TAO(taoIn))
	a, ok2 := dtaod.AddAlpha(s.AlphaIn, dtaod.Alpha(alphaIn))
	o, ok3 := dtaod.AddAlpha(s.AlphaOut, dtaod.Alpha(alphaEm))
	ti, ok4 := dtaod.AddTAO(st.TotalIssuance, dtaod.TAO(taoIn))
	if !(ok1 && ok2 && ok3 && ok4) || a > dtaod.Alpha(^uint64(0)-uint64(o)) {
		return fmt.Errorf("%w: injection would pass the u64 range", dtaod.ErrOverflow)
	}
	s.TAOIn, s.AlphaIn, s.AlphaOut, st.TotalIssuance = t, a, o, ti
	s.LastTAOInEmission, s.LastAlphaInEmission, s.LastAlphaOutEmission = dtaod.TAO(taoIn), dtaod.Alpha(alphaIn), dtaod.Alpha(alphaEm)
	n := s.NetUID
	st.Post(pools.ReasonInjection, pools.UnitTAO, pools.AccountIssuance, pools.AccountPool(n), taoIn, "")
	st.Post(pools.ReasonInjection, pools.AlphaOf(n), pools.AccountIssuance, pools.AccountPool(n), alphaIn, "")

	owner, _ := p.OwnerCut.MulFloor(alphaEm) // owner_cut <= 1, so it fits
	rest := alphaEm - owner
	rootAlpha := rootAlpha(uint64(st.RootTAO), rest, s.AlphaIssuance(), twNum, twDen)
	s.LastOwnerCut = dtaod.Alpha(owner)
	s.LastRootDivsTAO = 0
	s.PendingOwnerCut += dtaod.Alpha(owner)
	if rootAlpha > 0 {
		out, next, err := amm.SellAlpha(s.Pool(), dtaod.Alpha(rootAlpha), p.MinPoolLiquidity)
		if err != nil {
			rootAlpha = 0 // would breach the minimum liquidity: stays pending alpha (spec 9.4)
		} else {
			s.TAOIn, s.AlphaIn = next.TAO, next.Alpha
			s.AlphaOut -= dtaod.Alpha(rootAlpha)
			s.AddVolume(out)
			s.PendingRootAlpha += dtaod.Alpha(rootAlpha)
			s.PendingRootTAO += out
			s.LastRootDivsTAO = out
			st.Post(pools.ReasonRootSell, pools.AlphaOf(n), pools.AccountIssuance, pools.AccountPool(n), rootAlpha, "")
			st.Post(pools.ReasonRootSell, pools.UnitTAO, pools.AccountPool(n), pools.AccountPendingRoot(n), uint64(out), "")
		}
	}
	s.PendingAlpha += dtaod.Alpha(rest - rootAlpha)
	st.Post(pools.ReasonOwnerCut, pools.AlphaOf(n), pools.AccountIssuance, pools.AccountPendingOwner(n), owner, "")
	st.Post(pools.ReasonEmission, pools.AlphaOf(n), pools.AccountIssuance, pools.AccountPending(n), rest-rootAlpha, "")
	return nil
}

// rootAlpha is floor(tw*R*x / (2*(tw*R + I))) with tw = twNum/twDen reduced, R the root TAO, x
// the alpha left after the owner cut and I the subnet's alpha issuance after injection:
// floor(twNum*R*x / (2*(twNum*R + twDen*I))). 128-bit when the terms fit, math/big otherwise.
func rootAlpha(r, x, issuance, twNum, twDen uint64) uint64 {
	if r == 0 || x == 0 || twNum == 0 {
		return 0
	}
	nr, ok1 := mul64(twNum, r)
	di, ok2 := mul64(twDen, issuance)
	den, c := bits.Add64(nr, di, 0)
	if ok1 && ok2 && c == 0 && den < 1<<63 {
		hi, lo := bits.Mul64(nr, x)
		if hi < 2*den {
			q, _ := bits.Div64(hi, lo, 2*den)
			return q
		}
	}
	n := new(big.Int).Mul(bu(twNum), bu(r))
	d := new(big.Int).Mul(bu(twDen), bu(issuance))
	d.Add(d, n)
	d.Lsh(d, 1)
	n.Mul(n, bu(x))
	return n.Quo(n, d).Uint64() // <= x/2
}

func mul64(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi == 0
}

// reduce divides a fraction by its gcd, keeping the common tao_weight values (0.18 = 9/50) in
// single words.
func reduce(n, d uint64) (uint64, uint64) {
	a, b := n, d
	for b != 0 {
		a, b = b, a%b
	}
	if a == 0 {
		return 0, 1
	}
	return n / a, d / a
}
