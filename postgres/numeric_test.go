package postgres

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/holiman/uint256"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dtaod/dtaod"
)

// numericCases are values at the edges of every digit group and type range.
func numericCases() []wideNum {
	var out []wideNum
	add := func(v *uint256.Int) {
		out = append(out, wideNum{v: *v}, wideNum{v: *v, scale: 18})
	}
	for _, x := range []uint64{0, 1, 9, 10, 99, 100, 9999, 10000, 10001, 123456789, 1e17, 1e18 - 1, 1e18, 1e18 + 1,
		1.5e18, 1<<63 - 1, 1 << 63, 1<<64 - 1} {
		add(uint256.NewInt(x))
	}
	for _, sh := range []uint{64, 127, 128, 200, 255} {
		v := new(uint256.Int).Lsh(uint256.NewInt(1), sh)
		add(v)
		add(new(uint256.Int).Sub(v, uint256.NewInt(1)))
		add(new(uint256.Int).Add(v, uint256.NewInt(12345)))
	}
	add(new(uint256.Int).SetAllOne())
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		v := uint256.Int{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		v.Rsh(&v, uint(r.IntN(256)))
		add(&v)
	}
	return out
}

// TestNumericCodec checks the fast binary numeric against pgx's own codec, both ways.
func TestNumericCodec(t *testing.T) {
	m := pgtype.NewMap()
	codec := pgtype.NumericCodec{}
	for _, n := range numericCases() {
		fast := appendNumeric(nil, &n)
		dec, err := codec.DecodeValue(m, pgtype.NumericOID, pgtype.BinaryFormatCode, fast)
		if err != nil {
			t.Fatalf("%s (scale %d): pgx cannot decode the fast encoding: %v", n.v.Dec(), n.scale, err)
		}
		got, err := numToScaled("x", dec.(pgtype.Numeric), int32(n.scale))
		if err != nil || got != n.v {
			t.Fatalf("%s (scale %d): fast encoding decodes to %s, %v", n.v.Dec(), n.scale, got.Dec(), err)
		}
		slow, err := encodePlanPgx(m, n)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseNumeric(slow, int(n.scale))
		if err != nil || back != n.v {
			t.Fatalf("%s (scale %d): pgx's encoding parses to %s, %v", n.v.Dec(), n.scale, back.Dec(), err)
		}
		if back, err := parseNumeric(fast, int(n.scale)); err != nil || back != n.v {
			t.Fatalf("%s (scale %d): fast round trip gives %s, %v", n.v.Dec(), n.scale, back.Dec(), err)
		}
	}
	// Values that do not fit the target are errors, never wrapped or rounded.
	tooPrecise := wideNum{v: *uint256.NewInt(15), scale: 18}
	if _, err := parseNumeric(appendNumeric(nil, &tooPrecise), 17); err == nil {
		t.Error("parsing 1.5e-17 at scale 17 succeeded")
	}
	big := wideNum{v: *new(uint256.Int).SetAllOne()}
	if _, err := parseNumeric(appendNumeric(nil, &big), 18); err == nil {
		t.Error("parsing 2^256-1 at scale 18 succeeded")
	}
}

func encodePlanPgx(m *pgtype.Map, n wideNum) ([]byte, error) {
	v, _ := n.NumericValue()
	return m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, v, nil)
}

// TestNumericText: what the fast codec writes is what PostgreSQL prints, to the last digit.
func TestNumericText(t *testing.T) {
	s := openStore(t, migratedSchema(t))
	ctx := context.Background()
	for _, n := range numericCases()[:200] {
		var got string
		if err := s.pool.QueryRow(ctx, `SELECT $1::numeric::text`, n).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want := n.v.Dec()
		if n.scale == 18 {
			want = dtaod.PriceFromScaled(&n.v).String()
		}
		if got != want {
			t.Fatalf("PostgreSQL prints %s, want %s", got, want)
		}
		back := wideNum{scale: n.scale}
		if err := s.pool.QueryRow(ctx, `SELECT $1::numeric`, n).Scan(&back); err != nil || back != n {
			t.Fatalf("%s: read back %s, %v", want, back.v.Dec(), err)
		}
	}
}
