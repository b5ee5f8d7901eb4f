package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/holiman/uint256"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// Conversions between the engine's types and PostgreSQL columns. Amounts and block heights go
// to BIGINT columns as int64 (bigint); wider values and the 18-decimal ones become wideNum
// (numeric.go encodes them exactly); the ledger's reasons, units and accounts become their API
// names.

// bigint is an amount or block height for a BIGINT column. CommitBlock and InitGenesis run
// store.CheckRange / store.CheckSnapshotRange before converting anything, so v is at most
// 2^63-1 here and the conversion never wraps; a value that slipped past them would arrive
// negative and the column's CHECK (col >= 0) would refuse the whole write.
func bigint[T ~uint64](v T) int64 { return int64(v) }

// scanConv collects the first error of reading a row back.
type scanConv struct{ err error }

func (c *scanConv) u16(what string, v int32) uint16 {
	if (v < 0 || v > math.MaxUint16) && c.err == nil {
		c.err = fmt.Errorf("postgres: %s = %d is not a uint16", what, v)
	}
	return uint16(v)
}

func (c *scanConv) set(err error) {
	if err != nil && c.err == nil {
		c.err = err
	}
}

// numInt is a NUMERIC(n,0) of a wide unsigned integer.
func numInt(v *uint256.Int) wideNum { return wideNum{v: *v} }

// numPrice is a price's exact decimal value (its scaled integer x 1e-18).
func numPrice(p dtaod.Price) wideNum { return wideNum{v: p.Scaled(), scale: dtaod.FixedDigits} }

// numFixed is a Fixed's exact decimal value.
func numFixed(f dtaod.Fixed) wideNum {
	n := wideNum{scale: dtaod.FixedDigits}
	n.v.SetUint64(uint64(f))
	return n
}

// numVolume is the 128-bit volume hi:lo.
func numVolume(hi, lo uint64) wideNum { return wideNum{v: uint256.Int{lo, hi, 0, 0}} }

var bigTen = big.NewInt(10)

// numToScaled returns n x 10^scale as an exact non-negative integer that fits 256 bits.
func numToScaled(what string, n pgtype.Numeric, scale int32) (uint256.Int, error) {
	var out uint256.Int
	if !n.Valid || n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return out, fmt.Errorf("postgres: %s is not a finite number", what)
	}
	v := new(big.Int).Set(n.Int)
	e := n.Exp + scale
	if e > 0 {
		v.Mul(v, new(big.Int).Exp(bigTen, big.NewInt(int64(e)), nil))
	} else if e < 0 {
		var rem big.Int
		v.QuoRem(v, new(big.Int).Exp(bigTen, big.NewInt(int64(-e)), nil), &rem)
		if rem.Sign() != 0 {
			return out, fmt.Errorf("postgres: %s has more than %d decimal places", what, scale)
		}
	}
	if v.Sign() < 0 {
		return out, fmt.Errorf("postgres: %s is negative", what)
	}
	if out.SetFromBig(v) {
		return out, fmt.Errorf("postgres: %s does not fit 256 bits", what)
	}
	return out, nil
}

// Scan targets for the wide columns, and their checked values.

func intNum() wideNum    { return wideNum{} }
func scaledNum() wideNum { return wideNum{scale: dtaod.FixedDigits} }

func (n *wideNum) price() dtaod.Price { return dtaod.PriceFromScaled(&n.v) }

func (c *scanConv) fixed(what string, n *wideNum) dtaod.Fixed {
	if !n.v.IsUint64() {
		c.set(fmt.Errorf("postgres: %s does not fit a Fixed", what))
	}
	return dtaod.Fixed(n.v.Uint64())
}

func (c *scanConv) volume(what string, n *wideNum) (hi, lo uint64) {
	if n.v[2] != 0 || n.v[3] != 0 {
		c.set(fmt.Errorf("postgres: %s does not fit 128 bits", what))
	}
	return n.v[1], n.v[0]
}

// encodeWeights packs a weights or bonds row as 4 bytes per entry (uid, value; big-endian). nil
// stays nil (NULL) so that an absent row and an empty one round-trip distinctly.
func encodeWeights(ws []pools.Weight) []byte {
	if ws == nil {
		return nil
	}
	b := make([]byte, 4*len(ws))
	for i, w := range ws {
		binary.BigEndian.PutUint16(b[4*i:], w.UID)
		binary.BigEndian.PutUint16(b[4*i+2:], w.Value)
	}
	return b
}

