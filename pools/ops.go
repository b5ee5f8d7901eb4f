package pools

import (
	"fmt"
	"math"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/holiman/uint256"
)

// Apply runs one order against the state with the given parameters. On error nothing changed and
// the error carries a stable code (dtaod.CodeOf).
func (st *State) Apply(p *dtaod.Params, o *Order) (Receipt, error) {
	switch o.Kind {
	case AddStake:
		return st.addStake(p, o)
	case RemoveStake:
		return st.removeStake(p, o)
	case MoveStake:
		return st.move(p, o, o.Coldkey, o.FromHotkey, o.ToHotkey)
	case TransferStake:
		return st.move(p, o, o.ToColdkey, o.Hotkey, o.Hotkey)
	case SwapStake:
		return st.move(p, o, o.Coldkey, o.Hotkey, o.Hotkey)
	case RegisterNeuron:
		return st.registerNeuron(p, o)
	case SetWeights:
		return st.setWeights(p, o)
	case RegisterSubnet:
		return st.registerSubnet(p, o)
	case Transfer:
		return st.transfer(o)
	case Faucet:
		return st.faucet(o)
	}
	return Receipt{}, fmt.Errorf("%w: unknown order kind %d", dtaod.ErrInvalidArgument, o.Kind)
}

func notFound(n dtaod.NetUID) error {
	return fmt.Errorf("%w: netuid %d", dtaod.ErrSubnetNotFound, n)
}

// rootPrice is 1.0, the price of root's 1:1 "pool".
var rootPrice = dtaod.PriceFromFixed(dtaod.FixedOne)

// leg is one side of an operation computed but not yet written: the pool after it (subnets) and
// the amounts it moves.
type leg struct {
	sub   *Subnet // nil on root
	pool  amm.Pool
	tao   dtaod.TAO   // TAO into (buy) or out of (sell, net of fee) the pool
	gross dtaod.TAO   // sell: TAO out before the fee
	alpha dtaod.Alpha // alpha out of (buy) or into (sell) the pool
}

// buy computes staking gross TAO (fee included) into netuid, on the pool given (the subnet's, or
// the one left by a first leg in the same subnet).
func buy(p *dtaod.Params, sub *Subnet, pool amm.Pool, gross, fee dtaod.TAO) (leg, error) {
	if sub == nil { // root: 1:1, the fee stays in root TAO owned by nobody
		if gross < fee {
			return leg{}, fmt.Errorf("%w: %d rao does not cover the fee", dtaod.ErrAmountTooLow, gross)
		}
		return leg{tao: gross, alpha: dtaod.Alpha(gross - fee)}, nil
	}
	out, next, err := amm.Stake(pool, gross, fee, p.MinPoolLiquidity)
	if err != nil {
		return leg{}, err
	}
	return leg{sub: sub, pool: next, tao: gross, alpha: out}, nil
}

// sell computes unstaking a alpha from netuid on the pool given.
func sell(p *dtaod.Params, sub *Subnet, pool amm.Pool, a dtaod.Alpha, fee dtaod.TAO) (leg, error) {
	if sub == nil {
		if dtaod.TAO(a) < fee {
			return leg{}, fmt.Errorf("%w: %d rao does not cover the fee", dtaod.ErrAmountTooLow, a)
		}
		return leg{tao: dtaod.TAO(a) - fee, gross: dtaod.TAO(a), alpha: a}, nil
	}
	net, gross, next, err := amm.Unstake(pool, a, fee, p.MinPoolLiquidity)
	if err != nil {
		return leg{}, err
	}
	return leg{sub: sub, pool: next, tao: net, gross: gross, alpha: a}, nil
}

// sellGross is the TAO a alpha swaps for before any fee, for the minimum-stake rule; it fails
// only on liquidity.
func sellGross(p *dtaod.Params, sub *Subnet, a dtaod.Alpha) (dtaod.TAO, error) {
	if sub == nil {
		return dtaod.TAO(a), nil
	}
	out, _, err := amm.SellAlpha(sub.Pool(), a, p.MinPoolLiquidity)
	if err != nil {
		return 0, fmt.Errorf("%w", dtaod.ErrInsufficientLiquidity)
	}
	return out, nil
}

