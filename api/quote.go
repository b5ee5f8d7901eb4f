package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/dtaod/dtaod/node"
	"github.com/holiman/uint256"
)

// POST /v1/quote: what a stake, unstake or move would do now, computed by the engine's rules
// (minimum stake, flat fee, minimum liquidity, the move's two half-fee legs) on the state with
// the pending orders applied, plus the protection to send with it: min_received for a
// tolerance, the limit price that makes the order fail rather than deliver less, and the most
// that fills at that limit.

type quoteRequest struct {
	Kind       string          `json:"kind"`
	NetUID     *uint16         `json:"netuid"`
	FromNetUID *uint16         `json:"from_netuid"`
	ToNetUID   *uint16         `json:"to_netuid"`
	AmountIn   json.RawMessage `json:"amount_in"`
	AmountOut  json.RawMessage `json:"amount_out"`
	Tolerance  json.RawMessage `json:"tolerance"`
}

type quoteJSON struct {
	Block           uint64 `json:"block"`
	Kind            string `json:"kind"`
	AmountIn        Amount `json:"amount_in"`
	AmountOut       Amount `json:"amount_out"`
	Fee             Amount `json:"fee"`
	SpotPriceBefore string `json:"spot_price_before"`
	ExecutionPrice  string `json:"execution_price"`
	PriceAfter      string `json:"price_after"`
	PriceImpact     string `json:"price_impact"`
	MinReceived     Amount `json:"min_received"`
	LimitPrice      string `json:"limit_price"`
	MaxFillAtLimit  Amount `json:"max_fill_at_limit"`
}

// defaultTolerance is the tolerance of a quote that names none (0.5%).
var defaultTolerance = dtaod.PriceFromFixed(5_000_000_000_000_000)

var one = dtaod.PriceFromFixed(dtaod.FixedOne)

// quoteInput is a validated quote request.
type quoteInput struct {
	kind     string // stake | unstake | move
	from, to dtaod.NetUID
	amount   uint64
	exactOut bool
	tol      dtaod.Price
}

// quoteResult is a quote in base units, before it goes on the wire.
type quoteResult struct {
	in, out, fee                uint64
	inUnit, outUnit             string
	before, exec, after, impact dtaod.Price
	minReceived, maxFill        uint64
	limit                       dtaod.Price
}

func (s *server) quote(w http.ResponseWriter, r *http.Request) {
	var req quoteRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	in, errs := validateQuote(&req)
	if errs != nil {
		invalid(w, errs...)
		return
	}
	qv, err := s.chain.QuoteView(r.Context())
	if err != nil {
		s.unavailable(w, "quote view", err)
		return
	}
	for _, f := range []struct {
		name string
		n    dtaod.NetUID
	}{{netField(in.kind, "from"), in.from}, {netField(in.kind, "to"), in.to}} {
		if !qv.Exists(f.n) {
			problemFields(w, http.StatusUnprocessableEntity, dtaod.ErrSubnetNotFound.Code(), fmt.Sprintf("no subnet %d", f.n),
				[]fieldError{{f.name, fmt.Sprintf("no subnet %d", f.n)}})
			return
		}
	}
	res, err := computeQuote(qv, in)
	if err != nil {
		field := "amount_in"
		if in.exactOut {
			field = "amount_out"
		}
		problemFields(w, http.StatusUnprocessableEntity, dtaod.CodeOf(err), err.Error(), []fieldError{{field, err.Error()}})
		return
	}
	writeJSON(w, http.StatusOK, quoteJSON{
		Block: uint64(qv.Height), Kind: in.kind,
		AmountIn: amountOf(res.inUnit, res.in), AmountOut: amountOf(res.outUnit, res.out), Fee: taoAmount(dtaod.TAO(res.fee)),
		SpotPriceBefore: res.before.String(), ExecutionPrice: res.exec.String(), PriceAfter: res.after.String(),
		PriceImpact: res.impact.String(), MinReceived: amountOf(res.outUnit, res.minReceived),
		LimitPrice: res.limit.String(), MaxFillAtLimit: amountOf(res.inUnit, res.maxFill),
	})
}

