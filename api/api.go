// Package api is dtaod's HTTP surface (docs/api-design.md): operator endpoints (health,
// readiness, metrics), the chain's reads (blocks, subnets, neurons, accounts, orders), quotes
// and the dev-only admin order endpoint. Handlers read the node's published View, an immutable
// snapshot per block, so reads never wait on block production; what a block's reads share (the
// encoded subnet list, the account index) is computed once per block. Errors are
// application/problem+json with a stable code, and every client is rate limited per remote IP.
package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Chain is what the handlers need of a node (*node.Node implements it).
type Chain interface {
	View() *node.View
	Ready(ctx context.Context) error
	Producer() bool
	Submit(ctx context.Context, o *pools.Order) (int64, error)
	OrderStatus(ctx context.Context, seq int64) (*store.OrderStatus, error)

	// BlockHeader and PoolSnapshots read stored history (store.ErrNotFound when absent).
	BlockHeader(ctx context.Context, h dtaod.Block) (*store.BlockHeader, error)
	PoolSnapshots(ctx context.Context, h dtaod.Block) ([]store.PoolSnapshot, error)
	// QuoteView is the market with the pending orders applied.
	QuoteView(ctx context.Context) (*node.QuoteView, error)
	// AccountNonce is an account's next signed-order nonce; OrderSignature how an order was signed.
	AccountNonce(ctx context.Context, address string) (uint64, error)
	OrderSignature(ctx context.Context, seq int64) (store.Submission, bool, error)
	// Genesis, BlockTime and SubmitParams serve GET /v1/chain and the admin endpoints (the
	// faucet only on the dev genesis; a sudo params change as a set_params mempool entry).
	Genesis() *node.Genesis
	BlockTime() time.Duration
	SubmitParams(ctx context.Context, q *dtaod.ParamsPatch) (int64, error)
	// SubmitSigned admits authenticated signed orders, coalescing concurrent callers into one
	// store write; ChainID is the id signatures must cover; WaitBlock returns once a block
	// above after is applied (for ?wait). See node/admit.go.
	SubmitSigned(ctx context.Context, subs []store.Submission) ([]store.Admission, error)
	ChainID() string
	WaitBlock(ctx context.Context, after dtaod.Block) error
}

// Config configures the handler.
type Config struct {
	// AdminToken enables the admin endpoints (Bearer token); empty disables them.
	AdminToken string
	// Gatherer serves /metrics; nil serves none.
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger

	// RateLimit is each client's (remote IP's) sustained request rate per minute; 0 means the
	// default, 100,000 (generous: a benchmark from one host is not throttled); negative
	// disables rate limiting.
	RateLimit int
	// RateBurst is the bucket size, the most requests a client can make at once; 0 means
	// RateLimit (a minute's worth).
	RateBurst int
	// TrustForwardedFor takes the client address from X-Forwarded-For (behind a trusted
	// reverse proxy only: clients can set it).
	TrustForwardedFor bool
}

// DefaultRateLimit is Config.RateLimit's default, requests per minute per client.
const DefaultRateLimit = 100_000

// extraRoutes lets other files of the package register endpoints (signed orders, the OpenAPI
// document) without editing New: each adds its routes in an init function.
var extraRoutes []func(s *server, r chi.Router)

// New returns the HTTP handler.
func New(c Chain, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = cfg.RateLimit
	}
	s := &server{chain: c, cfg: cfg, headers: newHeaderCache(4096)}
	r := chi.NewRouter()
	if cfg.RateLimit > 0 {
		r.Use(newRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.TrustForwardedFor, time.Now).middleware)
	}
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	r.Get("/readyz", s.readyz)
	if cfg.Gatherer != nil {
		r.Handle("/metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	r.Get("/v1/blocks", s.blocks)
	r.Get("/v1/blocks/latest", s.latestBlock)
	r.Get("/v1/blocks/{height}", s.block)
	r.Get("/v1/subnets", s.subnets)
	r.Get("/v1/subnets/{netuid}", s.subnet)
	r.Get("/v1/subnets/{netuid}/neurons", s.neurons)
	r.Get("/v1/accounts/{address}", s.account)
	r.Get("/v1/orders/{seq}", s.order)
	r.Post("/v1/quote", s.quote)
	r.Post("/v1/admin/orders", s.adminOrder)
	for _, add := range extraRoutes {
		add(s, r)
	}
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		notFound(w, "no such endpoint: "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not allowed on "+r.URL.Path)
	})
	return r
}

type server struct {
	chain   Chain
	cfg     Config
	cache   atomic.Pointer[viewCache] // what the reads of the current block share
	headers *headerCache              // stored block headers, which never change
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.chain.Ready(ctx); err != nil {
		problem(w, http.StatusServiceUnavailable, "NOT_READY", err.Error())
		return
	}
	v := s.chain.View()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "block": v.Header.Height, "producer": s.chain.Producer()})
}
