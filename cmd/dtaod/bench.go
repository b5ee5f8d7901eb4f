package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/postgres"
	"github.com/dtaod/dtaod/store"
)

// benchGenesis is a network of n subnets with one validator each and `accounts` funded coldkeys.
func benchGenesis(subnets, accounts int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":1,"name":"bench","state":{"total_issuance":"9000000000000000","subnets":[`)
	for i := 1; i <= subnets; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"netuid":%d,"tao_in":"%d","alpha_in":"%d","moving_price":"0.1","owner_coldkey":"owner%d","owner_hotkey":"owner%d-hk"}`,
			i, int64(10_000+100*i)*1e9, int64(100_000+500*i)*1e9, i, i)
	}
	b.WriteString(`],"balances":[`)
	for i := range accounts {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"coldkey":"acct%05d","free":"1000000000000000"}`, i)
	}
	b.WriteString(`],"neurons":[`)
	for i := 1; i <= subnets; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"netuid":%d,"hotkey":"val%d","coldkey":"owner%d"}`, i, i, i)
	}
	b.WriteString(`]}}`)
	return b.Bytes()
}

// benchCmd is `dtaod bench-chain`: the live producer on PostgreSQL under a steady order load,
// reporting engine and commit times, lateness against the block schedule, rows per block and
// the database's growth.
func benchCmd(args []string, stdout, stderr io.Writer) int {
	var subnets, accounts, orders, blocks int
	var blockTime time.Duration
	dbURL, rest, code := dbFlags("bench-chain", "bench-chain [-database-url URL] [flags]", args, stdout, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&subnets, "subnets", 128, "subnets in the genesis")
		fs.IntVar(&accounts, "accounts", 10_000, "funded coldkeys placing orders")
		fs.IntVar(&orders, "orders", 1_000, "stake orders per block")
		fs.IntVar(&blocks, "blocks", 200, "blocks to produce")
		fs.DurationVar(&blockTime, "block-time", time.Second, "block time")
	})
	if code >= 0 {
		return code
	}
	if len(rest) != 0 || subnets < 1 || accounts < 1 || orders < 0 || blocks < 1 {
		fmt.Fprintln(stderr, "dtaod bench-chain: bad arguments (see -h)")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := postgres.MigrateUp(dbURL); err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	st, err := postgres.Open(ctx, dbURL)
	if err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	defer st.Close()
	if _, err := st.Genesis(ctx); !errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(stderr, "dtaod bench-chain: the database already holds a chain; give an empty one (a fresh database, or ?search_path=<new schema>)")
		return exitUsage
	}
	gen, err := node.ParseGenesis(benchGenesis(subnets, accounts), "bench")
	if err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	before, _ := st.Sizes(ctx)

	// Fill the mempool with every block's orders first, so each block takes exactly `orders`
	// and the producer, not the submitters, is what is measured.
	fmt.Fprintf(stdout, "filling the mempool with %d orders...\n", orders*blocks)
	fillStart := time.Now()
	if err := fill(ctx, st, orders*blocks, subnets, accounts); err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "filled in %s\n", time.Since(fillStart).Round(time.Millisecond))

	type sample struct {
		apply, commit, slip time.Duration
		rows, orders        int
	}
	var (
		mu      sync.Mutex
		samples []sample
	)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n, err := node.Open(ctx, st, gen, node.Config{BlockTime: blockTime, MaxOrders: orders,
		OnBlock: func(b *store.Block, apply, commit, slip time.Duration) {
			mu.Lock()
			samples = append(samples, sample{apply, commit, slip, node.BlockRows(b), len(b.Orders)})
			if len(samples) >= blocks {
				cancel()
			}
			mu.Unlock()
		}})
	if err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	start := time.Now()
	if err := n.Run(rctx); err != nil {
		fmt.Fprintf(stderr, "dtaod bench-chain: %v\n", err)
		return exitFail
	}
	wall := time.Since(start)
	after, _ := st.Sizes(ctx)
	var total int64
	for k, v := range after {
		total += v - before[k]
	}
	mu.Lock()
	defer mu.Unlock()
	pick := func(f func(s sample) time.Duration) (p50, p99, worst time.Duration) {
		d := make([]time.Duration, len(samples))
		for i, s := range samples {
			d[i] = f(s)
		}
		slices.Sort(d)
		return d[len(d)/2], d[len(d)*99/100], d[len(d)-1]
	}
	rows, ords := 0, 0
	for _, s := range samples {
		rows += s.rows
		ords += s.orders
	}
	a50, a99, amax := pick(func(s sample) time.Duration { return s.apply })
	c50, c99, cmax := pick(func(s sample) time.Duration { return s.commit })
	b50, b99, bmax := pick(func(s sample) time.Duration { return s.apply + s.commit })
	s50, s99, smax := pick(func(s sample) time.Duration { return s.slip })
	k := len(samples)
	fmt.Fprintf(stdout, "%d blocks of %d orders on %d subnets, block time %s, in %s\n", k, ords/k, subnets, blockTime, wall.Round(time.Millisecond))
	fmt.Fprintf(stdout, "read mempool + apply p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", ms(a50), ms(a99), ms(amax))
	fmt.Fprintf(stdout, "commit (PostgreSQL)  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", ms(c50), ms(c99), ms(cmax))
	fmt.Fprintf(stdout, "apply + commit       p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", ms(b50), ms(b99), ms(bmax))
	fmt.Fprintf(stdout, "start late by        p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms (block time slipped: %v)\n", ms(s50), ms(s99), ms(smax), smax > blockTime/10)
	fmt.Fprintf(stdout, "rows written per block: %d\n", rows/k)
	fmt.Fprintf(stdout, "database growth: %.1f MB for %d blocks = %.1f GB per 100,000 blocks\n",
		float64(total)/1e6, k, float64(total)/float64(k)*1e5/1e9)
	return exitOK
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fill submits count add_stake orders spread over subnets and accounts, from 8 connections.
func fill(ctx context.Context, st store.Store, count, subnets, accounts int) error {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < count; i += 8 {
				p := fmt.Sprintf(`{"type":"add_stake","coldkey":"acct%05d","hotkey":"val%d","netuid":%d,"amount":"%d"}`,
					i%accounts, i%subnets+1, i%subnets+1, 1_000_000_000+i)
				if _, err := st.SubmitOrder(ctx, []byte(p)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
