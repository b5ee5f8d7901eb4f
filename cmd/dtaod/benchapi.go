package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// benchAPIConfig is `dtaod bench-api`'s flags.
type benchAPIConfig struct {
	URL     string
	Mode    string
	Conns   int
	Clients int
	Timeout time.Duration
	JSON    bool
	CPUPids []int
	Profile string // the generator's CPU profile of the measured part, for pprof

	// -mode reads
	Path     string
	Rate     int
	Duration time.Duration
	Warmup   time.Duration

	// -mode orders
	Keys         int
	Orders       int
	Batch        int
	AdminToken   string
	ChainID      string
	Funder       string
	Amount       uint64
	Fund         bool
	Sample       int
	WaitIncluded time.Duration
	MaxTime      time.Duration
}

const benchAPIUsage = `Usage: dtaod bench-api -mode reads|orders [flags]

Drives a running dtaod server on this machine (loopback only) and reports what it sustained.

  -mode reads    an open-loop generator: GET -path at a constant -rate for -duration, latency
                 measured from each request's scheduled send time (so a stalled server is not
                 hidden by a generator that waits for it: coordinated omission is corrected);
                 reports p50/p90/p99/p99.9/max of the 200 answers, the errors by status, and
                 how late the generator itself sent (send lag: if that is high, the machine,
                 not the server, set the figures).
  -mode orders   pre-generates -keys keys, funds them (dev faucet, else admin transfers from the
                 -funder dev account; -admin-token), signs -orders transfers up front, then
                 submits them over -conns connections, each key's nonces in order, one per
                 POST /v1/orders or -batch B per POST /v1/orders/batch; reports accepted orders
                 per second (202/200 only), every refusal by status and code, request latency,
                 then checks durability: each key's nonce on the server equals its accepted
                 orders, and a -sample of accepted orders reads back with their signer and nonce.

Both report the CPU time the generator and the -cpu-pids processes (the server, its database
backends) spent, per request or order: on a machine shared with other work that, not the
wall-clock rate, says what two dedicated cores would sustain.

Examples:
  dtaod bench-api -mode reads -rate 5000 -duration 30s
  dtaod bench-api -mode orders -admin-token TOKEN -keys 1000 -orders 300000 -batch 500 -conns 4
  dtaod bench-api -mode orders -admin-token TOKEN -keys 1000 -orders 100000 -conns 64 -clients 16
  (or start the server with -rate-limit -1 instead of spreading over -clients source addresses)

Flags:
`

