package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
)

// Signed orders: POST /v1/orders and POST /v1/orders/batch (docs/api-design.md, "Signed
// orders"). An order is checked in three stages, cheapest first, and refused at the first that
// fails; nothing refused reaches the mempool:
//
//  1. shape (422 VALIDATION_FAILED naming the field; 400 for malformed JSON): the envelope
//     {signer, nonce, call, signature} strictly, the call by scenario.ParseOrder plus the API's
//     wire rules (amounts strings of base units, netuids JSON integers, keys SS58 addresses or
//     account names, to_coldkey an SS58 address, no faucet);
//  2. authority (401 BAD_SIGNATURE): the signer is the account the call acts for, and the
//     signature verifies over keys.SigningBytes(chain id, signer, nonce, canonical call), where
//     the canonical call is scenario.FormatOrder of the parsed call: a client must sign exactly
//     those bytes (what GET /v1/orders/{seq} shows as call);
//  3. the chain: every subnet the call names exists now or is being registered by a pending
//     order (422 SUBNET_NOT_FOUND), then the store admits the nonce (409 BAD_NONCE) and the
//     idempotency key (409 VALIDATION_FAILED) atomically with the insert.
//
// A batch is refused whole (422, naming orders[i].field) when an order fails stage 1, so a
// batch the server answers 200 is always one the contract accepts; stages 2 and 3 refuse
// orders one by one. Admission goes through node.SubmitSigned, which coalesces concurrent
// requests into one store write.

func init() {
	extraRoutes = append(extraRoutes, func(s *server, r chi.Router) {
		r.Post("/v1/orders", s.submitOrder)
		r.Post("/v1/orders/batch", s.submitBatch)
	})
}

const (
	maxBatchBody   = 1 << 20 // a batch body; 1000 orders of ~600 bytes fit
	maxBatchOrders = 1000
	maxWait        = 60 // seconds a ?wait may hold a request
	maxBatchErrors = 100
)

// signedWire is a signed order as it arrives; each field is judged by hand so the error can
// name it and say why.
type signedWire struct {
	Signer    json.RawMessage `json:"signer"`
	Nonce     json.RawMessage `json:"nonce"`
	Call      json.RawMessage `json:"call"`
	Signature json.RawMessage `json:"signature"`
}

// signedOrder is a well-formed signed order, not yet authenticated.
type signedOrder struct {
	signer string
	nonce  uint64
	order  pools.Order
	call   []byte // scenario.FormatOrder(&order): the signed bytes and the mempool payload
	sig    []byte
}

func newProblem(status int, code, detail string, errs []fieldError) *problemDoc {
	return &problemDoc{Type: "https://dtaod.dev/problems/" + strings.ToLower(strings.ReplaceAll(code, "_", "-")),
		Title: http.StatusText(status), Status: status, Code: code, Detail: detail, Errors: errs}
}

func writeProblem(w http.ResponseWriter, p *problemDoc) {
	problemFields(w, p.Status, p.Code, p.Detail, p.Errors)
}

func invalidProblem(errs []fieldError) *problemDoc {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Field + ": " + e.Reason
	}
	return newProblem(http.StatusUnprocessableEntity, "VALIDATION_FAILED", strings.Join(parts, "; "), errs)
}

