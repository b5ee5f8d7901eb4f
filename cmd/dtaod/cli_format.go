package main

// Parsing and formatting at the client's edge: decimal TAO amounts to rao, tolerances to the
// API's fractions, prices and ratios for tables. shopspring/decimal is used here only, on
// user input; everything past this edge is integers of base units.

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/client"
	"github.com/shopspring/decimal"
)

// maxRao is the largest amount an order can carry, 2^64-1 base units.
var maxRao = decimal.NewFromUint64(math.MaxUint64)

var decimalRE = regexp.MustCompile(`^([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// Errors of amount parsing, for errors.Is; the messages name the flag and the input.
var (
	errAmountEmpty    = errors.New("is required")
	errAmountNegative = errors.New("must not be negative")
	errAmountZero     = errors.New("must be more than 0")
	errAmountSyntax   = errors.New("is not an amount")
	errAmountDecimals = errors.New("has more than 9 decimal places")
	errAmountOverflow = errors.New("is too large")
)

// parseAmount reads an amount as the user wrote it: whole tokens with up to 9 decimals ("1.5"
// is 1,500,000,000 rao), or with rao set an integer of base units. It refuses empty input,
// signs, exponents, more than 9 decimals, zero and anything above 2^64-1 rao, each with a
// message naming flag.
func parseAmount(flag, s string, rao bool) (uint64, error) {
	s = strings.TrimSpace(s)
	bad := func(sentinel error, format string, a ...any) error {
		return fmt.Errorf("%s %q %w: %s", flag, s, sentinel, fmt.Sprintf(format, a...))
	}
	switch {
	case s == "":
		return 0, fmt.Errorf("%s %w (e.g. %s 1.5 for 1.5 TAO)", flag, errAmountEmpty, flag)
	case strings.HasPrefix(s, "-"):
		return 0, bad(errAmountNegative, "amounts are positive")
	}
	if rao {
		if strings.TrimLeft(s, "0123456789") != "" {
			return 0, bad(errAmountSyntax, "with --rao the amount is an integer of base units (1 TAO = 1000000000)")
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, bad(errAmountOverflow, "the largest amount is 18446744073709551615 rao")
		}
		if v == 0 {
			return 0, bad(errAmountZero, "nothing to do with 0")
		}
		return v, nil
	}
	if !decimalRE.MatchString(s) {
		return 0, bad(errAmountSyntax, "write a decimal number of tokens such as 1.5 (or an integer of base units with --rao)")
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > 9 {
		return 0, bad(errAmountDecimals, "%d given; 1 rao = 0.000000001 is the smallest unit", len(frac))
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return 0, bad(errAmountSyntax, "%v", err)
	}
	d = d.Shift(9)
	if d.GreaterThan(maxRao) {
		return 0, bad(errAmountOverflow, "the largest amount is 18446744073.709551615")
	}
	if d.IsZero() {
		return 0, bad(errAmountZero, "nothing to do with 0")
	}
	return d.BigInt().Uint64(), nil
}

// parseTolerance reads a slippage tolerance: "0.5%" (a percentage) or "0.005" (a fraction),
// from 0 to 100%, returned as the fraction string the API takes ("0.005").
func parseTolerance(s string) (string, error) {
	in := strings.TrimSpace(s)
	pct := strings.HasSuffix(in, "%")
	num := strings.TrimSpace(strings.TrimSuffix(in, "%"))
	if strings.HasPrefix(num, "-") {
		return "", fmt.Errorf("--tolerance %q must not be negative", s)
	}
	if !decimalRE.MatchString(num) {
		return "", fmt.Errorf("--tolerance %q: write a percentage such as 0.5%% or a fraction such as 0.005", s)
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return "", fmt.Errorf("--tolerance %q: %v", s, err)
	}
	if pct {
		d = d.Shift(-2)
	}
	if d.GreaterThan(decimal.NewFromInt(1)) {
		if pct {
			return "", fmt.Errorf("--tolerance %q is over 100%%", s)
		}
		return "", fmt.Errorf("--tolerance %q is over 1 (100%%); for a percentage add %%, e.g. %s%%", s, num)
	}
	if -d.Exponent() > dtaod.FixedDigits {
		return "", fmt.Errorf("--tolerance %q has more than %d decimal places as a fraction", s, dtaod.FixedDigits)
	}
	return d.String(), nil
}

// fmtPercent is a fraction as a percentage with 4 decimals ("0.0500%").
func fmtPercent(p client.Price) string {
	d, err := decimal.NewFromString(p.String())
	if err != nil {
		return p.String()
	}
	return d.Shift(2).StringFixed(4) + "%"
}

// fmtTolerance is an API tolerance fraction as a percentage, without trailing zeros ("0.5%").
func fmtTolerance(frac string) string {
	d, err := decimal.NewFromString(frac)
	if err != nil {
		return frac
	}
	return d.Shift(2).String() + "%"
}

// fmtPrice is a price cut (not rounded) to digits decimals, for tables; quotes show all 18.
func fmtPrice(p client.Price, digits int) string {
	s := p.String()
	i := strings.IndexByte(s, '.')
	if i < 0 || digits >= len(s)-i-1 {
		return s
	}
	if digits == 0 {
		return s[:i]
	}
	return s[:i+1+digits]
}
