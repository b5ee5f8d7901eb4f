package api

import (
	"encoding/json"
	"net/http"

	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/scenario"
	"github.com/go-chi/chi/v5"
)

func init() {
	extraRoutes = append(extraRoutes, func(s *server, r chi.Router) {
		r.Get("/v1/chain", s.chainInfo)
	})
}

// chainJSON is GET /v1/chain: what a client must know about the chain before it signs or paces
// anything. The field names are a contract the CLI reads (chain_id above all: signatures cover
// it).
type chainJSON struct {
	Block       uint64          `json:"block"`
	ChainID     string          `json:"chain_id"`
	GenesisHash string          `json:"genesis_hash"`
	SS58Prefix  int             `json:"ss58_prefix"`
	Dev         bool            `json:"dev"`
	Faucet      bool            `json:"faucet"`
	BlockTimeMS int64           `json:"block_time_ms"`
	Params      json.RawMessage `json:"params"`
}

// chainInfo answers GET /v1/chain: the chain's identity (chain id, genesis state hash, address
// prefix), whether it is the dev chain and has a faucet, its block time, and every parameter in
// effect at the view's block (the genesis params or what set_params changed them to), in the
// scenario params shape.
func (s *server) chainInfo(w http.ResponseWriter, _ *http.Request) {
	v := s.chain.View()
	g := s.chain.Genesis()
	writeJSON(w, http.StatusOK, chainJSON{
		Block:       uint64(v.Header.Height),
		ChainID:     g.ChainID,
		GenesisHash: hexOf(g.Hash),
		SS58Prefix:  keys.Prefix,
		Dev:         g.Dev,
		Faucet:      g.Dev && s.cfg.AdminToken != "",
		BlockTimeMS: s.chain.BlockTime().Milliseconds(),
		Params:      scenario.FormatParams(v.Params),
	})
}
