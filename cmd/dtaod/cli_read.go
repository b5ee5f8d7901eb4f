package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/dtaod/dtaod/client"
	"github.com/holiman/uint256"
)

// subnetsUsage is `dtaod subnets -h`.
const subnetsUsage = `  dtaod subnets list           every subnet: price, reserves, emission share, volume
  dtaod subnets show NETUID    one subnet's pool and its neurons
`

// subnetsCmd is `dtaod subnets list|show`.
func subnetsCmd(args []string, stdout, stderr io.Writer) int {
	return dispatch("subnets", subnetsUsage, []subcommand{
		{"list", subnetsList},
		{"show", subnetsShow},
	}, args, stdout, stderr)
}

// symbolName is a subnet's symbol and name for a table cell.
func symbolName(s *client.Subnet) string {
	if s.Name == "" {
		return s.Symbol
	}
	return s.Symbol + " " + s.Name
}

func subnetsList(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod subnets list", "[flags]", stdout, stderr)
	if _, code, ok := c.parse(args, 0); !ok {
		return code
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()
	subnets, block, err := cl.Subnets(ctx)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		c.printJSON(map[string]any{"block": block, "subnets": subnets})
		return exitOK
	}
	tw := table(stdout)
	fmt.Fprintln(tw, "NETUID\tNAME\tPRICE (TAO)\tTAO_IN\tALPHA_IN\tEMISSION\tVOLUME (TAO)")
	for i := range subnets {
		s := &subnets[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.NetUID, symbolName(s), fmtPrice(s.Price, 9),
			s.TAOIn.Display(), s.AlphaIn.Display(), fmtPercent(s.EmissionShare), s.Volume.Display())
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "%d subnets at block %d\n", len(subnets), block)
	return exitOK
}

// parseNetUID reads a netuid argument or flag value.
func parseNetUID(what, s string) (uint16, error) {
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%s %q: must be a subnet id from 0 to 65535", what, s)
	}
	return uint16(v), nil
}

func subnetsShow(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod subnets show", "NETUID [flags]", stdout, stderr)
	pos, code, ok := c.parse(args, 1)
	if !ok {
		return code
	}
	netuid, err := parseNetUID("NETUID", pos[0])
	if err != nil {
		return c.usageErr("%v", err)
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()
	s, err := cl.Subnet(ctx, netuid)
	if err != nil {
		return c.fail(err)
	}
	neurons, _, err := cl.Neurons(ctx, netuid)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		c.printJSON(map[string]any{"subnet": s, "neurons": neurons})
		return exitOK
	}
	tw := table(stdout)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("netuid", strconv.Itoa(int(s.NetUID)))
	row("name", symbolName(s))
	row("block", strconv.FormatUint(s.Block, 10))
	row("price", s.Price.String()+" TAO per alpha")
	row("moving price", s.MovingPrice.String())
	row("tao_in", s.TAOIn.String())
	row("alpha_in", s.AlphaIn.String())
	row("alpha_out", s.AlphaOut.String())
	row("market cap", s.MarketCap.String())
	row("emission share", fmtPercent(s.EmissionShare))
	row("emission this block", fmt.Sprintf("%s in pool, %s in pool, %s to participants",
		s.TAOInEmission, s.AlphaInEmission, s.AlphaOutEmission))
	row("volume", s.Volume.String())
	row("tempo", strconv.Itoa(int(s.Tempo)))
	row("owner", s.OwnerColdkey+" (hotkey "+s.OwnerHotkey+")")
	row("registration", map[bool]string{true: "open", false: "closed"}[s.RegistrationAllowed])
	_ = tw.Flush()

	var permits int
	var stake uint256.Int
	for _, n := range neurons {
		if n.ValidatorPermit {
			permits++
		}
		stake.Add(&stake, uint256.NewInt(n.Stake.Value))
	}
	fmt.Fprintf(stdout, "\n%d neurons, %d with validator permits, %s alpha staked\n\n", len(neurons), permits,
		client.WideAmount{Value: stake, Unit: "alpha"}.Display())
	if len(neurons) == 0 {
		return exitOK
	}
	tw = table(stdout)
	fmt.Fprintln(tw, "UID\tHOTKEY\tCOLDKEY\tSTAKE\tPERMIT\tINCENTIVE\tDIVIDENDS\tEMISSION\tACTIVE")
	for _, n := range neurons {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.UID, n.Hotkey, n.Coldkey, n.Stake.Display(),
			yesNo(n.ValidatorPermit), fmtPrice(n.Incentive, 6), fmtPrice(n.Dividends, 6), n.Emission.Display(), yesNo(n.Active))
	}
	_ = tw.Flush()
	return exitOK
}