func (st *State) lookup(n dtaod.NetUID) (*Subnet, error) {
	if n == dtaod.Root {
		return nil, nil
	}
	s := st.byNet[n]
	if s == nil {
		return nil, notFound(n)
	}
	return s, nil
}

func poolOf(s *Subnet) amm.Pool {
	if s == nil {
		return amm.Pool{}
	}
	return s.Pool()
}

// commitBuy writes a computed buy: reserves (or root TAO), alpha_out, volume, and the shares.
// payer's free balance pays (the caller debits it); the stake goes to (coldkey, hotkey, n).
// reason is stake, or transfer when the stake changes owner.
func (st *State) commitBuy(l leg, fee dtaod.TAO, payer, coldkey, hotkey string, n dtaod.NetUID, reason Reason) {
	if l.sub == nil {
		st.RootTAO += l.tao
		st.UnnamedRoot += fee
		st.Post(reason, UnitTAO, AccountFree(payer), AccountStake(hotkey, n), uint64(l.alpha), coldkey)
		st.Post(ReasonFee, UnitTAO, AccountFree(payer), AccountUnnamed(dtaod.Root), uint64(fee), payer)
	} else {
		l.sub.setPool(l.pool)
		l.sub.AlphaOut += l.alpha
		l.sub.AddVolume(l.tao - fee)
		st.Post(ReasonStake, UnitTAO, AccountFree(payer), AccountPool(n), uint64(l.tao-fee), payer)
		st.Post(ReasonFee, UnitTAO, AccountFree(payer), AccountPool(n), uint64(fee), payer)
		st.Post(reason, AlphaOf(n), AccountPool(n), AccountStake(hotkey, n), uint64(l.alpha), coldkey)
	}
	st.pool(hotkey, n).Add(coldkey, uint64(l.alpha))
}

// commitSell writes a computed sell. In the ledger the gross TAO goes to the coldkey's free
// balance and the fee back to the pool (or to unnamed root TAO), so the fee is an entry.
func (st *State) commitSell(l leg, fee dtaod.TAO, coldkey, hotkey string, n dtaod.NetUID) {
	st.pool(hotkey, n).Remove(coldkey, uint64(l.alpha))
	if l.sub == nil {
		st.RootTAO -= l.tao
		st.UnnamedRoot += fee
		st.Post(ReasonUnstake, UnitTAO, AccountStake(hotkey, n), AccountFree(coldkey), uint64(l.gross), coldkey)
		st.Post(ReasonFee, UnitTAO, AccountFree(coldkey), AccountUnnamed(dtaod.Root), uint64(fee), coldkey)
	} else {
		l.sub.setPool(l.pool)
		l.sub.AlphaOut -= l.alpha
		l.sub.AddVolume(l.gross)
		st.Post(ReasonUnstake, AlphaOf(n), AccountStake(hotkey, n), AccountPool(n), uint64(l.alpha), coldkey)
		st.Post(ReasonUnstake, UnitTAO, AccountPool(n), AccountFree(coldkey), uint64(l.gross), coldkey)
		st.Post(ReasonFee, UnitTAO, AccountFree(coldkey), AccountPool(n), uint64(fee), coldkey)
	}
}

