package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/holiman/uint256"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A fast path for the NUMERIC columns. pgx encodes numerics through math/big, which costs about
// a microsecond a value; a block writes tens of thousands of them (prices, share counts,
// denominators, volumes). The codec below writes and reads PostgreSQL's binary numeric format
// directly for wideNum (u128, u256, decimal18, fixed18) and hands every other case to pgx's
// NumericCodec. It is installed on every pool connection (registerNumeric); without it the same
// values still encode, slowly, through wideNum's NumericValue. (Amounts and heights are BIGINT
// columns, int64 on the wire: see bigint in convert.go.)

// wideNum is an unsigned decimal: v x 10^-scale, with scale 0 or 18.
type wideNum struct {
	v     uint256.Int
	scale int16
}

// NumericValue is the slow path, for pgx's own codec.
func (n wideNum) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: n.v.ToBig(), Exp: -int32(n.scale), Valid: true}, nil
}

// ScanNumeric is the slow path, for pgx's own codec: n.scale must be set.
func (n *wideNum) ScanNumeric(v pgtype.Numeric) error {
	var err error
	n.v, err = numToScaled("numeric", v, int32(n.scale))
	return err
}

const nbase = 10000

var pow10 = [...]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000}

// appendNumeric appends the binary numeric of n.
func appendNumeric(buf []byte, n *wideNum) []byte {
	var ip, fp uint256.Int // integer and fractional parts
	var fracGroups [5]uint16
	nfrac := 0
	if n.scale == 18 {
		ip.DivMod(&n.v, uint256.NewInt(pow10[18]), &fp)
		f := fp.Uint64()
		for k := range 4 {
			fracGroups[k] = uint16(f / pow10[14-4*k] % nbase)
		}
		fracGroups[4] = uint16(f%100) * 100
		nfrac = 5
	} else {
		ip = n.v
	}
	// Integer groups, least significant first.
	var intGroups [20]uint16
	nint := 0
	if ip.IsUint64() {
		for x := ip.Uint64(); x != 0; x /= nbase {
			intGroups[nint] = uint16(x % nbase)
			nint++
		}
	} else {
		base := uint256.NewInt(nbase)
		var q, r uint256.Int
		for x := ip; !x.IsZero(); x = q {
			q.DivMod(&x, base, &r)
			intGroups[nint] = uint16(r.Uint64())
			nint++
		}
	}
	// Digits most significant first; trim leading and trailing zero groups.
	var digits [25]uint16
	nd := 0
	for i := nint - 1; i >= 0; i-- {
		digits[nd] = intGroups[i]
		nd++
	}
	copy(digits[nd:], fracGroups[:nfrac])
	nd += nfrac
	weight := nint - 1
	start := 0
	for start < nd && digits[start] == 0 {
		start++
		weight--
	}
	end := nd
	for end > start && digits[end-1] == 0 {
		end--
	}
	if start == end {
		weight = 0
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(end-start))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, 0) // positive
	buf = binary.BigEndian.AppendUint16(buf, uint16(n.scale))
	for _, d := range digits[start:end] {
		buf = binary.BigEndian.AppendUint16(buf, d)
	}
	return buf
}

var errNumeric = errors.New("not an unsigned numeric of this range")

// parseNumeric reads a binary numeric as an integer count of 10^-scale (exact, < 2^256).
func parseNumeric(src []byte, scale int) (uint256.Int, error) {
	var acc uint256.Int
	if len(src) < 8 {
		return acc, fmt.Errorf("numeric of %d bytes: %w", len(src), errNumeric)
	}
	nd := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	if sign != 0 || len(src) != 8+2*nd {
		return acc, errNumeric
	}
	// Group i counts 10^ex units of 10^-scale, ex = 4*(weight-i) + scale. unit is the power of
	// ten acc counts so far.
	unit := 0
	mulAdd := func(shift int, d uint64) bool {
		var m, dd uint256.Int
		m.SetUint64(pow10[shift])
		dd.SetUint64(d)
		_, of1 := acc.MulOverflow(&acc, &m)
		_, of2 := acc.AddOverflow(&acc, &dd)
		return !of1 && !of2
	}
	for i := range nd {
		d := uint64(binary.BigEndian.Uint16(src[8+2*i:]))
		ex := 4*(weight-i) + scale
		switch {
		case d >= nbase:
			return acc, errNumeric
		case ex <= -4: // entirely below the scale
			if d != 0 {
				return acc, errNumeric
			}
		case ex < 0: // partly below the scale
			if d%pow10[-ex] != 0 || !mulAdd(4+ex, d/pow10[-ex]) {
				return acc, errNumeric
			}
			unit = 0
		default:
			if i > 0 && !mulAdd(4, d) || i == 0 && !mulAdd(0, d) {
				return acc, errNumeric
			}
			unit = ex
		}
	}
	for ; unit > 0; unit-- {
		if !mulAdd(1, 0) {
			return acc, errNumeric
		}
	}
	return acc, nil
}

// numericCodec is pgx's NumericCodec with the fast binary paths.
type numericCodec struct{ pgtype.NumericCodec }

type encodeWide struct{}

// Encode writes a wideNum as a binary numeric.
func (encodeWide) Encode(value any, buf []byte) ([]byte, error) {
	n := value.(wideNum)
	return appendNumeric(buf, &n), nil
}

type scanWide struct{}

// Scan reads a binary numeric into a *wideNum at its scale, refusing what does not fit.
func (scanWide) Scan(src []byte, target any) error {
	if src == nil {
		return errors.New("cannot scan NULL into a wide number")
	}
	n := target.(*wideNum)
	v, err := parseNumeric(src, int(n.scale))
	if err != nil {
		return fmt.Errorf("scan numeric at scale %d: %w", n.scale, err)
	}
	n.v = v
	return nil
}

// PlanEncode takes wideNum in binary; everything else goes to pgx.
func (c numericCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(wideNum); ok && format == pgtype.BinaryFormatCode {
		return encodeWide{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

// PlanScan reads binary numerics into *wideNum (set its scale first).
func (c numericCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*wideNum); ok && format == pgtype.BinaryFormatCode {
		return scanWide{}
	}
	return c.NumericCodec.PlanScan(m, oid, format, target)
}

// registerNumeric installs numericCodec for numeric and numeric[] on a connection.
func registerNumeric(_ context.Context, conn *pgx.Conn) error {
	tm := conn.TypeMap()
	num := &pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: numericCodec{}}
	tm.RegisterType(num)
	tm.RegisterType(&pgtype.Type{Name: "_numeric", OID: pgtype.NumericArrayOID, Codec: &pgtype.ArrayCodec{ElementType: num}})
	return nil
}
