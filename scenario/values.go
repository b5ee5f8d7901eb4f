package scenario

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/shopspring/decimal"
)

// parser collects every issue found while walking the tree, so one run reports them all.
type parser struct {
	issues []*issue
	// genesis reads a file as a live chain's genesis: blocks is optional (a genesis has no end).
	genesis bool
}

func (p *parser) fail(at pos, path, format string, args ...any) {
	p.issues = append(p.issues, &issue{at: at, err: &FieldError{Path: path, Reason: fmt.Sprintf(format, args...)}})
}

// count returns how many issues are recorded, so a caller can tell whether a subtree added any.
func (p *parser) count() int { return len(p.issues) }

// ---- objects ----

// object reads the fields of one object and, when done, reports the fields nobody asked for:
// the contract makes a typo an error, never a silently ignored field.
type object struct {
	p     *parser
	n     *node
	path  string
	used  []bool
	known []string
	// context names the object's shape in messages about its fields (" for add_stake").
	context string
	// bad is set when the value was not an object at all; its fields are then not "missing".
	bad bool
}

// object returns an accessor for n, reporting when n is not an object (the accessor then has no
// fields, so callers need no special case).
func (p *parser) object(n *node, path string) *object {
	o := &object{p: p, n: n, path: path}
	if n.kind != kObject {
		p.fail(n.pos, path, "must be an object, got %s", describe(n))
		o.n = &node{kind: kObject, pos: n.pos}
		o.bad = true
	}
	o.used = make([]bool, len(o.n.fields))
	return o
}

// get returns the value of key, or nil when it is absent or null (null means "not given").
func (o *object) get(key string) *node {
	o.known = append(o.known, key)
	for i, f := range o.n.fields {
		if f.key == key {
			o.used[i] = true
			if f.val.kind == kNull {
				return nil
			}
			return f.val
		}
	}
	return nil
}

// require is get that reports a missing field.
func (o *object) require(key string) *node {
	v := o.get(key)
	if v == nil && !o.bad {
		o.p.fail(o.n.pos, join(o.path, key), "required field%s is missing", o.context)
	}
	return v
}

// done reports every field that was not read; context is appended to the reason ("" or
// " for add_stake").
func (o *object) done(context string) {
	if context == "" {
		context = o.context
	}
	for i, f := range o.n.fields {
		if o.used[i] {
			continue
		}
		reason := "unknown field" + context
		if s := suggest(f.key, o.known); s != "" {
			reason += fmt.Sprintf(" (did you mean %q?)", s)
		}
		o.p.fail(f.pos, join(o.path, f.key), "%s", reason)
	}
}

// skip marks every field used: once an object's shape is unknown (an action without a valid
// type) listing its fields as unknown would only add noise.
func (o *object) skip() {
	for i := range o.used {
		o.used[i] = true
	}
}

