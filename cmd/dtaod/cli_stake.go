package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/client"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
)

// tradeFlags are the flags that say what a quote or a stake order trades.
type tradeFlags struct {
	netuid, fromNetuid, toNetuid string
	amount                       string
	rao                          bool
	tolerance                    string
}

// register adds --netuid (or --from-netuid and --to-netuid for a move), --amount, --rao and
// --tolerance.
func (t *tradeFlags) register(fs *flag.FlagSet, move bool) {
	if move {
		fs.StringVar(&t.fromNetuid, "from-netuid", "", "the subnet whose alpha is sold")
		fs.StringVar(&t.toNetuid, "to-netuid", "", "the subnet whose alpha is bought")
	} else {
		fs.StringVar(&t.netuid, "netuid", "", "the subnet")
	}
	fs.StringVar(&t.amount, "amount", "", "the amount, in tokens with up to 9 decimals (1.5), or in base units with --rao")
	fs.BoolVar(&t.rao, "rao", false, "--amount is an integer of base units (1 TAO = 1000000000 rao)")
	fs.StringVar(&t.tolerance, "tolerance", "0.5%", "the slippage accepted from the quoted output: a percentage (0.5%) or a fraction (0.005)")
}

// netuidFlag parses a required netuid flag.
func netuidFlag(name, v string) (uint16, error) {
	if v == "" {
		return 0, fmt.Errorf("--%s is required", name)
	}
	return parseNetUID("--"+name, v)
}

// quoteRequest builds the quote the flags describe.
func (t *tradeFlags) quoteRequest(kind string, exactOut bool) (client.QuoteRequest, error) {
	q := client.QuoteRequest{Kind: kind, ExactOut: exactOut}
	var err error
	if kind == "move" {
		if q.FromNetUID, err = netuidFlag("from-netuid", t.fromNetuid); err != nil {
			return q, err
		}
		if q.ToNetUID, err = netuidFlag("to-netuid", t.toNetuid); err != nil {
			return q, err
		}
	} else if q.NetUID, err = netuidFlag("netuid", t.netuid); err != nil {
		return q, err
	}
	if q.Amount, err = parseAmount("--amount", t.amount, t.rao); err != nil {
		return q, err
	}
	if q.Tolerance, err = parseTolerance(t.tolerance); err != nil {
		return q, err
	}
	return q, nil
}

// stakeUsage is `dtaod stake -h`.
const stakeUsage = `  dtaod stake add      --wallet NAME --hotkey HK --netuid N --amount TAO
  dtaod stake remove   --wallet NAME --hotkey HK --netuid N --amount ALPHA
  dtaod stake move     --wallet NAME --from-hotkey HK --to-hotkey HK --from-netuid A --to-netuid B --amount ALPHA
  dtaod stake transfer --wallet NAME --to COLDKEY --hotkey HK --from-netuid A [--to-netuid B] --amount ALPHA
  dtaod stake swap     --wallet NAME --hotkey HK --from-netuid A --to-netuid B --amount ALPHA

Each quotes the trade first, shows the quote and asks "Proceed? [y/N]" (--yes skips it), then
signs the order with the wallet's key, limited to the quote's limit price so it fails rather
than give less than the quote's minimum (--tolerance, default 0.5%; --partial fills what the
limit allows instead), and waits for its receipt (--wait 30s; --no-wait). Exit code 0 when the
order ran, 1 when it was refused or failed, 3 when it was still pending at the end of the wait.
HK and COLDKEY are key names of the keystore or addresses.
`

// stakeCmd is `dtaod stake add|remove|move|transfer|swap`.
func stakeCmd(args []string, stdout, stderr io.Writer) int {
	return dispatch("stake", stakeUsage, []subcommand{
		{"add", stakeVerb("add")},
		{"remove", stakeVerb("remove")},
		{"move", stakeVerb("move")},
		{"transfer", stakeVerb("transfer")},
		{"swap", stakeVerb("swap")},
	}, args, stdout, stderr)
}

