package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // -pprof serves the default mux, where this registers /debug/pprof/
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/dtaod/dtaod/api"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/postgres"
	"github.com/dtaod/dtaod/store"
	"github.com/dtaod/dtaod/store/mem"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/term"
)

// serveConfig is dtaod serve's configuration: flags, defaulting to DTAOD_* variables.
type serveConfig struct {
	Listen      string
	DatabaseURL string
	BlockTime   time.Duration
	Genesis     string
	AdminToken  string
	ChainID     string
	MaxOrders   int
	LogFormat   string
	Pprof       string // listen address for /debug/pprof/, empty for none
	RateLimit   int    // requests per minute per client (api.Config.RateLimit: 0 default, <0 off)
	RateBurst   int
	TrustXFF    bool // take the client address from X-Forwarded-For
}

// envOr is the DTAOD_ variable name's value, or def.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func parseServeConfig(name string, args []string, stdout, stderr io.Writer) (*serveConfig, int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &serveConfig{}
	fs.StringVar(&c.Listen, "listen", envOr("DTAOD_LISTEN", "127.0.0.1:8080"), "HTTP listen `address` (DTAOD_LISTEN); port 0 picks a free port")
	fs.StringVar(&c.DatabaseURL, "database-url", envOr("DTAOD_DATABASE_URL", ""), "PostgreSQL `URL` (DTAOD_DATABASE_URL); empty runs in memory with the dev genesis")
	bt := fs.String("block-time", envOr("DTAOD_BLOCK_TIME", "12s"), "time between blocks (DTAOD_BLOCK_TIME)")
	fs.StringVar(&c.Genesis, "genesis", envOr("DTAOD_GENESIS", ""), "genesis `FILE` (a scenario file: params + state), or \"dev\" for the embedded dev genesis (DTAOD_GENESIS)")
	fs.StringVar(&c.AdminToken, "admin-token", envOr("DTAOD_ADMIN_TOKEN", ""), "bearer `token` for the admin endpoints (DTAOD_ADMIN_TOKEN); empty disables them (in memory: a random one is made)")
	fs.StringVar(&c.ChainID, "chain-id", envOr("DTAOD_CHAIN_ID", "dtaod-dev"), "chain id stored with the genesis (DTAOD_CHAIN_ID)")
	mo := fs.String("max-orders", envOr("DTAOD_MAX_ORDERS", "10000"), "most orders per block (DTAOD_MAX_ORDERS)")
	fs.StringVar(&c.Pprof, "pprof", envOr("DTAOD_PPROF", ""), "serve Go's /debug/pprof/ profiles on this `address` (DTAOD_PPROF), such as 127.0.0.1:6060; empty serves none")
	rl := fs.String("rate-limit", envOr("DTAOD_RATE_LIMIT", strconv.Itoa(api.DefaultRateLimit)), "requests per minute each client (remote IP) may make (DTAOD_RATE_LIMIT); -1 turns rate limiting off")
	rb := fs.String("rate-burst", envOr("DTAOD_RATE_BURST", "0"), "the most requests a client may make at once (DTAOD_RATE_BURST); 0 means a minute's worth")
	fs.BoolVar(&c.TrustXFF, "trust-forwarded-for", envOr("DTAOD_TRUST_FORWARDED_FOR", "") == "true", "rate-limit by X-Forwarded-For (DTAOD_TRUST_FORWARDED_FOR=true): only behind a reverse proxy that sets it, since clients can")
	fs.StringVar(&c.LogFormat, "log-format", envOr("DTAOD_LOG_FORMAT", "auto"), "log format: auto (JSON unless stderr is a terminal), json or text (DTAOD_LOG_FORMAT)")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: dtaod %s [flags]\n\nFlags (each defaults to its DTAOD_* variable):\n", name)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		}
		return nil, exitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "dtaod %s: unexpected argument %q\n", name, fs.Arg(0))
		return nil, exitUsage
	}
	var err error
	if c.BlockTime, err = time.ParseDuration(*bt); err != nil || c.BlockTime < time.Millisecond {
		fmt.Fprintf(stderr, "dtaod %s: -block-time %q: must be a duration of at least 1ms, such as 12s or 500ms\n", name, *bt)
		return nil, exitUsage
	}
	if c.MaxOrders, err = strconv.Atoi(*mo); err != nil || c.MaxOrders < 1 {
		fmt.Fprintf(stderr, "dtaod %s: -max-orders %q: must be a positive integer\n", name, *mo)
		return nil, exitUsage
	}
	if c.RateLimit, err = strconv.Atoi(*rl); err != nil || c.RateLimit == 0 || c.RateLimit < -1 {
		fmt.Fprintf(stderr, "dtaod %s: -rate-limit %q: must be a positive number of requests per minute, or -1 for none\n", name, *rl)
		return nil, exitUsage
	}
	if c.RateBurst, err = strconv.Atoi(*rb); err != nil || c.RateBurst < 0 {
		fmt.Fprintf(stderr, "dtaod %s: -rate-burst %q: must be 0 (a minute's worth) or a positive number of requests\n", name, *rb)
		return nil, exitUsage
	}
	if c.LogFormat != "auto" && c.LogFormat != "json" && c.LogFormat != "text" {
		fmt.Fprintf(stderr, "dtaod %s: -log-format %q: must be auto, json or text\n", name, c.LogFormat)
		return nil, exitUsage
	}
	return c, exitOK
}

