package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// weightsUsage is `dtaod weights -h`.
const weightsUsage = `  dtaod weights set --wallet HOTKEYNAME --netuid N UID=WEIGHT ...

Sets a validator's weights on a subnet, signed by the hotkey's key (HOTKEYNAME in the keystore):
each UID=WEIGHT gives a neuron's uid a weight from 0 to 65535 (the chain scales them so the
largest is 65535), e.g. 4=65535 5=32768. Waits for the receipt (--wait 30s; --no-wait).
`

// weightsCmd is `dtaod weights set`.
func weightsCmd(args []string, stdout, stderr io.Writer) int {
	return dispatch("weights", weightsUsage, []subcommand{
		{"set", weightsSet},
	}, args, stdout, stderr)
}

// weightsSet is `dtaod weights set`.
func weightsSet(args []string, stdout, stderr io.Writer) int {
	c := newCLI("dtaod weights set", "--wallet HOTKEYNAME --netuid N UID=WEIGHT ... [flags]", stdout, stderr)
	var wf waitFlags
	wallet := c.fs.String("wallet", "", "the key `name` of the hotkey that signs")
	netuid := c.fs.String("netuid", "", "the subnet")
	wf.register(c.fs, false)
	pos, code, ok := c.parse(args, -1)
	if !ok {
		return code
	}
	if *wallet == "" {
		return c.usageErr("--wallet is required (the key name of the validator's hotkey)")
	}
	n, err := netuidFlag("netuid", *netuid)
	if err != nil {
		return c.usageErr("%v", err)
	}
	weights, err := parseWeights(pos)
	if err != nil {
		return c.usageErr("%v", err)
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
	o := &pools.Order{Kind: pools.SetWeights, Hotkey: key.Address(), NetUID: dtaod.NetUID(n), Weights: weights}
	return c.sendOrder(ctx, cl, key, o, wf.duration(), nil)
}

// parseWeights reads UID=WEIGHT arguments into weights sorted by uid (the canonical order the
// signature covers). A uid given twice, a uid or weight out of the u16 range, or anything not
// of that form is an error naming the argument.
func parseWeights(args []string) ([]pools.Weight, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no weights given: pass UID=WEIGHT pairs such as 4=65535 5=32768")
	}
	seen := map[uint16]bool{}
	out := make([]pools.Weight, 0, len(args))
	for _, a := range args {
		u, w, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("%q: want UID=WEIGHT, e.g. 4=65535", a)
		}
		uid, err := strconv.ParseUint(strings.TrimSpace(u), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%q: the uid must be an integer from 0 to 65535", a)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(w), 10, 16)
		if err != nil {
			return nil, fmt.Errorf("%q: the weight must be an integer from 0 to 65535", a)
		}
		if seen[uint16(uid)] {
			return nil, fmt.Errorf("%q: uid %d is given twice", a, uid)
		}
		seen[uint16(uid)] = true
		out = append(out, pools.Weight{UID: uint16(uid), Value: uint16(v)})
	}
	slices.SortFunc(out, func(a, b pools.Weight) int { return int(a.UID) - int(b.UID) })
	return out, nil
}