// benchAPICmd is `dtaod bench-api`: the load generator for the API's speed targets.
func benchAPICmd(args []string, stdout, stderr io.Writer) int {
	c, code := parseBenchAPIConfig(args, stdout, stderr)
	if c == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch c.Mode {
	case "reads":
		err = benchReads(ctx, c, stdout, stderr)
	case "orders":
		err = benchOrders(ctx, c, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dtaod bench-api: %v\n", err)
		return exitFail
	}
	return exitOK
}

func parseBenchAPIConfig(args []string, stdout, stderr io.Writer) (*benchAPIConfig, int) {
	fs := flag.NewFlagSet("bench-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &benchAPIConfig{}
	fs.StringVar(&c.URL, "url", envOr("DTAOD_URL", "http://127.0.0.1:8080"), "the server's base `URL` (DTAOD_URL); loopback addresses only")
	fs.StringVar(&c.Mode, "mode", "", "what to drive: reads or orders")
	fs.IntVar(&c.Conns, "conns", 0, "concurrent connections (default: reads 64, orders 64 single or 4 batched)")
	fs.IntVar(&c.Clients, "clients", 1, "spread the connections over this many loopback source addresses (127.0.0.1 to 127.0.0.N), which the server's per-IP rate limit counts as separate clients")
	fs.DurationVar(&c.Timeout, "timeout", 30*time.Second, "per-request timeout")
	fs.BoolVar(&c.JSON, "json", false, "print the result as one JSON object instead of text")
	fs.StringVar(&c.Profile, "cpuprofile", "", "write the generator's own CPU profile of the measured part to `FILE`")
	cpuPids := fs.String("cpu-pids", "", "comma-separated `PIDs` (the server, its database backends) whose CPU time during the measurement is reported with the generator's own (Linux)")
	fs.StringVar(&c.Path, "path", "/v1/subnets", "reads: the `path` to GET")
	fs.IntVar(&c.Rate, "rate", 5000, "reads: requests per second offered")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "reads: how long to measure")
	fs.DurationVar(&c.Warmup, "warmup", time.Second, "reads: load offered before measuring (not counted)")
	fs.IntVar(&c.Keys, "keys", 1000, "orders: signing keys (fresh accounts)")
	fs.IntVar(&c.Orders, "orders", 100_000, "orders: signed orders to submit")
	fs.IntVar(&c.Batch, "batch", 0, "orders: orders per POST /v1/orders/batch (1 to 1000); 0 posts them one by one to /v1/orders")
	fs.StringVar(&c.AdminToken, "admin-token", envOr("DTAOD_ADMIN_TOKEN", ""), "orders: the server's admin `token` (DTAOD_ADMIN_TOKEN), to fund the keys")
	fs.StringVar(&c.ChainID, "chain-id", "", "orders: the chain id to sign for (default: GET /v1/chain's)")
	fs.StringVar(&c.Funder, "funder", "alice", "orders: the dev account whose TAO funds the keys when the server has no faucet")
	fs.Uint64Var(&c.Amount, "amount", 1000, "orders: rao each transfer sends")
	fs.BoolVar(&c.Fund, "fund", true, "orders: fund the keys first (their orders then succeed in their blocks)")
	fs.IntVar(&c.Sample, "sample", 500, "orders: accepted orders to read back afterwards")
	fs.DurationVar(&c.WaitIncluded, "wait-included", 0, "orders: afterwards, wait up to this long for every accepted order to be in a block")
	fs.DurationVar(&c.MaxTime, "max-time", 10*time.Minute, "orders: give up submitting after this long")
	fs.Usage = func() {
		fmt.Fprint(stdout, benchAPIUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		}
		return nil, exitUsage
	}
	bad := func(format string, a ...any) (*benchAPIConfig, int) {
		fmt.Fprintf(stderr, "dtaod bench-api: "+format+"\n", a...)
		return nil, exitUsage
	}
	if fs.NArg() != 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if c.CPUPids, err = parsePIDs(*cpuPids); err != nil {
		return bad("%v", err)
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.RawQuery != "" {
		return bad("-url %q: want http://HOST:PORT (plain HTTP on loopback)", c.URL)
	}
	if !loopbackHost(u.Hostname()) {
		return bad("-url %q: bench-api only drives a server on this machine (localhost, 127.0.0.0/8 or ::1)", c.URL)
	}
	c.URL = strings.TrimSuffix(c.URL, "/")
	if c.Clients < 1 || c.Clients > 254 {
		return bad("-clients %d: must be 1 to 254", c.Clients)
	}
	if c.Clients > 1 && u.Hostname() != "localhost" && net.ParseIP(u.Hostname()).To4() == nil {
		return bad("-clients %d: needs an IPv4 loopback server address (127.x.x.x or localhost)", c.Clients)
	}
	if c.Conns < 0 || c.Timeout <= 0 {
		return bad("-conns must be positive and -timeout a positive duration")
	}
	switch c.Mode {
	case "reads":
		if c.Conns == 0 {
			c.Conns = 64
		}
		if c.Rate < 1 || c.Rate > 1_000_000 {
			return bad("-rate %d: must be 1 to 1,000,000 a second", c.Rate)
		}
		if c.Duration <= 0 || c.Warmup < 0 {
			return bad("-duration must be positive and -warmup not negative")
		}
		if !strings.HasPrefix(c.Path, "/") {
			return bad("-path %q: must start with /", c.Path)
		}
	case "orders":
		if c.Conns == 0 {
			c.Conns = 64
			if c.Batch > 0 {
				c.Conns = 4
			}
		}
		if c.Keys < 1 || c.Orders < 1 {
			return bad("-keys and -orders must be positive")
		}
		if c.Batch < 0 || c.Batch > 1000 {
			return bad("-batch %d: must be 0 (single orders) to 1000", c.Batch)
		}
		if c.Amount == 0 {
			return bad("-amount must be positive")
		}
		if c.Fund && c.AdminToken == "" {
			return bad("-admin-token is needed to fund the keys (or -fund=false)")
		}
		if c.Sample < 0 || c.MaxTime <= 0 || c.WaitIncluded < 0 {
			return bad("-sample, -max-time and -wait-included must not be negative")
		}
	case "":
		return bad("-mode is required: reads or orders")
	default:
		return bad("-mode %q: must be reads or orders", c.Mode)
	}
	return c, exitOK
}

// loopbackHost reports whether host names this machine: the generator must never send load
// anywhere else.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// benchClient is an HTTP client with one keep-alive connection from loopback source address
// 127.0.0.(1 + i mod clients), so -clients N looks like N clients to the server.
func benchClient(c *benchAPIConfig, i int) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if c.Clients > 1 {
		d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%c.Clients))}
	}
	dial := d.DialContext
	if c.Clients > 1 {
		// With a source address set, "localhost" must resolve to IPv4.
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, "tcp4", addr)
		}
	}
	tr := &http.Transport{
		DialContext:         dial,
		MaxIdleConnsPerHost: 1,
		MaxConnsPerHost:     1,
		DisableCompression:  true,
		Proxy:               nil,
		WriteBufferSize:     64 << 10,
		ReadBufferSize:      64 << 10,
	}
	return &http.Client{Transport: tr, Timeout: c.Timeout}
}

