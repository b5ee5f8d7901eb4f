package api

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/go-chi/chi/v5"
)

// The sudo parameter change and the dev faucet (POST /v1/admin/params, POST /v1/admin/faucet):
// both need the admin token, and both become mempool entries the next block applies, so a
// follower and a replay apply them exactly as the producer did.

func init() {
	extraRoutes = append(extraRoutes, func(s *server, r chi.Router) {
		r.Post("/v1/admin/params", s.adminParams)
		r.Post("/v1/admin/faucet", s.adminFaucet)
	})
}

// MaxFaucet is the most TAO one faucet request mints: 1,000,000 TAO, in rao. Enough for any dev
// experiment, small enough that a script looping on the faucet cannot overflow balances or the
// issuance counters (u64) in a few requests.
const MaxFaucet = 1_000_000 * dtaod.RaoPerTAO

// admin checks the admin token; on failure it has answered (404 when the admin endpoints are
// disabled, 401 for a missing or wrong token).
func (s *server) admin(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		notFound(w, "admin endpoints are disabled (no admin token configured)")
		return false
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dtaod admin"`)
		problem(w, http.StatusUnauthorized, "UNAUTHORIZED", "a valid admin token is required (Authorization: Bearer TOKEN)")
		return false
	}
	return true
}

// accepted answers 202 for a mempool entry: its seq, the block it was accepted at, and its
// status page in Location.
func (s *server) accepted(w http.ResponseWriter, seq int64) {
	w.Header().Set("Location", "/v1/orders/"+strconv.FormatInt(seq, 10))
	writeJSON(w, http.StatusAccepted, map[string]any{"block": s.chain.View().Header.Height, "seq": seq, "status": "pending"})
}

// adminParams submits a sudo parameter change: {"params": {...}} with the scenario params
// object's names and rules, stored as a set_params entry. The next block applies it at its
// position; GET /v1/orders/{seq} shows it with its receipt, GET /v1/chain the params in effect.
func (s *server) adminParams(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if errs := paramsShape(body); errs != nil {
		invalid(w, errs...)
		return
	}
	q, err := scenario.ParseParamsChange(body)
	if err != nil {
		orderInvalid(w, body, err)
		return
	}
	seq, err := s.chain.SubmitParams(r.Context(), &q)
	if err != nil {
		s.cfg.Logger.Error("submit params", "err", err)
		problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the change was not stored; retry")
		return
	}
	s.cfg.Logger.Info("sudo params change accepted", "seq", seq, "params", string(scenario.FormatParamsPatch(&q)))
	s.accepted(w, seq)
}

// fractionInput is the contract's FractionInput: 0 to 1 with at most 18 decimals, as a string.
var fractionInput = regexp.MustCompile(`^(0(\.[0-9]{1,18})?|1(\.0{1,18})?)$`)

// paramsShape holds a params change to the API's conventions, stricter than a scenario file's:
// the body is {"params": {...}} and nothing else, params names at least one parameter, amounts
// are strings of base units, fractions decimal strings, integers JSON numbers and names strings.
// What it does not judge (malformed JSON, unknown names, ranges) scenario.ParseParamsChange does.
func paramsShape(body []byte) []fieldError {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	var errs []fieldError
	for k := range top {
		if k != "params" {
			errs = append(errs, fieldError{k, "unknown field (a params change has only params)"})
		}
	}
	raw, ok := top["params"]
	var params map[string]json.RawMessage
	if !ok || json.Unmarshal(raw, &params) != nil {
		return errs // missing or not an object: the parser says so
	}
	if len(params) == 0 {
		errs = append(errs, fieldError{"params", "must name at least one parameter"})
	}
	types := map[string]scenario.ParamType{}
	for _, p := range scenario.ParamList() {
		types[p.Name] = p.Type
	}
	for name, v := range params {
		typ, known := types[name]
		if !known {
			continue
		}
		field := "params." + name
		v = bytes.TrimSpace(v)
		isString := len(v) > 0 && v[0] == '"'
		switch typ {
		case scenario.ParamAmount:
			if _, reason := parseBaseUnits(v); reason != "" {
				errs = append(errs, fieldError{field, reason})
			}
		case scenario.ParamFraction:
			var s string
			if !isString || json.Unmarshal(v, &s) != nil || !fractionInput.MatchString(s) {
				errs = append(errs, fieldError{field, `must be a decimal string from "0" to "1" with at most 18 decimals (e.g. "0.18"), got ` + describeRaw(v)})
			}
		case scenario.ParamInteger:
			if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
				errs = append(errs, fieldError{field, "must be a JSON integer, got " + describeRaw(v)})
			}
		case scenario.ParamName:
			if !isString {
				errs = append(errs, fieldError{field, "must be a string, got " + describeRaw(v)})
			}
		}
	}
	return errs
}

// describeRaw names a raw JSON value for a message: a string quoted, else its kind.
func describeRaw(v json.RawMessage) string {
	if len(v) > 0 && v[0] == '"' {
		if len(v) > 40 {
			return "a string"
		}
		return string(v)
	}
	return jsonKind(v)
}

// faucetRequest is POST /v1/admin/faucet's body.
type faucetRequest struct {
	Address json.RawMessage `json:"address"`
	Amount  json.RawMessage `json:"amount"`
}

// adminFaucet mints TAO to an SS58 address in the next block: a faucet order, so the ledger says
// faucet and the issuance grows by exactly the amount. Only a chain on the embedded dev genesis,
// whose accounts' keys are public, has a faucet; anywhere else it is 404.
func (s *server) adminFaucet(w http.ResponseWriter, r *http.Request) {
	if !s.admin(w, r) {
		return
	}
	if !s.chain.Genesis().Dev {
		notFound(w, "this chain has no faucet: only a chain started on the embedded dev genesis mints TAO")
		return
	}
	var req faucetRequest
	if !decodeStrict(w, r, &req) {
		return
	}
	var errs []fieldError
	var address string
	switch {
	case !present(req.Address):
		errs = append(errs, fieldError{"address", "required field is missing"})
	case json.Unmarshal(req.Address, &address) != nil:
		errs = append(errs, fieldError{"address", "must be an SS58 address string, got " + jsonKind(req.Address)})
	default:
		if _, err := keys.ParseAddress(address); err != nil {
			errs = append(errs, fieldError{"address", "must be an SS58 address (network prefix 42): " + err.Error()})
		}
	}
	var amount uint64
	switch {
	case !present(req.Amount):
		errs = append(errs, fieldError{"amount", "required field is missing"})
	default:
		var reason string
		amount, reason = parseBaseUnits(req.Amount)
		switch {
		case reason != "":
			errs = append(errs, fieldError{"amount", reason})
		case amount == 0:
			errs = append(errs, fieldError{"amount", "must be more than 0"})
		case amount > MaxFaucet:
			errs = append(errs, fieldError{"amount", "must be at most " + u64s(MaxFaucet) + " (1,000,000 TAO) per request"})
		}
	}
	if errs != nil {
		invalid(w, errs...)
		return
	}
	seq, err := s.chain.Submit(r.Context(), &pools.Order{Kind: pools.Faucet, Coldkey: address, Amount: amount})
	if err != nil {
		s.cfg.Logger.Error("submit faucet", "err", err)
		problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the faucet order was not stored; retry")
		return
	}
	s.accepted(w, seq)
}