// quoteCmd is `dtaod quote stake|unstake|move`.
func quoteCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || isHelp(args[0]) {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, `  dtaod quote stake   --netuid N --amount X [--out] [--rao] [--tolerance 0.5%]   TAO for alpha of N
  dtaod quote unstake --netuid N --amount X [--out] [--rao] [--tolerance 0.5%]   alpha of N for TAO
  dtaod quote move    --from-netuid A --to-netuid B --amount X [--out] [...]      alpha of A for alpha of B

--amount is what you spend, in tokens (1.5) or with --rao in base units; with --out it is what
you want to receive. --tolerance is a percentage (0.5%) or a fraction (0.005).
`)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	kind := args[0]
	if kind != "stake" && kind != "unstake" && kind != "move" {
		fmt.Fprintf(stderr, "dtaod quote: unknown kind %q (want stake, unstake or move)\n", kind)
		return exitUsage
	}
	c := newCLI("dtaod quote "+kind, "--amount X [flags]", stdout, stderr)
	var tf tradeFlags
	tf.register(c.fs, kind == "move")
	out := c.fs.Bool("out", false, "--amount is the amount to receive (an exact-out quote)")
	if _, code, ok := c.parse(args[1:], 0); !ok {
		return code
	}
	req, err := tf.quoteRequest(kind, *out)
	if err != nil {
		return c.usageErr("%v", err)
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()
	q, err := cl.Quote(ctx, req)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		c.printJSON(q)
		return exitOK
	}
	printQuote(stdout, q, req)
	return exitOK
}

// printQuote shows a quote: what goes in, what comes out, the fee, the prices and the
// protection the order will carry.
func printQuote(w io.Writer, q *client.Quote, req client.QuoteRequest) {
	tw := table(w)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	price := "TAO per alpha"
	switch req.Kind {
	case "stake":
		row("quote", fmt.Sprintf("stake TAO for alpha of subnet %d (block %d)", req.NetUID, q.Block))
	case "unstake":
		row("quote", fmt.Sprintf("unstake alpha of subnet %d for TAO (block %d)", req.NetUID, q.Block))
	case "move":
		row("quote", fmt.Sprintf("move alpha of subnet %d to subnet %d (block %d)", req.FromNetUID, req.ToNetUID, q.Block))
		price = fmt.Sprintf("price(%d) / price(%d)", req.FromNetUID, req.ToNetUID)
	}
	row("amount in", q.AmountIn.String())
	row("expected out", q.AmountOut.String())
	row("fee", q.Fee.String())
	row("spot price", q.SpotPriceBefore.String()+" "+price)
	row("execution price", q.ExecutionPrice.String())
	row("price after", q.PriceAfter.String())
	row("price impact", fmtPercent(q.PriceImpact))
	tol := req.Tolerance
	if tol == "" {
		tol = "0.005"
	}
	row("min received", q.MinReceived.String()+" (tolerance "+fmtTolerance(tol)+")")
	row("limit price", q.LimitPrice.String())
	row("max fill at limit", q.MaxFillAtLimit.String())
	_ = tw.Flush()
}

// walletBalance is `dtaod wallet balance [NAME|ADDRESS]`.
func walletBalance(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod wallet balance", "[NAME|ADDRESS] [flags]", stdout, stderr)
	wallet := c.fs.String("wallet", "", "the key `name` (or address) to show; the only key of the keystore by default")
	pos, code, ok := c.parse(args, -1)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		return c.usageErr("unexpected argument %q", pos[1])
	}
	who := *wallet
	if len(pos) == 1 {
		who = pos[0]
	}
	addr, err := c.accountArg(who)
	if err != nil {
		return c.usageErr("%v", err)
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()
	acct, err := cl.Account(ctx, addr)
	if err != nil {
		return c.fail(err)
	}
	if c.json {
		c.printJSON(acct)
		return exitOK
	}
	tw := table(stdout)
	fmt.Fprintf(tw, "address\t%s\n", acct.Address)
	fmt.Fprintf(tw, "free\t%s\n", acct.Free)
	fmt.Fprintf(tw, "nonce\t%d\n", acct.Nonce)
	fmt.Fprintf(tw, "block\t%d\n", acct.Block)
	_ = tw.Flush()
	if len(acct.Positions) == 0 {
		fmt.Fprintln(stdout, "\nno stake")
		return exitOK
	}
	fmt.Fprintln(stdout)
	var spot, sold uint256.Int
	sold.SetUint64(acct.Free.Value)
	tw = table(stdout)
	fmt.Fprintln(tw, "NETUID\tHOTKEY\tSTAKE\tVALUE AT SPOT (TAO)\tVALUE IF SOLD (TAO)")
	for _, p := range acct.Positions {
		ifSold := p.ValueIfSold.Display()
		if p.ValueIfSoldReason != "" {
			ifSold += " (" + p.ValueIfSoldReason + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.NetUID, p.Hotkey, p.Alpha, p.ValueSpot.Display(), ifSold)
		spot.Add(&spot, &p.ValueSpot.Value)
		sold.Add(&sold, uint256.NewInt(p.ValueIfSold.Value))
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "\nstake at spot %s; free plus stake if sold %s\n",
		client.WideAmount{Value: spot, Unit: "tao"}, client.WideAmount{Value: sold, Unit: "tao"})
	return exitOK
}

// accountArg resolves a wallet argument: a key name or an address; empty means the keystore's
// only key.
func (c *cli) accountArg(who string) (string, error) {
	if who != "" {
		return c.resolveAddress(who)
	}
	ks, err := c.openKeystore()
	if err != nil {
		return "", err
	}
	entries := ks.List()
	if len(entries) != 1 {
		return "", fmt.Errorf("name the wallet (a key name or an address): the keystore %s has %d keys", ks.Path(), len(entries))
	}
	return entries[0].Address, nil
}