// newLatencyHist records microseconds from 1 µs to 10 minutes with 3 significant digits.
func newLatencyHist() *hdrhistogram.Histogram { return hdrhistogram.New(1, 600_000_000, 3) }

// recordLatency adds d, clamped to the histogram's range.
func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	_ = h.RecordValue(min(max(d.Microseconds(), 1), h.HighestTrackableValue()))
}

// latencySummary is a histogram's percentiles, in milliseconds, for the report.
type latencySummary struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p999_ms"`
	Max   float64 `json:"max_ms"`
	Mean  float64 `json:"mean_ms"`
}

func summarize(h *hdrhistogram.Histogram) latencySummary {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	if h.TotalCount() == 0 {
		return latencySummary{}
	}
	return latencySummary{Count: h.TotalCount(), P50: ms(h.ValueAtQuantile(50)), P90: ms(h.ValueAtQuantile(90)),
		P99: ms(h.ValueAtQuantile(99)), P999: ms(h.ValueAtQuantile(99.9)), Max: ms(h.Max()), Mean: h.Mean() / 1000}
}

func (s latencySummary) String() string {
	return fmt.Sprintf("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (mean %.3f ms, %d samples)",
		s.P50, s.P90, s.P99, s.P999, s.Max, s.Mean, s.Count)
}

// counts is a tally of outcomes by label (an HTTP status and problem code, or an error).
type counts map[string]int64

func (c counts) add(o counts) {
	for k, v := range o {
		c[k] += v
	}
}

func (c counts) total() (n int64) {
	for _, v := range c {
		n += v
	}
	return n
}

func (c counts) String() string {
	if len(c) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, c[k])
	}
	return strings.Join(parts, ", ")
}

// errorLabel shortens a transport error to a stable label (no addresses or ports).
func errorLabel(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local address"
	}
	return "transport error"
}

// readsResult is the outcome of -mode reads.
type readsResult struct {
	Mode         string         `json:"mode"`
	URL          string         `json:"url"`
	Rate         int            `json:"rate"`
	Duration     string         `json:"duration"`
	Conns        int            `json:"conns"`
	Clients      int            `json:"clients"`
	Scheduled    int64          `json:"scheduled"`
	OK           int64          `json:"ok"`
	Errors       counts         `json:"errors"`
	Achieved     float64        `json:"achieved_rps"`
	Latency      latencySummary `json:"latency"`
	SendLag      latencySummary `json:"send_lag"`
	Bytes        int64          `json:"bytes"`
	CPU          cpuUsage       `json:"cpu"`
	FirstErrText string         `json:"first_error,omitempty"`
}

// readJob is one scheduled request: due is when the schedule says it is sent, and latency
// counts from there, whenever a connection was actually free to send it.
type readJob struct {
	due    time.Time
	record bool
}