func decodeWeights(b []byte) ([]pools.Weight, error) {
	if b == nil {
		return nil, nil
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("postgres: weights of %d bytes, not a multiple of 4", len(b))
	}
	ws := make([]pools.Weight, len(b)/4)
	for i := range ws {
		ws[i].UID = binary.BigEndian.Uint16(b[4*i:])
		ws[i].Value = binary.BigEndian.Uint16(b[4*i+2:])
	}
	return ws, nil
}

// Ledger names. The ledger stores the API's names of reasons, units and accounts so that SQL
// reads naturally ("WHERE to_account = 'free:5F...'"); they parse back exactly.

var reasonByName = func() map[string]pools.Reason {
	m := map[string]pools.Reason{}
	for r := pools.Reason(1); r.String() != "unknown"; r++ {
		m[r.String()] = r
	}
	return m
}()

func reasonName(r pools.Reason) (string, error) {
	name := r.String()
	if _, ok := reasonByName[name]; !ok {
		return "", fmt.Errorf("postgres: unknown ledger reason %d", r)
	}
	return name, nil
}

func parseReason(s string) (pools.Reason, error) {
	r, ok := reasonByName[s]
	if !ok {
		return 0, fmt.Errorf("postgres: unknown ledger reason %q", s)
	}
	return r, nil
}

func parseUnit(s string) (pools.Unit, error) {
	if s == "tao" {
		return pools.UnitTAO, nil
	}
	if n, ok := strings.CutPrefix(s, "alpha:"); ok {
		v, err := strconv.ParseInt(n, 10, 32)
		if err == nil {
			return pools.Unit(v), nil
		}
	}
	return 0, fmt.Errorf("postgres: bad ledger unit %q", s)
}

var kindByName = func() map[string]pools.AccountKind {
	m := map[string]pools.AccountKind{}
	for k := pools.AccountKind(1); ; k++ {
		name, _, _ := strings.Cut(pools.Account{Kind: k}.String(), ":")
		if name == "unknown" {
			return m
		}
		m[name] = k
	}
}()

// accountName is a.String(), refusing an account whose name would not parse back to it (a
// field set that its kind does not use): the ledger must round-trip exactly.
func accountName(a pools.Account) (string, error) {
	s := a.String()
	var ok bool
	switch a.Kind {
	case pools.AcctIssuance, pools.AcctBurn:
		ok = a.NetUID == 0 && a.Key == ""
	case pools.AcctFree:
		ok = a.NetUID == 0
	case pools.AcctStake:
		ok = true
	case pools.AcctPool, pools.AcctPending, pools.AcctPendingOwner, pools.AcctPendingRoot, pools.AcctUnnamed:
		ok = a.Key == ""
	default: // a kind this file does not know: check the long way
		back, err := parseAccount(s)
		ok = err == nil && back == a
	}
	if !ok {
		return "", fmt.Errorf("postgres: ledger account %+v has no exact name (%q)", a, s)
	}
	return s, nil
}

func parseAccount(s string) (pools.Account, error) {
	name, rest, hasRest := strings.Cut(s, ":")
	k, ok := kindByName[name]
	if !ok {
		return pools.Account{}, fmt.Errorf("postgres: unknown ledger account %q", s)
	}
	a := pools.Account{Kind: k}
	netuid := func(n string) error {
		v, err := strconv.ParseUint(n, 10, 16)
		if err != nil {
			return fmt.Errorf("postgres: bad netuid in ledger account %q", s)
		}
		a.NetUID = dtaod.NetUID(v)
		return nil
	}
	var err error
	switch k {
	case pools.AcctIssuance, pools.AcctBurn:
		if hasRest {
			err = fmt.Errorf("postgres: bad ledger account %q", s)
		}
	case pools.AcctFree:
		if !hasRest {
			err = fmt.Errorf("postgres: bad ledger account %q", s)
		}
		a.Key = rest
	case pools.AcctStake:
		i := strings.LastIndexByte(rest, ':')
		if i < 0 {
			return a, fmt.Errorf("postgres: bad ledger account %q", s)
		}
		a.Key = rest[:i]
		err = netuid(rest[i+1:])
	default:
		err = netuid(rest)
	}
	return a, err
}