// suggest returns the known name closest to key when it is a plausible typo (edit distance <= 2).
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(key, k, bestD); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it is at least limit (keys
// are short, and long ones are cut off early).
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 || abs(len(a)-len(b)) >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// list returns the items of n, reporting when it is not a list.
func (p *parser) list(n *node, path string) []*node {
	if n == nil {
		return nil
	}
	if n.kind != kList {
		p.fail(n.pos, path, "must be a list, got %s", describe(n))
		return nil
	}
	return n.items
}

// describe names a value for an error: its literal text quoted, or its kind.
func describe(n *node) string {
	switch n.kind {
	case kNull:
		return "null"
	case kBool:
		return n.text
	case kObject:
		return "an object"
	case kList:
		return "a list"
	}
	return strconv.Quote(truncate(n.text))
}

// ---- scalars ----

// u64Max is the largest amount, spelled out because users compare it with what they wrote.
const u64Max = "18446744073709551615"

// parseDigits parses an unsigned integer written in decimal digits, and otherwise says why not.
func parseDigits(s string) (uint64, string) {
	switch {
	case s == "":
		return 0, "empty"
	case s[0] == '-':
		return 0, "negative"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if strings.ContainsAny(s, ".eE") && isNumeric(s) {
				return 0, "not an integer"
			}
			return 0, "not written in decimal digits"
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, "exceeds the u64 maximum " + u64Max
	}
	return v, ""
}

// isNumeric reports whether s reads as a decimal number, so "1.5" gets "not an integer" rather
// than a vaguer reason.
func isNumeric(s string) bool {
	if len(s) > 100 {
		return false
	}
	_, err := decimal.NewFromString(s)
	return err == nil
}

// integerText returns the literal of an integer-valued node (a number or a string), or reports.
func (p *parser) integerText(n *node, path, want string) (string, bool) {
	if n.kind != kNumber && n.kind != kString {
		p.fail(n.pos, path, "must be %s, got %s", want, describe(n))
		return "", false
	}
	return n.text, true
}

// amount reads a base-unit amount: an integer number or a string of digits, 0..2^64-1.
func (p *parser) amount(n *node, path string) (uint64, bool) {
	const want = "an integer amount in base units"
	s, ok := p.integerText(n, path, want)
	if !ok {
		return 0, false
	}
	v, why := parseDigits(s)
	if why != "" {
		p.fail(n.pos, path, "must be %s, got %s (%s)", want, describe(n), why)
		return 0, false
	}
	return v, true
}

// uintIn reads an unsigned integer in [lo, hi]; want describes it in errors.
func (p *parser) uintIn(n *node, path string, lo, hi uint64, want string) (uint64, bool) {
	s, ok := p.integerText(n, path, want)
	if !ok {
		return 0, false
	}
	v, why := parseDigits(s)
	if why == "exceeds the u64 maximum "+u64Max && hi < math.MaxUint64 {
		why = ""
		v = hi + 1 // out of range: reported below with the bounds
	}
	if why != "" {
		p.fail(n.pos, path, "must be %s, got %s (%s)", want, describe(n), why)
		return 0, false
	}
	if v < lo || v > hi {
		if hi == math.MaxUint64 {
			p.fail(n.pos, path, "must be %s >= %d, got %s", want, lo, describe(n))
		} else {
			p.fail(n.pos, path, "must be %s between %d and %d, got %s", want, lo, hi, describe(n))
		}
		return 0, false
	}
	return v, true
}

// uint64Of reads any unsigned 64-bit integer.
func (p *parser) uint64Of(n *node, path string) (uint64, bool) {
	return p.uintIn(n, path, 0, math.MaxUint64, "a non-negative integer")
}

// netuid reads a subnet id; lo is 1 where root (0) is not allowed.
func (p *parser) netuid(n *node, path string, lo uint64) (dtaod.NetUID, bool) {
	v, ok := p.uintIn(n, path, lo, math.MaxUint16, "a netuid")
	return dtaod.NetUID(v), ok
}

// int64Of reads a signed 64-bit integer (the seed).
func (p *parser) int64Of(n *node, path string) (int64, bool) {
	const want = "an integer"
	s, ok := p.integerText(n, path, want)
	if !ok {
		return 0, false
	}
	digits := strings.TrimPrefix(s, "-")
	_, why := parseDigits(digits)
	switch {
	case why == "" || strings.HasPrefix(why, "exceeds"):
	case s == "":
		why = "empty"
	case why == "empty" || why == "negative":
		why = "not written in decimal digits"
	}
	if why != "" && !strings.HasPrefix(why, "exceeds") {
		p.fail(n.pos, path, "must be %s, got %s (%s)", want, describe(n), why)
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		p.fail(n.pos, path, "must be %s, got %s (outside the int64 range)", want, describe(n))
		return 0, false
	}
	return v, true
}

// boolOf reads a boolean; strings such as "true" or YAML's "yes" are refused so that JSON and
// YAML files mean the same thing.
func (p *parser) boolOf(n *node, path string) (bool, bool) {
	if n.kind != kBool {
		p.fail(n.pos, path, "must be true or false, got %s", describe(n))
		return false, false
	}
	return n.text == "true", true
}

// stringOf reads a string.
func (p *parser) stringOf(n *node, path string) (string, bool) {
	if n.kind != kString {
		hint := ""
		if n.kind == kNumber || n.kind == kBool {
			hint = " (quote it)"
		}
		p.fail(n.pos, path, "must be a string, got %s%s", describe(n), hint)
		return "", false
	}
	return n.text, true
}

// key reads an address (coldkey or hotkey): any non-empty string.
func (p *parser) key(n *node, path string) (string, bool) {
	s, ok := p.stringOf(n, path)
	if ok && s == "" {
		p.fail(n.pos, path, "must be a non-empty address")
		return "", false
	}
	return s, ok
}

// ---- decimals ----

// maxDecimalLen bounds a decimal literal; 18 integer digits, 18 decimals and an exponent fit
// easily, and the bound keeps exponent expansion cheap.
const maxDecimalLen = 100

// canonicalDecimal converts a decimal literal, possibly in exponent notation ("3e-06"), to the
// plain form dtaod.ParsePrice reads, exactly; it says why when it cannot.
func canonicalDecimal(s string) (string, string) {
	if s == "" {
		return "", "empty"
	}
	if len(s) > maxDecimalLen {
		return "", fmt.Sprintf("longer than %d characters", maxDecimalLen)
	}
	low := strings.ToLower(s)
	if strings.Contains(low, "nan") || strings.Contains(low, "inf") {
		return "", "NaN and infinity are not allowed"
	}
	if s[0] == '-' {
		return "", "negative"
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return "", "not a decimal number"
	}
	coef := d.Coefficient()
	if coef.Sign() < 0 {
		return "", "negative"
	}
	if coef.Sign() == 0 {
		return "0", ""
	}
	digits, exp := coef.String(), int(d.Exponent())
	for exp < 0 && strings.HasSuffix(digits, "0") {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	if exp < -dtaod.FixedDigits {
		return "", fmt.Sprintf("more than %d fractional digits; values are exact, never rounded", dtaod.FixedDigits)
	}
	if exp >= 0 {
		if len(digits)+exp > 60 {
			return "", "too large"
		}
		return digits + strings.Repeat("0", exp), ""
	}
	frac := -exp
	if len(digits) <= frac {
		return "0." + strings.Repeat("0", frac-len(digits)) + digits, ""
	}
	return digits[:len(digits)-frac] + "." + digits[len(digits)-frac:], ""
}

// decimalText reads a decimal (string or number) into canonical form.
func (p *parser) decimalText(n *node, path string) (string, bool) {
	const want = `a non-negative decimal such as "0.18"`
	if n.kind != kNumber && n.kind != kString {
		p.fail(n.pos, path, "must be %s, got %s", want, describe(n))
		return "", false
	}
	c, why := canonicalDecimal(n.text)
	if why != "" {
		p.fail(n.pos, path, "must be %s, got %s (%s)", want, describe(n), why)
		return "", false
	}
	return c, true
}

// fixed reads a value of the 18-decimal fixed point; share says it is a fraction of a whole and
// may not exceed 1.
func (p *parser) fixed(n *node, path string, share bool) (dtaod.Fixed, bool) {
	c, ok := p.decimalText(n, path)
	if !ok {
		return 0, false
	}
	f, err := dtaod.ParseFixed(c)
	if err != nil || (share && f > dtaod.FixedOne) {
		if share {
			p.fail(n.pos, path, "must be at most 1, got %s", describe(n))
		} else {
			p.fail(n.pos, path, "must be at most 18.446744073709551615 (the 18-decimal fixed point), got %s", describe(n))
		}
		return 0, false
	}
	return f, true
}

// price reads a limit price (TAO per alpha), which may exceed the fixed point's range.
func (p *parser) price(n *node, path string) (dtaod.Price, bool) {
	c, ok := p.decimalText(n, path)
	if !ok {
		return dtaod.Price{}, false
	}
	v, err := dtaod.ParsePrice(c)
	if err != nil {
		p.fail(n.pos, path, "must be a price that fits the 18-decimal grid, got %s (%s)", describe(n), priceReason(err))
		return dtaod.Price{}, false
	}
	return v, true
}

func priceReason(err error) string {
	if strings.Contains(err.Error(), "too large") {
		return "too large"
	}
	return err.Error()
}

// ---- weights ----

// weightMap reads an object mapping uids to u16 values ({"0": 65535, "3": 100}; YAML may write
// the keys as integers), the shape of state.weights, state.bonds and set_weights. Entries come
// back sorted by uid, whatever the order of the file's keys. A uid is a value, not a spelling:
// "1" and "01" are the same uid, and listing both is an error. With limit >= 0 every uid must be
// below it (the neuron count of netuid); with limit < 0 any u16 uid is allowed. what is
// "weights" or "bonds", for messages.
func (p *parser) weightMap(n *node, path string, limit int, netuid dtaod.NetUID, what string) ([]pools.Weight, bool) {
	if n.kind != kObject {
		p.fail(n.pos, path, `must be an object mapping uids to values, such as {"0": 65535, "3": 100}, got %s`,
			describe(n))
		return nil, false
	}
	want := "a weight"
	if what == "bonds" {
		want = "a bond value"
	}
	ok := true
	var out []pools.Weight
	keys := map[uint64]string{}
	for _, f := range n.fields {
		fpath := join(path, f.key)
		uid, why := parseDigits(f.key)
		if why == "" && uid > math.MaxUint16 {
			why = "above 65535"
		}
		uidOK := why == ""
		switch {
		case !uidOK:
			p.fail(f.pos, fpath, "the key must be a uid (0..65535, in decimal digits), got %q (%s)",
				truncate(f.key), why)
		case keys[uid] != "":
			p.fail(f.pos, fpath, "duplicate uid %d (also written as key %q)", uid, keys[uid])
			uidOK = false
		case limit == 0:
			p.fail(f.pos, fpath, "uid %d is out of range: subnet %d has no neurons in state.neurons", uid, netuid)
			uidOK = false
		case limit > 0 && uid >= uint64(limit):
			p.fail(f.pos, fpath, "uid %d is out of range: subnet %d has %d neurons in state.neurons (uids 0..%d)",
				uid, netuid, limit, limit-1)
			uidOK = false
		}
		if uidOK {
			keys[uid] = f.key
		}
		v, valOK := p.uintIn(f.val, fpath, 0, math.MaxUint16, want)
		if !uidOK || !valOK {
			ok = false
			continue
		}
		out = append(out, pools.Weight{UID: uint16(uid), Value: uint16(v)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out, ok
}
