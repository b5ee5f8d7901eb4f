package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/client"
	"github.com/dtaod/dtaod/pools"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rao  bool
		want uint64
		err  error
		msg  string
	}{
		{"1.5", false, 1_500_000_000, nil, ""},
		{"1", false, 1_000_000_000, nil, ""},
		{" 2. ", false, 2_000_000_000, nil, ""},
		{".5", false, 500_000_000, nil, ""},
		{"0.000000001", false, 1, nil, ""},
		{"18446744073.709551615", false, 1<<64 - 1, nil, ""},
		{"007.250000000", false, 7_250_000_000, nil, ""},
		{"1000000000", true, 1_000_000_000, nil, ""},
		{"18446744073709551615", true, 1<<64 - 1, nil, ""},
		{"", false, 0, errAmountEmpty, "--amount is required"},
		{"-1", false, 0, errAmountNegative, "must not be negative"},
		{"-1", true, 0, errAmountNegative, "must not be negative"},
		{"0", false, 0, errAmountZero, "more than 0"},
		{"0.000000000", false, 0, errAmountZero, "more than 0"},
		{"0", true, 0, errAmountZero, "more than 0"},
		{"0.0000000001", false, 0, errAmountDecimals, "10 given"},
		{"1.5000000000", false, 0, errAmountDecimals, "more than 9 decimal places"},
		{"18446744073.709551616", false, 0, errAmountOverflow, "too large"},
		{"99999999999999999999999", false, 0, errAmountOverflow, "too large"},
		{"18446744073709551616", true, 0, errAmountOverflow, "too large"},
		{"1.5", true, 0, errAmountSyntax, "with --rao"},
		{"1e9", false, 0, errAmountSyntax, "decimal number"},
		{"+1", false, 0, errAmountSyntax, "decimal number"},
		{"1,5", false, 0, errAmountSyntax, "decimal number"},
		{"1.2.3", false, 0, errAmountSyntax, "decimal number"},
		{".", false, 0, errAmountSyntax, "decimal number"},
		{"abc", false, 0, errAmountSyntax, "decimal number"},
	} {
		got, err := parseAmount("--amount", tc.in, tc.rao)
		if tc.err != nil {
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "--amount") {
				t.Errorf("parseAmount(%q, rao %v): err %v, want %v mentioning %q", tc.in, tc.rao, err, tc.err, tc.msg)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseAmount(%q, rao %v) = %d, %v; want %d", tc.in, tc.rao, got, err, tc.want)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"0.5%", "0.005", ""},
		{"1%", "0.01", ""},
		{"0.005", "0.005", ""},
		{"0", "0", ""},
		{"0%", "0", ""},
		{"100%", "1", ""},
		{"1", "1", ""},
		{" 2 % ", "0.02", ""},
		{"0.0000000000000001%", "0.000000000000000001", ""},
		{"0.00000000000000001%", "", "more than 18 decimal places"},
		{"-1%", "", "negative"},
		{"101%", "", "over 100%"},
		{"5", "", "over 1 (100%); for a percentage add %"},
		{"abc", "", "percentage such as 0.5%"},
		{"", "", "percentage such as 0.5%"},
	} {
		got, err := parseTolerance(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseTolerance(%q): %q %v, want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseTolerance(%q) = %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseWeights(t *testing.T) {
	got, err := parseWeights([]string{"5=32768", "4=65535", "0=0"})
	want := []pools.Weight{{UID: 0, Value: 0}, {UID: 4, Value: 65535}, {UID: 5, Value: 32768}}
	if err != nil || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("%v %v", got, err)
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, "no weights"},
		{[]string{"4"}, "want UID=WEIGHT"},
		{[]string{"x=1"}, "uid must be"},
		{[]string{"65536=1"}, "uid must be"},
		{[]string{"1=65536"}, "weight must be"},
		{[]string{"1=-1"}, "weight must be"},
		{[]string{"1=0.5"}, "weight must be"},
		{[]string{"1=1", "1=2"}, "given twice"},
	} {
		if _, err := parseWeights(tc.args); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("parseWeights(%q): %v, want %q", tc.args, err, tc.err)
		}
	}
}

func TestFormatting(t *testing.T) {
	p := func(s string) client.Price {
		v, err := dtaod.ParsePrice(s)
		if err != nil {
			t.Fatal(err)
		}
		return client.Price{Price: v}
	}
	for _, tc := range []struct{ got, want string }{
		{fmtPrice(p("0.500251309394373812"), 9), "0.500251309"},
		{fmtPrice(p("12.5"), 4), "12.5000"},
		{fmtPrice(p("12.5"), 0), "12"},
		{fmtPrice(p("12.5"), 30), "12.500000000000000000"},
		{fmtPercent(p("0.000500118788747624")), "0.0500%"},
		{fmtPercent(p("0.1875")), "18.7500%"},
		{fmtPercent(p("1")), "100.0000%"},
		{fmtTolerance("0.005"), "0.5%"},
		{fmtTolerance("1"), "100%"},
		{client.Amount{Value: 19_994_902_375, Unit: "alpha:1"}.String(), "19.994902375 alpha:1"},
		{client.Amount{Value: 50_000, Unit: "tao"}.String(), "0.000050000 TAO"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
		pos  []string
		json bool
		code int
		ok   bool
	}{
		{[]string{"alice", "--json"}, 1, []string{"alice"}, true, 0, true},
		{[]string{"--json", "alice"}, 1, []string{"alice"}, true, 0, true},
		{[]string{"-json", "a", "b", "-url", "http://x:1"}, -1, []string{"a", "b"}, true, 0, true},
		{[]string{"--", "-x"}, 1, []string{"-x"}, false, 0, true},
		{[]string{"a", "b"}, 1, nil, false, exitUsage, false},
		{[]string{}, 1, nil, false, exitUsage, false},
		{[]string{"--nope"}, 0, nil, false, exitUsage, false},
		{[]string{"-h"}, 0, nil, false, exitOK, false},
	} {
		var o, e bytes.Buffer
		c := newCLI("dtaod test", "ARGS", &o, &e)
		pos, code, ok := c.parse(tc.args, tc.want)
		if ok != tc.ok || code != tc.code || strings.Join(pos, ",") != strings.Join(tc.pos, ",") || c.json != tc.json {
			t.Errorf("parse(%q) = %q %d %v json %v; want %q %d %v json %v\n%s", tc.args, pos, code, ok, c.json,
				tc.pos, tc.code, tc.ok, tc.json, e.String())
		}
	}
}