// netField is the request field naming the origin ("from") or destination subnet.
func netField(kind, end string) string {
	if kind == "move" {
		return end + "_netuid"
	}
	return "netuid"
}

func validateQuote(req *quoteRequest) (quoteInput, []fieldError) {
	var in quoteInput
	var errs []fieldError
	bad := func(f, reason string) { errs = append(errs, fieldError{f, reason}) }
	in.kind = req.Kind
	switch req.Kind {
	case "stake", "unstake":
		if req.NetUID == nil {
			bad("netuid", "is required for a "+req.Kind)
		} else {
			in.from, in.to = dtaod.NetUID(*req.NetUID), dtaod.NetUID(*req.NetUID)
		}
		if req.FromNetUID != nil {
			bad("from_netuid", "is only for a move (use netuid)")
		}
		if req.ToNetUID != nil {
			bad("to_netuid", "is only for a move (use netuid)")
		}
	case "move":
		if req.FromNetUID == nil {
			bad("from_netuid", "is required for a move")
		} else {
			in.from = dtaod.NetUID(*req.FromNetUID)
		}
		if req.ToNetUID == nil {
			bad("to_netuid", "is required for a move")
		} else {
			in.to = dtaod.NetUID(*req.ToNetUID)
		}
		if req.NetUID != nil {
			bad("netuid", "is not for a move (use from_netuid and to_netuid)")
		}
	case "":
		bad("kind", "is required: stake, unstake or move")
	default:
		bad("kind", fmt.Sprintf("must be stake, unstake or move, got %q", req.Kind))
	}
	hasIn, hasOut := present(req.AmountIn), present(req.AmountOut)
	switch {
	case hasIn && hasOut:
		bad("amount_out", "give exactly one of amount_in and amount_out")
	case !hasIn && !hasOut:
		bad("amount_in", "give exactly one of amount_in and amount_out")
	case hasIn:
		v, reason := parseBaseUnits(req.AmountIn)
		if reason != "" {
			bad("amount_in", reason)
		} else if v == 0 {
			bad("amount_in", "must be positive")
		}
		in.amount = v
	default:
		v, reason := parseBaseUnits(req.AmountOut)
		if reason != "" {
			bad("amount_out", reason)
		} else if v == 0 {
			bad("amount_out", "must be positive")
		}
		in.amount, in.exactOut = v, true
	}
	in.tol = defaultTolerance
	if present(req.Tolerance) {
		var s string
		if err := json.Unmarshal(req.Tolerance, &s); err != nil {
			bad("tolerance", "must be a decimal string such as \"0.005\" (0.5%)")
		} else if t, err := dtaod.ParsePrice(s); err != nil {
			bad("tolerance", "must be a decimal fraction from 0 to 1: "+err.Error())
		} else if t.Cmp(one) > 0 {
			bad("tolerance", "must be at most 1")
		} else {
			in.tol = t
		}
	}
	return in, errs
}

// market is one side of a trade: a subnet's pool, or root (1:1, no pool).
type market struct {
	root bool
	pool amm.Pool
}

func marketOf(q *node.QuoteView, n dtaod.NetUID) market {
	if n == dtaod.Root {
		return market{root: true}
	}
	p, _ := q.Pool(n)
	return market{pool: p}
}

// priceFrac is the market's price as a fraction: T/A, 1/1 on root.
func (m market) priceFrac() (num, den uint64) {
	if m.root {
		return 1, 1
	}
	return uint64(m.pool.TAO), uint64(m.pool.Alpha)
}

func (m market) spot() dtaod.Price {
	if m.root {
		return one
	}
	return m.pool.SpotPrice()
}

// ratioPrice is price(o)/price(d) on the 18-digit grid, rounded down (0 if undefined): the
// quantity a move's limit price bounds.
func ratioPrice(o, d market) dtaod.Price {
	on, od := o.priceFrac()
	dn, dd := d.priceFrac()
	if od == 0 || dn == 0 {
		return dtaod.Price{}
	}
	var num, den uint256.Int
	num.Mul(uint256.NewInt(on), uint256.NewInt(dd))
	num.Mul(&num, uint256.NewInt(dtaod.FixedOne))
	den.Mul(uint256.NewInt(od), uint256.NewInt(dn))
	num.Div(&num, &den)
	return dtaod.PriceFromScaled(&num)
}

