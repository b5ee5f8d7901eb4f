package backtest

import (
	"io"
	"runtime"
	"testing"

	"github.com/dtaod/dtaod/scenario"
)

// BenchmarkBench128x30d runs examples/bench-128x30d.json (128 subnets x 216,000 blocks, a record
// every 7,200) end to end: genesis, every block, JSON Lines to a discarded writer. The target is
// under 2.5 s per run on a 2-core machine; run it with -benchtime 1x.
func BenchmarkBench128x30d(b *testing.B) {
	sc, err := scenario.ParseFile("../examples/bench-128x30d.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := Run(sc, NewJSONL(io.Discard), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/216000, "ns/block")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "MiB-sys")
}

// BenchmarkYuma128x320x30d runs examples/bench-yuma-128x320x30d.yaml (128 subnets of 64
// validators x 256 miners with dense weights, tempo 360, 216,000 blocks: 76,800 Yuma epochs)
// without per-neuron records. Run it with -benchtime 1x.
func BenchmarkYuma128x320x30d(b *testing.B) {
	sc, err := scenario.ParseFile("../examples/bench-yuma-128x320x30d.yaml")
	if err != nil {
		b.Fatal(err)
	}
	sc.Record.NoNeurons = true
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := Run(sc, NewJSONL(io.Discard), Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/76800/1000, "µs/epoch")
}
