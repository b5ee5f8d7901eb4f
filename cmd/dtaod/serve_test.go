package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/dtaod/dtaod/api"
)

// TestParseServeConfig: every flag's bad value is a usage error naming the flag, and the rate
// limit flags reach the config (defaults: the API's default rate, a minute's worth of burst).
func TestParseServeConfig(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		code      int
		errWant   string
		rate, brs int
		xff       bool
	}{
		{args: nil, rate: api.DefaultRateLimit},
		{args: []string{"-rate-limit", "600", "-rate-burst", "20", "-trust-forwarded-for"}, rate: 600, brs: 20, xff: true},
		{args: []string{"-rate-limit", "-1"}, rate: -1},
		{args: []string{"-rate-limit", "0"}, code: exitUsage, errWant: "-rate-limit"},
		{args: []string{"-rate-limit", "-5"}, code: exitUsage, errWant: "-rate-limit"},
		{args: []string{"-rate-limit", "lots"}, code: exitUsage, errWant: "-rate-limit"},
		{args: []string{"-rate-burst", "-1"}, code: exitUsage, errWant: "-rate-burst"},
		{args: []string{"-block-time", "0s"}, code: exitUsage, errWant: "-block-time"},
		{args: []string{"-max-orders", "0"}, code: exitUsage, errWant: "-max-orders"},
		{args: []string{"-log-format", "xml"}, code: exitUsage, errWant: "-log-format"},
		{args: []string{"extra"}, code: exitUsage, errWant: "unexpected argument"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errs bytes.Buffer
			c, code := parseServeConfig("serve", tc.args, &out, &errs)
			if code != tc.code || !strings.Contains(errs.String(), tc.errWant) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, errs.String(), tc.code, tc.errWant)
			}
			if tc.code != exitOK {
				if c != nil {
					t.Fatal("a config came back with a usage error")
				}
				return
			}
			if c.RateLimit != tc.rate || c.RateBurst != tc.brs || c.TrustXFF != tc.xff {
				t.Fatalf("rate %d burst %d xff %v; want %d %d %v", c.RateLimit, c.RateBurst, c.TrustXFF, tc.rate, tc.brs, tc.xff)
			}
		})
	}
}