// buyLeg stakes gross TAO (fee included) into m, as pools does: the alpha out and the market
// after. On root it is 1:1 less the fee.
func buyLeg(m market, gross, fee, minLiq dtaod.TAO) (uint64, market, amm.Quote, error) {
	if m.root {
		if gross < fee {
			return 0, m, amm.Quote{}, fmt.Errorf("%w: %d rao does not cover the fee", dtaod.ErrAmountTooLow, gross)
		}
		return uint64(gross - fee), m, rootQuote(true, gross, uint64(gross-fee), gross-fee, fee), nil
	}
	q, err := amm.QuoteStake(m.pool, gross, fee, minLiq)
	if err != nil {
		return 0, m, q, err
	}
	return uint64(q.Alpha), market{pool: q.After}, q, nil
}

// sellLeg unstakes a alpha from m: the TAO out net of the fee, and before it.
func sellLeg(m market, a uint64, fee, minLiq dtaod.TAO) (net, gross dtaod.TAO, next market, q amm.Quote, err error) {
	if m.root {
		if dtaod.TAO(a) < fee {
			return 0, 0, m, q, fmt.Errorf("%w: %d rao does not cover the fee", dtaod.ErrAmountTooLow, a)
		}
		return dtaod.TAO(a) - fee, dtaod.TAO(a), m, rootQuote(false, dtaod.TAO(a)-fee, a, dtaod.TAO(a), fee), nil
	}
	q, err = amm.QuoteUnstake(m.pool, dtaod.Alpha(a), fee, minLiq)
	if err != nil {
		return 0, 0, m, q, err
	}
	return q.TAO, q.SwapTAO, market{pool: q.After}, q, nil
}

func rootQuote(stake bool, tao dtaod.TAO, alpha uint64, swap, fee dtaod.TAO) amm.Quote {
	return amm.Quote{Stake: stake, TAO: tao, Alpha: dtaod.Alpha(alpha), SwapTAO: swap, Fee: fee,
		SpotBefore: one, SpotAfter: one, ExecutionPrice: one}
}

// sellGross is the TAO a alpha swaps for before the fee, for the minimum-stake rule.
func sellGross(m market, a uint64, minLiq dtaod.TAO) (dtaod.TAO, error) {
	if m.root {
		return dtaod.TAO(a), nil
	}
	out, _, err := amm.SellAlpha(m.pool, dtaod.Alpha(a), minLiq)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", dtaod.ErrInsufficientLiquidity, err)
	}
	return out, nil
}

// trade is one simulated order.
type trade struct {
	in, out, fee uint64
	from, to     market    // after the trade
	leg          amm.Quote // stake and unstake: the swap
}