func (st *State) addStake(p *dtaod.Params, o *Order) (Receipt, error) {
	sub, err := st.lookup(o.NetUID)
	if err != nil {
		return Receipt{}, err
	}
	fee := p.StakingFee
	minimum, ok := dtaod.AddTAO(p.MinStake, fee)
	if !ok || o.Amount < uint64(minimum) {
		return Receipt{}, fmt.Errorf("%w: stake %d rao < min_stake + fee = %d", dtaod.ErrAmountTooLow, o.Amount, minimum)
	}
	fill := dtaod.TAO(o.Amount)
	if o.HasLimit {
		var most dtaod.TAO
		if sub == nil {
			most = unlimitedIf(o.LimitPrice.Cmp(rootPrice) >= 0)
		} else {
			most = amm.MaxBuy(sub.Pool(), o.LimitPrice)
		}
		if fill > most {
			if !o.AllowPartial {
				return Receipt{}, fmt.Errorf("%w: at most %d rao fills at limit %s", dtaod.ErrSlippageTooHigh, most, o.LimitPrice)
			}
			if fill = most; fill < minimum {
				return Receipt{}, fmt.Errorf("%w: partial fill %d rao < min_stake + fee", dtaod.ErrSlippageTooHigh, fill)
			}
		}
	}
	if st.Free[o.Coldkey] < fill {
		return Receipt{}, fmt.Errorf("%w: %s has %d rao free, needs %d", dtaod.ErrInsufficientBalance, o.Coldkey, st.Free[o.Coldkey], fill)
	}
	l, err := buy(p, sub, poolOf(sub), fill, fee)
	if err != nil {
		return Receipt{}, err
	}
	st.Free[o.Coldkey] -= fill
	if st.Free[o.Coldkey] == 0 {
		delete(st.Free, o.Coldkey)
	}
	st.commitBuy(l, fee, o.Coldkey, o.Coldkey, o.Hotkey, o.NetUID, ReasonStake)
	return Receipt{TAO: fill, Alpha: l.alpha, Fee: fee}, nil
}

func unlimitedIf(ok bool) dtaod.TAO {
	if ok {
		return math.MaxUint64
	}
	return 0
}

func (st *State) removeStake(p *dtaod.Params, o *Order) (Receipt, error) {
	sub, err := st.lookup(o.NetUID)
	if err != nil {
		return Receipt{}, err
	}
	fee := p.StakingFee
	a := dtaod.Alpha(o.Amount)
	gross, err := sellGross(p, sub, a)
	if err != nil {
		return Receipt{}, err
	}
	if gross <= p.MinStake {
		return Receipt{}, fmt.Errorf("%w: unstake yields %d rao, must exceed min_stake %d", dtaod.ErrAmountTooLow, gross, p.MinStake)
	}
	fill := a
	if o.HasLimit {
		var most dtaod.Alpha
		if sub == nil {
			most = dtaod.Alpha(unlimitedIf(o.LimitPrice.Cmp(rootPrice) <= 0))
		} else {
			most = amm.MaxSell(sub.Pool(), o.LimitPrice)
		}
		if fill > most {
			if !o.AllowPartial {
				return Receipt{}, fmt.Errorf("%w: at most %d alpha fills at limit %s", dtaod.ErrSlippageTooHigh, most, o.LimitPrice)
			}
			fill = most
			if g, err := sellGross(p, sub, fill); err != nil || g <= p.MinStake {
				return Receipt{}, fmt.Errorf("%w: partial fill %d alpha is below the minimum", dtaod.ErrSlippageTooHigh, fill)
			}
		}
	}
	if have := st.StakeOf(o.Coldkey, o.Hotkey, o.NetUID); uint64(a) > have {
		return Receipt{}, fmt.Errorf("%w: %s holds %d on (%s, %d), asked %d", dtaod.ErrInsufficientStake, o.Coldkey, have, o.Hotkey, o.NetUID, a)
	}
	l, err := sell(p, sub, poolOf(sub), fill, fee)
	if err != nil {
		return Receipt{}, err
	}
	free, ok := dtaod.AddTAO(st.Free[o.Coldkey], l.tao)
	if !ok {
		return Receipt{}, fmt.Errorf("%w: free balance would exceed u64", dtaod.ErrOverflow)
	}
	st.commitSell(l, fee, o.Coldkey, o.Hotkey, o.NetUID)
	st.Free[o.Coldkey] = free
	return Receipt{TAO: l.tao, Alpha: fill, Fee: fee}, nil
}