// stakeTrade runs one stake command: build the order from the flags, quote it, confirm, sign,
// send and wait for the receipt.
func stakeTrade(sub string, args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod stake "+sub, "--wallet NAME ... [flags]", stdout, stderr)
	var tf tradeFlags
	var wf waitFlags
	wallet := c.fs.String("wallet", "", "the key `name` of the coldkey that signs")
	partial := c.fs.Bool("partial", false, "fill what the limit price allows instead of failing")
	var hotkey, fromHotkey, toHotkey, to string
	move := sub != "add" && sub != "remove"
	tf.register(c.fs, move)
	wf.register(c.fs, true)
	switch sub {
	case "add", "remove", "transfer", "swap":
		c.fs.StringVar(&hotkey, "hotkey", "", "the hotkey (a key name or an address)")
	case "move":
		c.fs.StringVar(&fromHotkey, "from-hotkey", "", "the hotkey the stake leaves")
		c.fs.StringVar(&toHotkey, "to-hotkey", "", "the hotkey the stake goes to (default: --from-hotkey)")
	}
	if sub == "transfer" {
		c.fs.StringVar(&to, "to", "", "the coldkey that receives the stake (a key name or an address)")
	}
	if _, code, ok := c.parse(args, 0); !ok {
		return code
	}
	if *wallet == "" {
		return c.usageErr("--wallet is required (a key name; see dtaod keys list)")
	}
	if sub == "move" && toHotkey == "" {
		toHotkey = fromHotkey
	}
	if move && tf.toNetuid == "" && (sub == "transfer" || sub == "move") {
		tf.toNetuid = tf.fromNetuid // same subnet: a change of hotkey or of owner only
	}
	kind := map[string]string{"add": "stake", "remove": "unstake"}[sub]
	if move {
		kind = "move"
	}
	req, err := tf.quoteRequest(kind, false)
	if err != nil {
		return c.usageErr("%v", err)
	}
	o := &pools.Order{Amount: req.Amount, AllowPartial: *partial, NetUID: dtaod.NetUID(req.NetUID),
		FromNetUID: dtaod.NetUID(req.FromNetUID), ToNetUID: dtaod.NetUID(req.ToNetUID)}
	resolve := func(flagName, v string) (string, error) {
		if v == "" {
			return "", fmt.Errorf("--%s is required", flagName)
		}
		return c.resolveAddress(v)
	}
	switch sub {
	case "add":
		o.Kind = pools.AddStake
		o.Hotkey, err = resolve("hotkey", hotkey)
	case "remove":
		o.Kind = pools.RemoveStake
		o.Hotkey, err = resolve("hotkey", hotkey)
	case "move":
		o.Kind = pools.MoveStake
		if o.FromHotkey, err = resolve("from-hotkey", fromHotkey); err == nil {
			o.ToHotkey, err = resolve("to-hotkey", toHotkey)
		}
	case "transfer":
		o.Kind = pools.TransferStake
		if o.Hotkey, err = resolve("hotkey", hotkey); err == nil {
			o.ToColdkey, err = resolve("to", to)
		}
		o.FromHotkey, o.ToHotkey = o.Hotkey, o.Hotkey
	case "swap":
		o.Kind = pools.SwapStake
		o.Hotkey, err = resolve("hotkey", hotkey)
		o.FromHotkey, o.ToHotkey = o.Hotkey, o.Hotkey
	}
	if err != nil {
		return c.usageErr("%v", err)
	}
	key, err := c.key(*wallet)
	if err != nil {
		return c.fail(err)
	}
	o.Coldkey = key.Address()
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()

	// A move within one subnet swaps nothing: there is no price to protect, so no quote.
	var q *client.Quote
	if !move || req.FromNetUID != req.ToNetUID {
		if q, err = cl.Quote(ctx, req); err != nil {
			return c.fail(fmt.Errorf("quote: %w", err))
		}
		o.HasLimit, o.LimitPrice = true, q.LimitPrice.Price
		printQuote(c.info(), q, req)
		if *partial {
			fmt.Fprintf(c.info(), "partial fills allowed: at most %s fills at the limit price\n", q.MaxFillAtLimit)
		}
	} else {
		fmt.Fprintf(c.info(), "%s %s of subnet %d (no swap within one subnet)\n", sub,
			client.Amount{Value: req.Amount, Unit: unitOf(req.FromNetUID)}, req.FromNetUID)
	}
	if !wf.yes && !c.confirm("Proceed?") {
		fmt.Fprintln(c.stderr, "aborted: nothing was sent")
		return exitFail
	}
	extra := map[string]any{}
	if q != nil {
		extra["quote"] = q
	}
	return c.sendOrder(ctx, cl, key, o, wf.duration(), extra)
}