// benchReads offers GET c.Path at c.Rate a second for c.Warmup + c.Duration from c.Conns
// connections and reports the latency of the requests due after the warmup.
func benchReads(ctx context.Context, c *benchAPIConfig, stdout, stderr io.Writer) error {
	target := c.URL + c.Path
	if err := probe(ctx, benchClient(c, 0), target); err != nil {
		return err
	}
	warm := int64(c.Warmup) * int64(c.Rate) / int64(time.Second)
	total := int64(c.Duration) * int64(c.Rate) / int64(time.Second)
	if total == 0 {
		return fmt.Errorf("-rate %d for -duration %s schedules no request", c.Rate, c.Duration)
	}
	jobs := make(chan readJob, c.Rate) // a second of backlog before the scheduler itself waits
	req := rawRequest(c, http.MethodGet, c.Path, nil)
	type workerResult struct {
		lat, lag *hdrhistogram.Histogram
		ok       int64
		errs     counts
		bytes    int64
		firstErr string
		last     time.Time
	}
	results := make([]workerResult, c.Conns)
	var wg sync.WaitGroup
	for w := range c.Conns {
		wg.Go(func() {
			r := &results[w]
			r.lat, r.lag, r.errs = newLatencyHist(), newLatencyHist(), counts{}
			conn := newRawConn(c, w)
			defer conn.close()
			for job := range jobs {
				sent := time.Now()
				code, body, err := conn.do(ctx, req)
				done := time.Now()
				n := int64(len(body))
				if !job.record {
					continue
				}
				recordLatency(r.lag, sent.Sub(job.due))
				r.bytes += n
				r.last = done
				switch {
				case err != nil:
					r.errs[errorLabel(err)]++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
				case code != http.StatusOK:
					r.errs[fmt.Sprintf("HTTP %d", code)]++
				default:
					r.ok++
					recordLatency(r.lat, done.Sub(job.due))
				}
			}
		})
	}
	begin := time.Now().Add(20 * time.Millisecond)
	measureFrom := begin.Add(time.Duration(warm * int64(time.Second) / int64(c.Rate)))
	var cpu0 cpuSnapshot
	cpuTaken := make(chan struct{})
	go func() {
		time.Sleep(time.Until(measureFrom))
		cpu0 = takeCPU(c.CPUPids)
		close(cpuTaken)
	}()
	stopProfile, err := startProfile(c.Profile)
	if err != nil {
		return err
	}
	if !c.JSON {
		fmt.Fprintf(stderr, "bench-api reads: GET %s at %d/s for %s (+%s warmup) over %d connections\n",
			target, c.Rate, c.Duration, c.Warmup, c.Conns)
	}
schedule:
	for i := range warm + total {
		due := begin.Add(time.Duration(i * int64(time.Second) / int64(c.Rate)))
		sleepUntil(due)
		select {
		case jobs <- readJob{due: due, record: i >= warm}:
		case <-ctx.Done():
			break schedule
		}
	}
	close(jobs)
	wg.Wait()
	<-cpuTaken
	cpu := takeCPU(c.CPUPids).since(cpu0)
	if err := stopProfile(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	res := readsResult{Mode: "reads", URL: target, Rate: c.Rate, Duration: c.Duration.String(), Conns: c.Conns,
		Clients: c.Clients, Scheduled: total, Errors: counts{}}
	lat, lag := newLatencyHist(), newLatencyHist()
	var last time.Time
	for _, r := range results {
		lat.Merge(r.lat)
		lag.Merge(r.lag)
		res.OK += r.ok
		res.Bytes += r.bytes
		res.Errors.add(r.errs)
		if res.FirstErrText == "" {
			res.FirstErrText = r.firstErr
		}
		if r.last.After(last) {
			last = r.last
		}
	}
	if el := last.Sub(measureFrom).Seconds(); el > 0 {
		res.Achieved = float64(res.OK+res.Errors.total()) / el
	}
	res.Latency, res.SendLag = summarize(lat), summarize(lag)
	res.CPU = cpu
	if c.JSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "GET %s: %d scheduled at %d/s over %s, %d ok, errors: %s; %.0f answered/s\n",
		target, res.Scheduled, c.Rate, c.Duration, res.OK, res.Errors, res.Achieved)
	fmt.Fprintf(stdout, "latency from the scheduled send time: %s\n", res.Latency)
	fmt.Fprintf(stdout, "generator send lag (sent after due): %s\n", res.SendLag)
	fmt.Fprintln(stdout, res.CPU.String("request", res.OK+res.Errors.total()))
	if res.FirstErrText != "" {
		fmt.Fprintf(stdout, "first error: %s\n", res.FirstErrText)
	}
	return nil
}

// getOnce GETs url and reads the whole body into buf's space: the status, bytes read and any
// transport error.
func getOnce(ctx context.Context, client *http.Client, url string, buf []byte) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{resp.Body}, buf)
	return resp.StatusCode, n, err
}

// probe checks that the target answers at all before any load is offered, so a wrong URL
// fails at once with the server's answer.
func probe(ctx context.Context, client *http.Client, target string) error {
	defer client.CloseIdleConnections()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, _, err := getOnce(pctx, client, target, make([]byte, 32<<10))
	if err != nil {
		return fmt.Errorf("GET %s: %w (is dtaod serve running there?)", target, err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d before any load", target, code)
	}
	return nil
}