// decodeSigned decodes one signed order object strictly: unknown fields and trailing data are
// refused, malformed JSON is 400.
func decodeSigned(raw []byte) (*signedWire, *problemDoc) {
	var wire signedWire
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&wire)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return nil, newProblem(http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: data after the object", nil)
		}
		return &wire, nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return nil, newProblem(http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: "+err.Error(), nil)
	case errors.As(err, &typ):
		return nil, invalidProblem([]fieldError{{"body", "must be a JSON object {signer, nonce, call, signature}, got " + typ.Value}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return nil, invalidProblem([]fieldError{{name, "unknown field (a signed order has signer, nonce, call and signature)"}})
	}
	return nil, invalidProblem([]fieldError{{"body", err.Error()}})
}

// parseSigned checks a decoded order's shape (stage 1) and returns it with its canonical call,
// or every field at fault.
func parseSigned(wire *signedWire) (*signedOrder, []fieldError) {
	var errs []fieldError
	q := &signedOrder{}
	if !present(wire.Signer) {
		errs = append(errs, fieldError{"signer", "is required: the signing account's SS58 address"})
	} else if err := json.Unmarshal(wire.Signer, &q.signer); err != nil {
		errs = append(errs, fieldError{"signer", "must be a string (an SS58 address), got " + jsonKind(wire.Signer)})
	} else if _, err := keys.ParseAddress(q.signer); err != nil {
		errs = append(errs, fieldError{"signer", "must be an SS58 address (prefix 42): " + err.Error()})
	}
	if !present(wire.Nonce) {
		errs = append(errs, fieldError{"nonce", "is required: the signer's next nonce (GET /v1/accounts/{address})"})
	} else if n, reason := parseNonce(wire.Nonce); reason != "" {
		errs = append(errs, fieldError{"nonce", reason})
	} else {
		q.nonce = n
	}
	if !present(wire.Signature) {
		errs = append(errs, fieldError{"signature", "is required: 128 hex digits"})
	} else if sig, reason := parseSignature(wire.Signature); reason != "" {
		errs = append(errs, fieldError{"signature", reason})
	} else {
		q.sig = sig
	}
	if !present(wire.Call) {
		errs = append(errs, fieldError{"call", "is required: the order, e.g. {\"type\":\"add_stake\",...}"})
	} else {
		errs = append(errs, q.parseCall(bytes.TrimSpace(wire.Call))...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return q, nil
}

// parseCall reads the call into q.order and q.call.
func (q *signedOrder) parseCall(raw []byte) []fieldError {
	// Clients sign the canonical call, so it is usually what arrives: then raw is the canonical
	// encoding itself and need not be re-encoded to compare.
	o, ok := scenario.ParseCanonicalOrder(raw)
	var err error
	var canonical []byte
	switch {
	case ok:
		canonical = bytes.Clone(raw) // raw aliases the request body
	default:
		if o, err = scenario.ParseOrder(raw); err == nil {
			canonical = scenario.FormatOrder(&o)
		}
	}
	var errs []fieldError
	if err != nil || !bytes.Equal(canonical, raw) {
		// Not the canonical bytes: hold it to the wire rules ParseOrder (a scenario file's
		// parser) is more lenient about. The canonical encoding meets them by construction.
		errs = callWire(raw)
	}
	if err != nil {
		var list *scenario.ErrorList
		if !errors.As(err, &list) || len(list.Errors) == 0 {
			return append(errs, fieldError{"call", err.Error()})
		}
		for _, e := range list.Errors {
			field := "call"
			if p := strings.TrimPrefix(e.Path, "."); p != "" {
				field += "." + p
			}
			if !hasField(errs, field) {
				errs = append(errs, fieldError{field, e.Reason})
			}
		}
		return errs
	}
	if o.Kind == pools.Faucet {
		errs = append(errs, fieldError{"call.type", "faucet is not an order an account can sign (the dev faucet is POST /v1/admin/faucet)"})
	}
	for _, k := range orderKeys(&o) {
		switch {
		case k.field == "to_coldkey":
			if _, err := keys.ParseAddress(k.value); err != nil {
				errs = append(errs, fieldError{"call.to_coldkey", "must be an SS58 address (prefix 42): " + err.Error()})
			}
		case !validAddress(k.value):
			errs = append(errs, fieldError{"call." + k.field, "must be an SS58 address or account name (1-128 letters, digits, '.', '_', '-')"})
		}
	}
	if o.HasLimit {
		if ip, _, _ := strings.Cut(o.LimitPrice.String(), "."); len(ip) > 20 {
			errs = append(errs, fieldError{"call.limit_price", "must have at most 20 digits before the decimal point"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	q.order, q.call = o, canonical
	return nil
}

func hasField(errs []fieldError, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// callWire holds a non-canonical call's JSON to the API's rules: amount a string of base units
// (parseBaseUnits), netuids and weights JSON integers, limit_price a decimal string.
func callWire(raw []byte) []fieldError {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return nil // not an object: ParseOrder says so
	}
	var errs []fieldError
	for name, v := range fields {
		reason := ""
		switch name {
		case "amount":
			_, reason = parseBaseUnits(v)
		case "netuid", "from_netuid", "to_netuid":
			if n, ok := jsonUint(v); !ok || n > 65535 {
				reason = "must be a JSON integer from 0 to 65535, got " + string(bytes.TrimSpace(v))
			}
		case "limit_price":
			reason = priceInput(v)
		case "weights":
			reason = weightsWire(v)
		}
		if reason != "" {
			errs = append(errs, fieldError{"call." + name, reason})
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Field < errs[j].Field })
	return errs
}

// jsonUint reads a JSON number written as plain decimal digits.
func jsonUint(raw json.RawMessage) (uint64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || len(raw) > 20 {
		return 0, false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	return v, err == nil
}

// priceInput checks a limit price: a string of at most 20 digits, optionally a point and 1 to
// 18 more (the PriceInput schema).
func priceInput(raw json.RawMessage) string {
	const want = `must be a decimal string such as "0.52" (at most 20 digits, a point and 18 decimals)`
	var s string
	if bytes.TrimSpace(raw)[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return want + ", got " + jsonKind(bytes.TrimSpace(raw))
	}
	ip, frac, dot := strings.Cut(s, ".")
	if len(ip) < 1 || len(ip) > 20 || !digits(ip) || dot && (len(frac) < 1 || len(frac) > 18 || !digits(frac)) {
		return want + ", got " + strconv.Quote(s)
	}
	return ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// weightsWire checks set_weights' weights: an object from decimal uids to integers 0..65535.
func weightsWire(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "" // not an object: ParseOrder says so
	}
	for k, v := range m {
		if len(k) < 1 || len(k) > 5 || !digits(k) {
			return "keys must be uids in decimal (1 to 5 digits), got " + strconv.Quote(k)
		}
		if n, ok := jsonUint(v); !ok || n > 65535 {
			return "weight of uid " + k + " must be a JSON integer from 0 to 65535, got " + string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// parseNonce reads a nonce: a JSON integer from 0 to store.MaxNonce.
func parseNonce(raw json.RawMessage) (uint64, string) {
	raw = bytes.TrimSpace(raw)
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, "must be a JSON integer, got " + jsonKind(raw)
	}
	switch {
	case raw[0] == '-':
		return 0, "must not be negative"
	case bytes.ContainsAny(raw, ".eE"):
		return 0, "must be an integer (no decimal point or exponent)"
	}
	v, ok := jsonUint(raw)
	if !ok || v > store.MaxNonce {
		return 0, "must be at most " + strconv.FormatUint(store.MaxNonce, 10)
	}
	return v, ""
}

// parseSignature reads a signature: a string of 128 hex digits (64 bytes).
func parseSignature(raw json.RawMessage) ([]byte, string) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return nil, "must be a string of 128 hex digits, got " + jsonKind(bytes.TrimSpace(raw))
	}
	if len(s) != 128 {
		return nil, fmt.Sprintf("must be 128 hex digits (a 64-byte ed25519 signature), got %d characters", len(s))
	}
	sig, err := hex.DecodeString(s)
	if err != nil {
		return nil, "must be 128 hex digits: " + err.Error()
	}
	return sig, ""
}

type keyField struct{ field, value string }

// orderKeys lists the accounts a call names, by wire field (FormatOrder's layout).
func orderKeys(o *pools.Order) []keyField {
	var ks []keyField
	if o.Kind != pools.SetWeights {
		ks = append(ks, keyField{"coldkey", o.Coldkey})
	}
	switch o.Kind {
	case pools.AddStake, pools.RemoveStake, pools.RegisterNeuron, pools.SetWeights, pools.RegisterSubnet, pools.SwapStake:
		ks = append(ks, keyField{"hotkey", o.Hotkey})
	case pools.MoveStake:
		ks = append(ks, keyField{"from_hotkey", o.FromHotkey}, keyField{"to_hotkey", o.ToHotkey})
	case pools.TransferStake:
		ks = append(ks, keyField{"to_coldkey", o.ToColdkey}, keyField{"hotkey", o.Hotkey})
	case pools.Transfer:
		ks = append(ks, keyField{"to_coldkey", o.ToColdkey})
	}
	return ks
}

// orderSubnets lists the subnets a call names, by wire field.
func orderSubnets(o *pools.Order) []struct {
	field string
	n     dtaod.NetUID
} {
	type sn = struct {
		field string
		n     dtaod.NetUID
	}
	switch o.Kind {
	case pools.AddStake, pools.RemoveStake, pools.RegisterNeuron, pools.SetWeights:
		return []sn{{"netuid", o.NetUID}}
	case pools.MoveStake, pools.TransferStake, pools.SwapStake:
		return []sn{{"from_netuid", o.FromNetUID}, {"to_netuid", o.ToNetUID}}
	}
	return nil
}

// authenticate is stage 2: the signer may act for the call, and the signature is its.
func authenticate(chainID string, q *signedOrder) *problemDoc {
	field, account := "coldkey", q.order.Coldkey
	if q.order.Kind == pools.SetWeights {
		field, account = "hotkey", q.order.Hotkey
	}
	if account != q.signer {
		return newProblem(http.StatusUnauthorized, "BAD_SIGNATURE", fmt.Sprintf(
			"signer %s may not act for %s %s: the call's %s must sign it", q.signer, field, account, field), nil)
	}
	if err := keys.Verify(chainID, q.signer, q.nonce, q.call, q.sig); err != nil {
		// keys.ErrBadAddress here is a small-order key (the address parsed in stage 1): a key
		// anyone can forge signatures for cannot authorise anything.
		return newProblem(http.StatusUnauthorized, "BAD_SIGNATURE", err.Error()+
			" (the signature covers keys.SigningBytes(chain id, signer, nonce, canonical call))", nil)
	}
	return nil
}

// subnetCheck is stage 3's first half: every subnet the call names exists in the node's
// current state or is being registered by a pending order. The current block's state answers
// almost every order without I/O; only a netuid it lacks costs a look at the mempool (the
// QuoteView, fetched once per request and shared through qv).
func (s *server) subnetCheck(ctx context.Context, q *signedOrder, qv **node.QuoteView) (*problemDoc, error) {
	for _, sn := range orderSubnets(&q.order) {
		if sn.n == dtaod.Root || subnetRow(s.chain.View().Snapshot, sn.n) != nil {
			continue
		}
		if *qv == nil {
			v, err := s.chain.QuoteView(ctx)
			if err != nil {
				return nil, err
			}
			*qv = v
		}
		if !(*qv).Exists(sn.n) {
			return newProblem(http.StatusUnprocessableEntity, dtaod.ErrSubnetNotFound.Code(),
				fmt.Sprintf("no subnet %d, and no pending order registers it", sn.n),
				[]fieldError{{"call." + sn.field, fmt.Sprintf("no subnet %d", sn.n)}}), nil
		}
	}
	return nil, nil
}

// submission is the store's view of an authenticated order.
func (q *signedOrder) submission(chainID, idemKey string) store.Submission {
	sub := store.Submission{Payload: q.call, Signer: q.signer, Nonce: q.nonce, Signature: q.sig, IdempotencyKey: idemKey}
	if idemKey != "" {
		// The request is its content, not its bytes: a retry re-encoded by another JSON library
		// (other spacing or field order, an equivalent call) is still the same request.
		h := sha256.New()
		h.Write(keys.SigningBytes(chainID, q.signer, q.nonce, q.call))
		h.Write(q.sig)
		h.Sum(sub.RequestHash[:0])
	}
	return sub
}

func badNonce(nonce uint64, next uint64, known bool) *problemDoc {
	detail := fmt.Sprintf("nonce %d is not the signer's next", nonce)
	if known {
		detail += fmt.Sprintf(" (%d)", next)
	}
	return newProblem(http.StatusConflict, "BAD_NONCE", detail+": fetch the account's nonce (GET /v1/accounts/{address}) and sign again", nil)
}

// submitOrder is POST /v1/orders.
func (s *server) submitOrder(w http.ResponseWriter, r *http.Request) {
	wait, errs := parseWait(r)
	idemKey, kerrs := idempotencyKey(r)
	if errs = append(errs, kerrs...); len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	wire, p := decodeSigned(body)
	if p != nil {
		writeProblem(w, p)
		return
	}
	q, errs := parseSigned(wire)
	if len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	chainID := s.chain.ChainID()
	if p := authenticate(chainID, q); p != nil {
		writeProblem(w, p)
		return
	}
	var qv *node.QuoteView
	if p, err := s.subnetCheck(r.Context(), q, &qv); err != nil {
		s.unavailable(w, "subnet check", err)
		return
	} else if p != nil {
		writeProblem(w, p)
		return
	}
	out, err := s.chain.SubmitSigned(r.Context(), []store.Submission{q.submission(chainID, idemKey)})
	if err != nil {
		if r.Context().Err() != nil {
			problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the request ended before the order was stored")
			return
		}
		s.unavailable(w, "submit signed order", err)
		return
	}
	a := out[0]
	switch {
	case errors.Is(a.Err, store.ErrBadNonce):
		next, err := s.chain.AccountNonce(r.Context(), q.signer)
		writeProblem(w, badNonce(q.nonce, next, err == nil))
		return
	case errors.Is(a.Err, store.ErrIdempotencyConflict):
		problem(w, http.StatusConflict, "VALIDATION_FAILED", "the Idempotency-Key was used with a different request")
		return
	case a.Err != nil:
		s.unavailable(w, "submit signed order", a.Err)
		return
	}
	w.Header().Set("Location", "/v1/orders/"+strconv.FormatInt(a.Seq, 10))
	if wait > 0 && s.awaitBlock(r, a.Seq, wait) {
		s.renderOrder(w, r, a.Seq)
		return
	}
	writeJSON(w, http.StatusAccepted, orderAccepted{Block: uint64(s.chain.View().Header.Height), Seq: a.Seq, Status: "pending"})
}

type orderAccepted struct {
	Block  uint64 `json:"block"`
	Seq    int64  `json:"seq"`
	Status string `json:"status"`
}

// awaitBlock holds a ?wait request until order seq's block is committed, reporting true. It
// reports false when the wait ends first (the timeout, or the client went away): the caller
// answers 202. It writes nothing itself. Each new block costs one order-status read.
func (s *server) awaitBlock(r *http.Request, seq int64, wait time.Duration) bool {
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	for {
		h := s.chain.View().Header.Height // before the read: a block committed after it wakes the wait
		st, err := s.chain.OrderStatus(ctx, seq)
		if err != nil {
			return false // the deadline, or a store error: the order is durable, so answer 202
		}
		if st.Included != nil {
			return true
		}
		if s.chain.WaitBlock(ctx, h) != nil {
			return false
		}
	}
}

// renderOrder answers 200 with order seq exactly as GET /v1/orders/{seq} does, by calling that
// handler with the route parameter set.
func (s *server) renderOrder(w http.ResponseWriter, r *http.Request, seq int64) {
	rctx := chi.NewRouteContext()
	rctx.URLParams.Add("seq", strconv.FormatInt(seq, 10))
	s.order(w, r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx)))
}

// parseWait reads ?wait: whole seconds, 0 to 60.
func parseWait(r *http.Request) (time.Duration, []fieldError) {
	vs, ok := r.URL.Query()["wait"]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || !digits(vs[0]) || n > maxWait {
		return 0, []fieldError{{"wait", "must be whole seconds from 0 to 60, got " + strconv.Quote(vs[0])}}
	}
	return time.Duration(n) * time.Second, nil
}

// idempotencyKey reads the Idempotency-Key header: 1 to 255 printable ASCII characters, no
// spaces; "" when absent.
func idempotencyKey(r *http.Request) (string, []fieldError) {
	vs := r.Header.Values("Idempotency-Key")
	if len(vs) == 0 {
		return "", nil
	}
	const why = "must be 1 to 255 printable ASCII characters without spaces"
	if len(vs) > 1 {
		return "", []fieldError{{"Idempotency-Key", "must be given once"}}
	}
	k := vs[0]
	if len(k) < 1 || len(k) > 255 {
		return "", []fieldError{{"Idempotency-Key", why + fmt.Sprintf(", got %d", len(k))}}
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7E {
			return "", []fieldError{{"Idempotency-Key", why}}
		}
	}
	return k, nil
}