// unitOf is the unit of a subnet's stake: TAO on root, its alpha elsewhere.
func unitOf(netuid uint16) string {
	if netuid == 0 {
		return "tao"
	}
	return fmt.Sprintf("alpha:%d", netuid)
}

// sendOrder signs and sends o, waits for its receipt (unless wait is 0) and reports it. extra
// goes into the --json output beside the order. The exit code says how the order ended.
func (c *cli) sendOrder(ctx context.Context, cl *client.Client, key *keys.Key, o *pools.Order, wait time.Duration, extra map[string]any) int {
	ord, _, err := cl.Send(ctx, key, o, wait)
	if err != nil && ord == nil {
		return c.fail(err)
	}
	if c.json {
		out := map[string]any{"order": ord}
		for k, v := range extra {
			out[k] = v
		}
		c.printJSON(out)
	} else {
		printOrder(c.stdout, ord, cl.BaseURL())
	}
	switch {
	case ord.Included() && ord.Receipt.OK:
		return exitOK
	case ord.Included():
		if c.json {
			fmt.Fprintf(c.stderr, "%s: the order failed: %s\n", c.name, ord.Receipt.Code)
		}
		return exitFail
	case wait > 0:
		fmt.Fprintf(c.stderr, "%s: order %d is still pending after %s\n", c.name, ord.Seq, wait)
		return exitPending
	}
	return exitOK
}

// printOrder shows an order's outcome: pending, or its receipt.
func printOrder(w io.Writer, o *client.Order, base string) {
	if !o.Included() {
		fmt.Fprintf(w, "order %d accepted, pending; its receipt: %s/v1/orders/%d\n", o.Seq, base, o.Seq)
		return
	}
	r := o.Receipt
	block := uint64(0)
	if o.IncludedBlock != nil {
		block = *o.IncludedBlock
	}
	if !r.OK {
		fmt.Fprintf(w, "order %d FAILED in block %d: %s: %s (nothing changed)\n", o.Seq, block, r.Code, r.Message)
		return
	}
	fmt.Fprintf(w, "order %d ok in block %d\n", o.Seq, block)
	tw := table(w)
	if r.TAO.Value != 0 {
		fmt.Fprintf(tw, "  tao\t%s\n", r.TAO)
	}
	if r.Alpha.Value != 0 {
		fmt.Fprintf(tw, "  alpha\t%s\n", r.Alpha)
	}
	if r.Fee.Value != 0 {
		fmt.Fprintf(tw, "  fee\t%s\n", r.Fee)
	}
	var call struct {
		Type       string `json:"type"`
		FromNetUID uint16 `json:"from_netuid"`
		ToNetUID   uint16 `json:"to_netuid"`
	}
	_ = json.Unmarshal(o.Call, &call)
	switch {
	case strings.HasSuffix(call.Type, "_stake") && call.Type != "add_stake" && call.Type != "remove_stake":
		// The engine reports a move's origin price before and its destination price after.
		fmt.Fprintf(tw, "  price before\t%s (subnet %d)\n", r.PriceBefore, call.FromNetUID)
		fmt.Fprintf(tw, "  price after\t%s (subnet %d)\n", r.PriceAfter, call.ToNetUID)
	case r.PriceBefore.Cmp(r.PriceAfter.Price) != 0:
		fmt.Fprintf(tw, "  price\t%s -> %s\n", r.PriceBefore, r.PriceAfter)
	}
	_ = tw.Flush()
}

// stakeVerb is stakeTrade for one verb of `dtaod stake`.
func stakeVerb(verb string) func(args []string, stdout, stderr io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int { return stakeTrade(verb, args, stdout, stderr) }
}

// walletUsage is `dtaod wallet -h`.
const walletUsage = `  dtaod wallet balance [NAME|ADDRESS]                      free TAO and stake, valued at spot and if sold
  dtaod wallet transfer --wallet NAME --to ADDRESS --amount TAO [--yes]   send TAO
  dtaod wallet faucet [NAME|ADDRESS] --amount TAO          mint TAO on a dev chain (needs --admin-token)
`

// walletCmd is `dtaod wallet balance|transfer|faucet`.
func walletCmd(args []string, stdout, stderr io.Writer) int {
	return dispatch("wallet", walletUsage, []subcommand{
		{"balance", walletBalance},
		{"transfer", walletTransfer},
		{"faucet", walletFaucet},
	}, args, stdout, stderr)
}

