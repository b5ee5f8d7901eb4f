package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/store"
)

// batchResult is one order's fate in a batch: pending with its seq, or refused with the problem
// POST /v1/orders would have answered.
type batchResult struct {
	Index  int         `json:"index"`
	Status string      `json:"status"` // pending | refused
	Seq    int64       `json:"seq,omitempty"`
	Error  *problemDoc `json:"error,omitempty"`
}

type batchJSON struct {
	Block   uint64        `json:"block"`
	Results []batchResult `json:"results"`
}

// submitBatch is POST /v1/orders/batch: up to 1000 signed orders checked as POST /v1/orders
// checks one and admitted in one store write, in list order (so a batch can carry one signer's
// consecutive nonces). Signatures are verified in parallel, one worker per CPU: ed25519
// verification is most of a batch's cost.
func (s *server) submitBatch(w http.ResponseWriter, r *http.Request) {
	if _, has := r.Header["Idempotency-Key"]; has {
		invalid(w, fieldError{"Idempotency-Key", "is not supported on a batch: a resent batch is safe without it (its admitted orders' nonces are used, so they are refused as BAD_NONCE, never admitted twice)"})
		return
	}
	body, ok := readBodyMax(w, r, maxBatchBody, "1 MiB")
	if !ok {
		return
	}
	items, p := decodeBatch(body)
	if p != nil {
		writeProblem(w, p)
		return
	}

	// Stage 1, the shape (in parallel too: it is a fifth of an order's cost): any malformed
	// order refuses the whole batch.
	qs := make([]*signedOrder, len(items))
	ferrs := make([][]fieldError, len(items))
	parallel(len(items), func(i int) {
		wire, p := decodeSigned(items[i])
		switch {
		case p != nil && len(p.Errors) > 0:
			ferrs[i] = p.Errors
		case p != nil:
			ferrs[i] = []fieldError{{"body", p.Detail}}
		default:
			qs[i], ferrs[i] = parseSigned(wire)
		}
	})
	var errs []fieldError
	for i := range ferrs {
		at := "orders[" + strconv.Itoa(i) + "]"
		for _, e := range ferrs[i] {
			if e.Field == "body" {
				e.Field = at
			} else {
				e.Field = at + "." + e.Field
			}
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		if len(errs) > maxBatchErrors {
			errs = errs[:maxBatchErrors]
		}
		invalid(w, errs...)
		return
	}

	// Stage 2 in parallel, then the subnets.
	chainID := s.chain.ChainID()
	refused := make([]*problemDoc, len(qs))
	parallel(len(qs), func(i int) { refused[i] = authenticate(chainID, qs[i]) })
	var qv *node.QuoteView
	for i, q := range qs {
		if refused[i] != nil {
			continue
		}
		p, err := s.subnetCheck(r.Context(), q, &qv)
		if err != nil {
			s.unavailable(w, "subnet check", err)
			return
		}
		refused[i] = p
	}

	// Stage 3: one admission for the rest.
	subs := make([]store.Submission, 0, len(qs))
	idx := make([]int, 0, len(qs))
	for i, q := range qs {
		if refused[i] == nil {
			subs = append(subs, q.submission(chainID, ""))
			idx = append(idx, i)
		}
	}
	out, err := s.chain.SubmitSigned(r.Context(), subs)
	if err != nil {
		if r.Context().Err() != nil {
			problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the request ended before the orders were stored")
			return
		}
		s.unavailable(w, "submit signed batch", err)
		return
	}
	seqs := make([]int64, len(qs))
	for j, i := range idx {
		switch a := out[j]; {
		case a.Err == nil:
			seqs[i] = a.Seq
		case errors.Is(a.Err, store.ErrBadNonce):
			// Filled in below, with the nonce the signer needed at that point of the batch.
		default:
			s.unavailable(w, "submit signed batch", a.Err)
			return
		}
	}
	s.badNonces(r, qs, refused, seqs, idx)
	res := batchJSON{Block: uint64(s.chain.View().Header.Height), Results: make([]batchResult, len(qs))}
	for i := range qs {
		if refused[i] != nil {
			res.Results[i] = batchResult{Index: i, Status: "refused", Error: refused[i]}
		} else {
			res.Results[i] = batchResult{Index: i, Status: "pending", Seq: seqs[i]}
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// decodeBatch reads a batch envelope {"orders": [...]} strictly, in one decode: 400 for
// malformed JSON or data after it, 422 naming the field otherwise (an unknown field, orders
// missing, not a list, empty or over 1000).
func decodeBatch(body []byte) ([]json.RawMessage, *problemDoc) {
	var env struct {
		Orders *[]json.RawMessage `json:"orders"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&env)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return nil, newProblem(http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: data after the object", nil)
		}
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newProblem(http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: "+err.Error(), nil)
	case errors.As(err, &typ) && typ.Field == "":
		return nil, invalidProblem([]fieldError{{"body", "must be a JSON object {orders: [...]}, got " + typ.Value}})
	case errors.As(err, &typ):
		return nil, invalidProblem([]fieldError{{"orders", "must be a list of signed orders, got " + typ.Value}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return nil, invalidProblem([]fieldError{{name, "unknown field (a batch has only orders)"}})
	default:
		return nil, invalidProblem([]fieldError{{"body", err.Error()}})
	}
	switch {
	case env.Orders == nil:
		return nil, invalidProblem([]fieldError{{"orders", "is required: a list of 1 to 1000 signed orders"}})
	case len(*env.Orders) == 0 || len(*env.Orders) > maxBatchOrders:
		return nil, invalidProblem([]fieldError{{"orders", fmt.Sprintf("must hold 1 to %d orders, got %d", maxBatchOrders, len(*env.Orders))}})
	}
	return *env.Orders, nil
}

// badNonces refuses the admitted-to-the-store orders that got no seq (store.ErrBadNonce) with
// the nonce their signer needed at that point of the batch: the signer's next before the
// batch (its first admitted nonce, or the store's next nonce when none was admitted), advanced
// by each admitted order. Other requests' writes can interleave, so it is advice for people,
// not a promise.
func (s *server) badNonces(r *http.Request, qs []*signedOrder, refused []*problemDoc, seqs []int64, idx []int) {
	next := map[string]uint64{}
	for _, i := range idx {
		if _, ok := next[qs[i].signer]; !ok && seqs[i] != 0 {
			next[qs[i].signer] = qs[i].nonce
		}
	}
	known := map[string]bool{}
	for signer := range next {
		known[signer] = true
	}
	for _, i := range idx {
		q := qs[i]
		if seqs[i] != 0 {
			next[q.signer] = q.nonce + 1
			continue
		}
		if _, ok := next[q.signer]; !ok {
			n, err := s.chain.AccountNonce(r.Context(), q.signer)
			next[q.signer], known[q.signer] = n, err == nil
		}
		refused[i] = badNonce(q.nonce, next[q.signer], known[q.signer])
	}
}

// parallel runs f(0..n-1) on up to GOMAXPROCS goroutines (inline for a few items).
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 || n < 4 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// readBodyMax is readBody with another limit (what names it in the 413).
func readBodyMax(w http.ResponseWriter, r *http.Request, limit int64, what string) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(w, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "the body is over "+what)
		} else {
			problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "the body could not be read: "+err.Error())
		}
		return nil, false
	}
	return body, true
}
