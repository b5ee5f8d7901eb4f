package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// adminOrder submits an order on anyone's behalf: the dev and operator path beside signed
// orders. The body is one order in the scenario action shape, without block.
func (s *server) adminOrder(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminToken == "" {
		notFound(w, "admin endpoints are disabled (no admin token configured)")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dtaod admin"`)
		problem(w, http.StatusUnauthorized, "UNAUTHORIZED", "a valid admin token is required (Authorization: Bearer TOKEN)")
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if errs := amountsAreStrings(body); errs != nil {
		invalid(w, errs...)
		return
	}
	o, err := scenario.ParseOrder(body)
	if err != nil {
		orderInvalid(w, body, err)
		return
	}
	if o.Kind == pools.Faucet {
		// Minting is for the dev genesis only, through its own endpoint; an operator token must
		// not be a way to print TAO on a real chain.
		problemFields(w, http.StatusUnprocessableEntity, "VALIDATION_FAILED", "faucet orders cannot be submitted here",
			[]fieldError{{Field: "type", Reason: "faucet is not an order type this endpoint accepts"}})
		return
	}
	seq, err := s.chain.Submit(r.Context(), &o)
	if err != nil {
		s.cfg.Logger.Error("submit order", "err", err)
		problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the order was not stored; retry")
		return
	}
	w.Header().Set("Location", "/v1/orders/"+strconv.FormatInt(seq, 10))
	writeJSON(w, http.StatusAccepted, map[string]any{"block": s.chain.View().Header.Height, "seq": seq, "status": "pending"})
}

// orderInvalid answers a scenario.ParseOrder error: 400 for malformed JSON, else 422 naming
// every field at fault.
func orderInvalid(w http.ResponseWriter, body []byte, err error) {
	var list *scenario.ErrorList
	if !errors.As(err, &list) || len(list.Errors) == 0 {
		invalid(w, fieldError{"body", err.Error()})
		return
	}
	errs := make([]fieldError, 0, len(list.Errors))
	for _, e := range list.Errors {
		if e.Path != "" {
			errs = append(errs, fieldError{e.Path, e.Reason})
			continue
		}
		if !json.Valid(body) {
			problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: "+e.Reason)
			return
		}
		errs = append(errs, fieldError{"body", e.Reason})
	}
	invalid(w, errs...)
}

// amountsAreStrings holds an order body to the API's amount convention, stricter than a
// scenario file's: an amount is a string of base units, never a JSON number. Anything else
// about the body is scenario.ParseOrder's to judge.
func amountsAreStrings(body []byte) []fieldError {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return nil
	}
	if raw, ok := fields["amount"]; ok {
		if _, reason := parseBaseUnits(raw); reason != "" {
			return []fieldError{{"amount", reason}}
		}
	}
	return nil
}
