package node

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dtaod/dtaod/store"
)

// benchGenesisDoc is 128 subnets and 10,000 funded accounts.
func benchGenesisDoc(subnets, accounts int) []byte {
	var b strings.Builder
	b.WriteString(`{"version":1,"state":{"total_issuance":"9000000000000000","subnets":[`)
	for i := 1; i <= subnets; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"netuid":%d,"tao_in":"%d","alpha_in":"%d","moving_price":"0.1"}`, i, int64(10_000+100*i)*1e9, int64(100_000+500*i)*1e9)
	}
	b.WriteString(`],"balances":[`)
	for i := range accounts {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"coldkey":"acct%05d","free":"1000000000000000"}`, i)
	}
	b.WriteString(`]}}`)
	return []byte(b.String())
}

// BenchmarkApply10k is the engine side of a 10,000-order block on 128 subnets: parse the
// payloads, coinbase, the orders, the invariant check, the snapshot, its hash and the diff.
func BenchmarkApply10k(b *testing.B) {
	g, err := ParseGenesis(benchGenesisDoc(128, 10_000), "bench")
	if err != nil {
		b.Fatal(err)
	}
	orders := make([]store.Order, 10_000)
	for i := range orders {
		orders[i] = store.Order{Seq: int64(i + 1), Payload: []byte(fmt.Sprintf(
			`{"type":"add_stake","coldkey":"acct%05d","hotkey":"val%d","netuid":%d,"amount":"%d"}`, i, i%128, i%128+1, 1_000_000_000+i))}
	}
	c, err := NewChain(g)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		blk, err := c.Apply(orders, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(BlockRows(blk)), "rows/block")
	}
}