// simulate runs an order of kind with amount in (TAO for a stake, alpha otherwise) on the
// markets by the engine's rules, without any account (balances and stake are the order's
// business when it is sent).
func simulate(p *dtaod.Params, kind string, from, to market, same bool, amount uint64) (trade, error) {
	fee := p.StakingFee
	switch kind {
	case "stake":
		minimum, ok := dtaod.AddTAO(p.MinStake, fee)
		if !ok || amount < uint64(minimum) {
			return trade{}, fmt.Errorf("%w: stake %d rao < min_stake + fee = %d", dtaod.ErrAmountTooLow, amount, minimum)
		}
		alpha, next, q, err := buyLeg(from, dtaod.TAO(amount), fee, p.MinPoolLiquidity)
		if err != nil {
			return trade{}, err
		}
		return trade{in: amount, out: alpha, fee: uint64(fee), from: next, to: next, leg: q}, nil
	case "unstake":
		gross, err := sellGross(from, amount, p.MinPoolLiquidity)
		if err != nil {
			return trade{}, err
		}
		if gross <= p.MinStake {
			return trade{}, fmt.Errorf("%w: unstake yields %d rao, must exceed min_stake %d", dtaod.ErrAmountTooLow, gross, p.MinStake)
		}
		net, _, next, q, err := sellLeg(from, amount, fee, p.MinPoolLiquidity)
		if err != nil {
			return trade{}, err
		}
		return trade{in: amount, out: uint64(net), fee: uint64(fee), from: next, to: next, leg: q}, nil
	}
	// move: sell on the origin, stake the TAO between the legs on the destination, half the fee
	// on each leg.
	half := fee / 2
	gross, err := sellGross(from, amount, p.MinPoolLiquidity)
	if err != nil {
		return trade{}, err
	}
	if gross <= p.MinStake {
		return trade{}, fmt.Errorf("%w: the first leg yields %d rao, must exceed min_stake %d", dtaod.ErrAmountTooLow, gross, p.MinStake)
	}
	legMin, ok := dtaod.AddTAO(p.MinStake, half)
	if !ok {
		return trade{}, fmt.Errorf("%w: min_stake + fee/2 exceeds u64", dtaod.ErrOverflow)
	}
	net, _, fromAfter, _, err := sellLeg(from, amount, half, p.MinPoolLiquidity)
	if err != nil {
		return trade{}, err
	}
	if net < legMin {
		return trade{}, fmt.Errorf("%w: %d rao between the legs < min_stake + fee/2 = %d", dtaod.ErrAmountTooLow, net, legMin)
	}
	dest := to
	if same && !from.root {
		dest = fromAfter // one subnet: the second leg trades against the first's result
	}
	alpha, toAfter, _, err := buyLeg(dest, net, half, p.MinPoolLiquidity)
	if err != nil {
		return trade{}, err
	}
	if same && !from.root {
		fromAfter = toAfter
	}
	return trade{in: amount, out: alpha, fee: uint64(2 * half), from: fromAfter, to: toAfter}, nil
}

// exactIn finds the amount to put in for want out, then simulates it, so an exact-out quote
// is an exact-in quote of the least amount that delivers at least want.
func exactIn(p *dtaod.Params, kind string, from, to market, same bool, want uint64) (trade, error) {
	fee, minLiq := p.StakingFee, p.MinPoolLiquidity
	half := fee / 2
	// buyFor is the gross TAO a buy on m needs to deliver want alpha; sellFor the alpha a sell on
	// m needs to net want TAO.
	buyFor := func(m market, want uint64, fee dtaod.TAO) (uint64, error) {
		x := want
		if !m.root {
			t, err := amm.TAOForAlpha(m.pool, dtaod.Alpha(want), minLiq)
			if err != nil {
				return 0, err
			}
			x = uint64(t)
		}
		g, ok := dtaod.AddTAO(dtaod.TAO(x), fee)
		if !ok {
			return 0, fmt.Errorf("%w: the amount in would exceed u64", dtaod.ErrOverflow)
		}
		return uint64(g), nil
	}
	sellFor := func(m market, want uint64, fee dtaod.TAO) (uint64, error) {
		g, ok := dtaod.AddTAO(dtaod.TAO(want), fee)
		if !ok {
			return 0, fmt.Errorf("%w: the amount in would exceed u64", dtaod.ErrOverflow)
		}
		if m.root {
			return uint64(g), nil
		}
		a, err := amm.AlphaForTAO(m.pool, g, minLiq)
		return uint64(a), err
	}
	var a uint64
	var err error
	switch {
	case kind == "stake":
		a, err = buyFor(from, want, fee)
	case kind == "unstake":
		a, err = sellFor(from, want, fee)
	case same && !from.root:
		// Both legs on one pool: the second depends on the first; the output grows with the
		// input, so search for the least input that delivers want.
		return searchIn(p, from, want)
	default:
		var t uint64
		if t, err = buyFor(to, want, half); err == nil {
			a, err = sellFor(from, t, half)
		}
	}
	if err != nil {
		return trade{}, err
	}
	t, err := simulate(p, kind, from, to, same, a)
	if err == nil && t.out < want {
		err = fmt.Errorf("%w: %d in delivers %d, not %d", dtaod.ErrInsufficientLiquidity, a, t.out, want)
	}
	return t, err
}