// maskURL hides a database URL's password.
func maskURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable, hidden)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "(set, hidden)"
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func serveCmd(args []string, stdout, stderr io.Writer) int {
	c, code := parseServeConfig("serve", args, stdout, stderr)
	if c == nil {
		return code
	}
	log := newLogger(c.LogFormat, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var st store.Store
	if c.DatabaseURL == "" {
		log.Info("dtaod serve: running IN MEMORY with the embedded dev genesis; nothing is persisted (set DTAOD_DATABASE_URL for PostgreSQL)")
		if c.Genesis == "" {
			c.Genesis = "dev"
		}
		if c.AdminToken == "" {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			c.AdminToken = hex.EncodeToString(b)
			log.Info("dev admin token for this run (in memory only)", "admin_token", c.AdminToken)
		}
		st = mem.New()
	} else {
		log.Info("dtaod serve: running on PostgreSQL", "database_url", maskURL(c.DatabaseURL))
	}
	log.Info("config", "listen", c.Listen, "database_url", maskURL(c.DatabaseURL), "block_time", c.BlockTime.String(),
		"genesis", c.Genesis, "admin_token", mask(c.AdminToken), "chain_id", c.ChainID, "max_orders", c.MaxOrders, "log_format", c.LogFormat,
		"rate_limit", c.RateLimit, "rate_burst", c.RateBurst, "trust_forwarded_for", c.TrustXFF)
	if st == nil {
		if err := postgres.MigrateUp(c.DatabaseURL); err != nil {
			log.Error("migrations failed; not starting", "err", err)
			return exitFail
		}
		pg, err := postgres.Open(ctx, c.DatabaseURL)
		if err != nil {
			log.Error("cannot open the database", "err", err)
			return exitFail
		}
		st = pg
	}
	defer st.Close()
	gen, err := loadGenesis(ctx, st, c)
	if err != nil {
		log.Error("genesis", "err", err)
		return exitUsage
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	n, err := node.Open(ctx, st, gen, node.Config{BlockTime: c.BlockTime, MaxOrders: c.MaxOrders, Logger: log, Metrics: node.NewMetrics(reg)})
	if err != nil {
		log.Error("cannot start the chain", "err", err)
		return exitFail
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		log.Error("cannot listen", "addr", c.Listen, "err", err)
		return exitFail
	}
	srv := &http.Server{Handler: api.New(n, api.Config{AdminToken: c.AdminToken, Gatherer: reg, Logger: log,
		RateLimit: c.RateLimit, RateBurst: c.RateBurst, TrustForwardedFor: c.TrustXFF}),
		ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	log.Info("listening", "addr", ln.Addr().String(), "height", n.View().Header.Height)
	if c.Pprof != "" {
		go func() { log.Error("pprof server", "err", http.ListenAndServe(c.Pprof, nil)) }() //nolint:gosec // operator-chosen debug address
	}

	runErr := n.Run(ctx)
	if runErr != nil {
		// Production stopped on an invariant: keep serving reads (readyz reports why) until told
		// to stop, so an operator can look before anything restarts it.
		log.Error("block production stopped; serving reads only until shutdown", "err", runErr)
		<-ctx.Done()
	}
	log.Info("shutting down", "height", n.View().Header.Height)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if runErr != nil {
		return exitFail
	}
	return exitOK
}

// loadGenesis picks the genesis: the file (or "dev") given, else the one the store holds.
func loadGenesis(ctx context.Context, st store.Store, c *serveConfig) (*node.Genesis, error) {
	switch c.Genesis {
	case "dev":
		return node.ParseGenesis(node.DevGenesis(), c.ChainID)
	case "":
		g, err := st.Genesis(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return nil, errors.New("the database holds no chain yet: start with -genesis FILE (a scenario file) or -genesis dev")
		}
		if err != nil {
			return nil, err
		}
		return node.ParseGenesis(g.Document, g.ChainID)
	}
	doc, err := os.ReadFile(c.Genesis)
	if err != nil {
		return nil, err
	}
	return node.ParseGenesis(doc, c.ChainID)
}