// move is move, transfer and swap stake: sell on the origin, then stake the TAO between the legs
// on the destination, as one atomic operation paying half the fee on each leg.
func (st *State) move(p *dtaod.Params, o *Order, toColdkey, fromHotkey, toHotkey string) (Receipt, error) {
	from, err := st.lookup(o.FromNetUID)
	if err != nil {
		return Receipt{}, err
	}
	to, err := st.lookup(o.ToNetUID)
	if err != nil {
		return Receipt{}, err
	}
	half := p.StakingFee / 2
	a := dtaod.Alpha(o.Amount)
	if have := st.StakeOf(o.Coldkey, fromHotkey, o.FromNetUID); uint64(a) > have {
		return Receipt{}, fmt.Errorf("%w: %s holds %d on (%s, %d), asked %d", dtaod.ErrInsufficientStake, o.Coldkey, have, fromHotkey, o.FromNetUID, a)
	}
	gross, err := sellGross(p, from, a)
	if err != nil {
		return Receipt{}, err
	}
	if gross <= p.MinStake {
		return Receipt{}, fmt.Errorf("%w: the first leg yields %d rao, must exceed min_stake %d", dtaod.ErrAmountTooLow, gross, p.MinStake)
	}
	legMin, ok := dtaod.AddTAO(p.MinStake, half)
	if !ok {
		return Receipt{}, fmt.Errorf("%w: min_stake + fee/2 exceeds u64", dtaod.ErrOverflow)
	}
	fill := a
	if o.HasLimit {
		if most := maxMove(from, to, o.FromNetUID == o.ToNetUID, o.LimitPrice); fill > most {
			if !o.AllowPartial {
				return Receipt{}, fmt.Errorf("%w: at most %d alpha fills at limit %s", dtaod.ErrSlippageTooHigh, most, o.LimitPrice)
			}
			fill = most
			l, err := sell(p, from, poolOf(from), fill, half)
			if err != nil || l.gross <= p.MinStake || l.tao < legMin {
				return Receipt{}, fmt.Errorf("%w: partial fill %d alpha is below the minimum", dtaod.ErrSlippageTooHigh, fill)
			}
		}
	}
	first, err := sell(p, from, poolOf(from), fill, half)
	if err != nil {
		return Receipt{}, err
	}
	if first.tao < legMin {
		return Receipt{}, fmt.Errorf("%w: %d rao between the legs < min_stake + fee/2 = %d", dtaod.ErrAmountTooLow, first.tao, legMin)
	}
	destPool := poolOf(to)
	if to != nil && to == from {
		destPool = first.pool // one subnet: the second leg trades against the first's result
	}
	second, err := buy(p, to, destPool, first.tao, half)
	if err != nil {
		return Receipt{}, err
	}
	st.commitSell(first, half, o.Coldkey, fromHotkey, o.FromNetUID)
	reason := ReasonStake
	if toColdkey != o.Coldkey || toHotkey != fromHotkey {
		reason = ReasonTransfer
	}
	st.commitBuy(second, half, o.Coldkey, toColdkey, toHotkey, o.ToNetUID, reason)
	return Receipt{TAO: first.tao, Alpha: second.alpha, Fee: 2 * half}, nil
}

// maxMove is the most alpha a move can sell without the ratio price(origin)/price(destination)
// falling below limit. Root legs are 1:1; within one subnet the ratio is always 1.
func maxMove(from, to *Subnet, same bool, limit dtaod.Price) dtaod.Alpha {
	switch {
	case limit.IsZero():
		return math.MaxUint64
	case same || from == nil && to == nil:
		return dtaod.Alpha(unlimitedIf(limit.Cmp(rootPrice) <= 0))
	case from == nil: // 1/price(to) >= L  <=>  price(to) <= 1/L: a buy with limit 1/L
		return dtaod.Alpha(amm.MaxBuy(to.Pool(), invert(limit)))
	case to == nil: // price(from) >= L: a sell with limit L
		return amm.MaxSell(from.Pool(), limit)
	}
	return amm.MaxMove(from.Pool(), to.Pool(), limit)
}

// invert returns 1/L on the 18-digit grid, rounded down (a stricter buy limit, never crossing).
func invert(l dtaod.Price) dtaod.Price {
	var one uint256.Int
	one.Exp(uint256.NewInt(10), uint256.NewInt(36))
	v := l.Scaled()
	one.Div(&one, &v)
	return dtaod.PriceFromScaled(&one)
}
