// Package api is dtaod's HTTP surface: operator endpoints (health, readiness, metrics), the
// chain's reads (latest block, subnets, orders) and the dev-only admin order endpoint. Handlers
// read the node's published View, an immutable snapshot per block, so reads never wait on
// block production. Errors are application/problem+json with a stable code.
package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Chain is what the handlers need of a node.
type Chain interface {
	View() *node.View
	Ready(ctx context.Context) error
	Producer() bool
	Submit(ctx context.Context, o *pools.Order) (int64, error)
	OrderStatus(ctx context.Context, seq int64) (*store.OrderStatus, error)
}

// Config configures the handler.
type Config struct {
	// AdminToken enables the admin endpoints (Bearer token); empty disables them.
	AdminToken string
	// Gatherer serves /metrics; nil serves none.
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
}

// maxBody bounds request bodies.
const maxBody = 64 << 10

// New returns the HTTP handler.
func New(c Chain, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{chain: c, cfg: cfg}
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	r.Get("/readyz", s.readyz)
	if cfg.Gatherer != nil {
		r.Handle("/metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{}))
	}
	r.Get("/v1/blocks/latest", s.latestBlock)
	r.Get("/v1/subnets", s.subnets)
	r.Get("/v1/orders/{seq}", s.order)
	r.Post("/v1/admin/orders", s.adminOrder)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint: "+r.URL.Path)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method+" is not allowed on "+r.URL.Path)
	})
	return r
}

type server struct {
	chain Chain
	cfg   Config
}

// problem writes an RFC 9457 problem document with our stable code.
func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":  "https://dtaod.dev/problems/" + strings.ToLower(strings.ReplaceAll(code, "_", "-")),
		"title": http.StatusText(status), "status": status, "code": code, "detail": detail,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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

// blockJSON is a block header on the wire: amounts as strings of base units.
type blockJSON struct {
	Height        uint64 `json:"height"`
	StateHash     string `json:"state_hash"`
	ParentHash    string `json:"parent_hash"`
	Emission      string `json:"emission"`
	TotalIssuance string `json:"total_issuance"`
	Orders        int    `json:"orders"`
	ProducedAt    string `json:"produced_at,omitempty"`
}

func hexOf(h [32]byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for i, c := range h {
		b[2*i], b[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(b)
}

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }

func (s *server) latestBlock(w http.ResponseWriter, _ *http.Request) {
	v := s.chain.View()
	h := v.Header
	out := blockJSON{Height: uint64(h.Height), StateHash: hexOf(v.Snapshot.Hash()), ParentHash: hexOf(h.ParentHash),
		Emission: u64s(uint64(h.Emission)), TotalIssuance: u64s(uint64(v.Snapshot.Globals.TotalIssuance)), Orders: h.Orders}
	if h.Height > 0 {
		out.StateHash = hexOf(h.StateHash)
		out.ProducedAt = h.ProducedAt.UTC().Format(time.RFC3339Nano)
	}
	writeJSON(w, http.StatusOK, out)
}

// subnetJSON is one subnet on the wire.
type subnetJSON struct {
	NetUID              uint16 `json:"netuid"`
	TAOIn               string `json:"tao_in"`
	AlphaIn             string `json:"alpha_in"`
	AlphaOut            string `json:"alpha_out"`
	Price               string `json:"price"`
	MovingPrice         string `json:"moving_price"`
	Tempo               uint16 `json:"tempo"`
	RegistrationAllowed bool   `json:"registration_allowed"`
	OwnerColdkey        string `json:"owner_coldkey"`
	OwnerHotkey         string `json:"owner_hotkey"`
	TAOInEmission       string `json:"tao_in_emission"`
	AlphaInEmission     string `json:"alpha_in_emission"`
	AlphaOutEmission    string `json:"alpha_out_emission"`
	Volume              string `json:"volume"`
	Neurons             int    `json:"neurons"`
}

func (s *server) subnets(w http.ResponseWriter, _ *http.Request) {
	v := s.chain.View()
	neurons := map[dtaod.NetUID]int{}
	for _, n := range v.Snapshot.Neurons {
		neurons[n.NetUID]++
	}
	out := make([]subnetJSON, len(v.Snapshot.Subnets))
	for i, r := range v.Snapshot.Subnets {
		sub := pools.Subnet{TAOIn: r.TAOIn, AlphaIn: r.AlphaIn}
		out[i] = subnetJSON{
			NetUID: uint16(r.NetUID), TAOIn: u64s(uint64(r.TAOIn)), AlphaIn: u64s(uint64(r.AlphaIn)), AlphaOut: u64s(uint64(r.AlphaOut)),
			Price: sub.Pool().SpotPrice().String(), MovingPrice: r.MovingPrice.String(), Tempo: r.Tempo,
			RegistrationAllowed: r.RegistrationAllowed, OwnerColdkey: r.OwnerColdkey, OwnerHotkey: r.OwnerHotkey,
			TAOInEmission: u64s(uint64(r.LastTAOInEmission)), AlphaInEmission: u64s(uint64(r.LastAlphaInEmission)),
			AlphaOutEmission: u64s(uint64(r.LastAlphaOutEmission)), Volume: volume(r.VolumeHi, r.VolumeLo),
			Neurons: neurons[r.NetUID],
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"block": v.Header.Height, "subnets": out})
}
