package node

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the node's Prometheus instruments, on a registry the caller owns (no globals).
type Metrics struct {
	Apply    prometheus.Histogram
	Commit   prometheus.Histogram
	Orders   prometheus.Histogram
	Rows     prometheus.Histogram
	Slip     prometheus.Histogram
	Mempool  prometheus.Gauge
	Producer prometheus.Gauge
	Height   prometheus.Gauge
	Failures *prometheus.CounterVec
}

// NewMetrics creates the instruments and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	secs := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	m := &Metrics{
		Apply: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dtaod_block_apply_seconds",
			Help: "Engine time to apply a block (coinbase, epochs, orders, invariant check, diff).", Buckets: secs}),
		Commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dtaod_block_commit_seconds",
			Help: "Time to commit a block's transaction to the store.", Buckets: secs}),
		Orders: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dtaod_block_orders",
			Help: "Orders included per block.", Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
		Rows: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dtaod_block_rows",
			Help: "Rows a block writes (header, orders, ledger, snapshots, state changes).", Buckets: prometheus.ExponentialBuckets(16, 4, 9)}),
		Slip: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "dtaod_block_slip_seconds",
			Help: "How late a block started against its schedule.", Buckets: secs}),
		Mempool:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "dtaod_mempool_depth", Help: "Pending orders."}),
		Producer: prometheus.NewGauge(prometheus.GaugeOpts{Name: "dtaod_producer", Help: "1 while this process holds the producer role."}),
		Height:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "dtaod_block_height", Help: "The last block this process applied."}),
		Failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "dtaod_block_failures_total",
			Help: "Blocks that could not be committed, by reason."}, []string{"reason"}),
	}
	reg.MustRegister(m.Apply, m.Commit, m.Orders, m.Rows, m.Slip, m.Mempool, m.Producer, m.Height, m.Failures)
	return m
}