func walletTransfer(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod wallet transfer", "--wallet NAME --to ADDRESS --amount TAO [flags]", stdout, stderr)
	var wf waitFlags
	wallet := c.fs.String("wallet", "", "the key `name` of the sending coldkey")
	to := c.fs.String("to", "", "the receiving account (a key name or an address)")
	amount := c.fs.String("amount", "", "TAO to send (1.5), or rao with --rao")
	rao := c.fs.Bool("rao", false, "--amount is in rao")
	wf.register(c.fs, true)
	if _, code, ok := c.parse(args, 0); !ok {
		return code
	}
	if *wallet == "" {
		return c.usageErr("--wallet is required (a key name; see dtaod keys list)")
	}
	if *to == "" {
		return c.usageErr("--to is required")
	}
	amt, err := parseAmount("--amount", *amount, *rao)
	if err != nil {
		return c.usageErr("%v", err)
	}
	dest, err := c.resolveAddress(*to)
	if err != nil {
		return c.fail(err)
	}
	key, err := c.key(*wallet)
	if err != nil {
		return c.fail(err)
	}
	cl, ctx, cancel, err := c.connect()
	if err != nil {
		return c.usageErr("%v", err)
	}
	defer cancel()
	fmt.Fprintf(c.info(), "send %s from %s to %s\n", dtaod.TAO(amt).String()+" TAO", key.Address(), dest)
	if !wf.yes && !c.confirm("Proceed?") {
		fmt.Fprintln(c.stderr, "aborted: nothing was sent")
		return exitFail
	}
	o := &pools.Order{Kind: pools.Transfer, Coldkey: key.Address(), ToColdkey: dest, Amount: amt}
	return c.sendOrder(ctx, cl, key, o, wf.duration(), nil)
}

func walletFaucet(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod wallet faucet", "[NAME|ADDRESS] --amount TAO [flags]", stdout, stderr)
	var wf waitFlags
	wallet := c.fs.String("wallet", "", "the key `name` (or address) to fund; the only key of the keystore by default")
	amount := c.fs.String("amount", "", "TAO to mint (1.5), or rao with --rao")
	rao := c.fs.Bool("rao", false, "--amount is in rao")
	wf.register(c.fs, false)
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
	amt, err := parseAmount("--amount", *amount, *rao)
	if err != nil {
		return c.usageErr("%v", err)
	}
	if c.adminToken == "" {
		return c.usageErr("the faucet needs the server's admin token: --admin-token or DTAOD_ADMIN_TOKEN (dtaod serve logs it)")
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
	acc, err := cl.Faucet(ctx, addr, dtaod.TAO(amt))
	if err != nil {
		if errors.Is(err, client.ErrNotFound) {
			err = fmt.Errorf("%w (the faucet exists only on a chain started with the dev genesis)", err)
		}
		return c.fail(err)
	}
	ord := &client.Order{Block: acc.Block, Seq: acc.Seq, Status: acc.Status}
	if w := wf.duration(); w > 0 {
		wctx, wcancel := context.WithTimeout(ctx, w)
		got, err := cl.WaitOrder(wctx, acc.Seq, 0)
		wcancel()
		switch {
		case err == nil:
			ord = got
		case wctx.Err() == nil:
			return c.fail(err)
		}
	}
	if c.json {
		c.printJSON(map[string]any{"address": addr, "amount": client.Amount{Value: amt, Unit: "tao"}, "order": ord})
	} else if ord.Included() {
		fmt.Fprintf(stdout, "faucet: %s TAO to %s in block %d\n", dtaod.TAO(amt), addr, *ord.IncludedBlock)
	} else {
		fmt.Fprintf(stdout, "faucet: %s TAO to %s: order %d pending\n", dtaod.TAO(amt), addr, ord.Seq)
	}
	switch {
	case ord.Included() && !ord.Receipt.OK:
		fmt.Fprintf(stderr, "%s: the faucet order failed: %s %s\n", c.name, ord.Receipt.Code, ord.Receipt.Message)
		return exitFail
	case !ord.Included() && wf.duration() > 0:
		fmt.Fprintf(stderr, "%s: order %d is still pending after %s\n", c.name, ord.Seq, wf.duration())
		return exitPending
	}
	return exitOK
}