// searchIn is exactIn for a move within one subnet: the least alpha whose move delivers want,
// by bisection over the engine's own simulation. Inputs that fail for being too small count as
// delivering nothing; inputs too large for the pool end the search with their error.
func searchIn(p *dtaod.Params, m market, want uint64) (trade, error) {
	enough := func(a uint64) bool {
		t, err := simulate(p, "move", m, m, true, a)
		if err != nil {
			return !errors.Is(err, dtaod.ErrAmountTooLow)
		}
		return t.out >= want
	}
	lo, hi := uint64(1), uint64(math.MaxUint64)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if enough(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return simulate(p, "move", m, m, true, lo)
}

// largest returns the largest x in [0, hi] with ok(x), given ok(0) and ok non-increasing.
func largest(hi uint64, ok func(uint64) bool) uint64 {
	lo := uint64(0)
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// ulp is the smallest step of the 18-digit grid.
func plusUlp(p dtaod.Price) dtaod.Price {
	v := p.Scaled()
	v.AddUint64(&v, 1)
	return dtaod.PriceFromScaled(&v)
}

// limitFor is the limit price that makes the order fail rather than deliver less than m. It
// moves the market against the order along its own curve (others buying before a stake,
// selling before an unstake or before a move's origin leg, buying the destination of a move
// from root) to the furthest point at which the order still delivers m, and takes the order's
// final price there: a buy's limit is a highest price (rounded down), a sell's and a move's a
// lowest price or ratio (rounded up). Where the price cannot move (root, a move within one
// subnet) the limit is 1.
func limitFor(p *dtaod.Params, kind string, from, to market, same bool, in, m uint64) dtaod.Price {
	delivers := func(f, t market) (trade, bool) {
		tr, err := simulate(p, kind, f, t, same, in)
		return tr, err == nil && tr.out >= m
	}
	buyShift := func(mk market, x uint64) (market, bool) {
		_, next, err := amm.BuyAlpha(mk.pool, dtaod.TAO(x), 0)
		return market{pool: next}, err == nil
	}
	sellShift := func(mk market, y uint64) (market, bool) {
		_, next, err := amm.SellAlpha(mk.pool, dtaod.Alpha(y), 0)
		return market{pool: next}, err == nil
	}
	// furthest shifts market mk against the order by the largest amount at which the order,
	// placed by place on the shifted market, still delivers m, and returns the trade there.
	furthest := func(mk market, hi uint64, shift func(market, uint64) (market, bool), place func(market) (market, market)) trade {
		at := func(v uint64) (trade, bool) {
			moved, ok := shift(mk, v)
			if !ok {
				return trade{}, false
			}
			return delivers(place(moved))
		}
		tr, _ := at(largest(hi, func(v uint64) bool { _, ok := at(v); return ok }))
		return tr
	}
	itself := func(mk market) (market, market) { return mk, mk }
	switch {
	case (kind == "stake" || kind == "unstake") && from.root:
		return one
	case kind == "stake":
		return furthest(from, math.MaxUint64-uint64(from.pool.TAO), buyShift, itself).leg.SpotAfter
	case kind == "unstake":
		return plusUlp(furthest(from, math.MaxUint64-uint64(from.pool.Alpha), sellShift, itself).leg.SpotAfter)
	case same || from.root && to.root:
		return one
	case !from.root:
		tr := furthest(from, math.MaxUint64-uint64(from.pool.Alpha), sellShift, func(mk market) (market, market) { return mk, to })
		return plusUlp(ratioPrice(tr.from, tr.to))
	default: // from root into a subnet: the destination's price rising hurts
		tr := furthest(to, math.MaxUint64-uint64(to.pool.TAO), buyShift, func(mk market) (market, market) { return from, mk })
		return plusUlp(ratioPrice(tr.from, tr.to))
	}
}

// maxFill is the most amount_in that fills at limit l by the engine's limit rules (its
// maxMove for moves); 2^64-1 when the limit never binds.
func maxFill(kind string, from, to market, same bool, l dtaod.Price) uint64 {
	unlimitedIf := func(ok bool) uint64 {
		if ok {
			return math.MaxUint64
		}
		return 0
	}
	switch {
	case kind == "stake" && from.root:
		return unlimitedIf(l.Cmp(one) >= 0)
	case kind == "stake":
		return uint64(amm.MaxBuy(from.pool, l))
	case kind == "unstake" && from.root:
		return unlimitedIf(l.Cmp(one) <= 0)
	case kind == "unstake":
		return uint64(amm.MaxSell(from.pool, l))
	case l.IsZero():
		return math.MaxUint64
	case same || from.root && to.root:
		return unlimitedIf(l.Cmp(one) <= 0)
	case from.root:
		return uint64(amm.MaxBuy(to.pool, invert(l)))
	case to.root:
		return uint64(amm.MaxSell(from.pool, l))
	}
	return uint64(amm.MaxMove(from.pool, to.pool, l))
}

// invert returns 1/L on the 18-digit grid, rounded down, as the engine does for a move from
// root.
func invert(l dtaod.Price) dtaod.Price {
	var v uint256.Int
	v.Exp(uint256.NewInt(10), uint256.NewInt(36))
	s := l.Scaled()
	v.Div(&v, &s)
	return dtaod.PriceFromScaled(&v)
}

// impact is |exec - before| / before on the 18-digit grid, rounded down.
func impact(exec, before dtaod.Price) dtaod.Price {
	if before.IsZero() {
		return dtaod.Price{}
	}
	e, b := exec.Scaled(), before.Scaled()
	var d uint256.Int
	if e.Cmp(&b) >= 0 {
		d.Sub(&e, &b)
	} else {
		d.Sub(&b, &e)
	}
	d.Mul(&d, uint256.NewInt(dtaod.FixedOne))
	d.Div(&d, &b)
	return dtaod.PriceFromScaled(&d)
}

// computeQuote prices a validated request on q.
func computeQuote(q *node.QuoteView, in quoteInput) (quoteResult, error) {
	p := &q.Params
	from, to := marketOf(q, in.from), marketOf(q, in.to)
	same := in.from == in.to
	var t trade
	var err error
	if in.exactOut {
		t, err = exactIn(p, in.kind, from, to, same, in.amount)
	} else {
		t, err = simulate(p, in.kind, from, to, same, in.amount)
	}
	if err != nil {
		return quoteResult{}, err
	}
	res := quoteResult{in: t.in, out: t.out, fee: t.fee}
	switch in.kind {
	case "stake":
		res.inUnit, res.outUnit = "tao", unitOf(in.to)
		res.before, res.exec, res.after, res.impact = t.leg.SpotBefore, t.leg.ExecutionPrice, t.leg.SpotAfter, t.leg.PriceImpact
	case "unstake":
		res.inUnit, res.outUnit = unitOf(in.from), "tao"
		res.before, res.exec, res.after, res.impact = t.leg.SpotBefore, t.leg.ExecutionPrice, t.leg.SpotAfter, t.leg.PriceImpact
	default:
		res.inUnit, res.outUnit = unitOf(in.from), unitOf(in.to)
		res.before = ratioPrice(from, to)
		res.exec = ratioPrice(market{pool: amm.Pool{TAO: dtaod.TAO(t.out), Alpha: dtaod.Alpha(t.in)}}, market{root: true})
		res.after = ratioPrice(t.from, t.to)
		res.impact = impact(res.exec, res.before)
	}
	// min_received = floor(out x (1 - tolerance)).
	keep := one.Scaled()
	tol := in.tol.Scaled()
	keep.Sub(&keep, &tol)
	res.minReceived = mulPrice(t.out, dtaod.PriceFromScaled(&keep)).Uint64()
	res.limit = limitFor(p, in.kind, from, to, same, t.in, res.minReceived)
	res.maxFill = maxFill(in.kind, from, to, same, res.limit)
	return res, nil
}
