package api

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
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

// Orders.

// receiptJSON is an order's receipt on the wire.
type receiptJSON struct {
	OK          bool   `json:"ok"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	TAO         Amount `json:"tao"`
	Alpha       Amount `json:"alpha"`
	Fee         Amount `json:"fee"`
	UID         uint16 `json:"uid"`
	NetUID      uint16 `json:"netuid"`
	PriceBefore string `json:"price_before"`
	PriceAfter  string `json:"price_after"`
}

// orderJSON is an order's status on the wire.
type orderJSON struct {
	Block         uint64       `json:"block"`
	Seq           int64        `json:"seq"`
	Status        string       `json:"status"` // pending | included
	Signer        *string      `json:"signer"` // null for an admin order
	Nonce         *uint64      `json:"nonce"`
	Call          rawJSON      `json:"call"`
	SubmittedAt   string       `json:"submitted_at"`
	IncludedBlock *uint64      `json:"included_block,omitempty"`
	Index         *int         `json:"index,omitempty"`
	Receipt       *receiptJSON `json:"receipt,omitempty"`
}

// rawJSON passes a stored payload through unchanged.
type rawJSON []byte

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 || !json.Valid(r) {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, r); err != nil {
		return []byte("null"), nil
	}
	return b.Bytes(), nil
}

// alphaNetOf is the subnet whose alpha a receipt's Alpha counts: the order's subnet, the
// destination of a move, the new subnet of a subnet registration.
func alphaNetOf(payload []byte, rc *store.Receipt) dtaod.NetUID {
	o, err := scenario.ParseOrder(payload)
	if err != nil {
		return rc.NetUID
	}
	switch o.Kind {
	case pools.MoveStake, pools.TransferStake, pools.SwapStake:
		return o.ToNetUID
	case pools.RegisterSubnet:
		return rc.NetUID
	}
	return o.NetUID
}

func (s *server) order(w http.ResponseWriter, r *http.Request) {
	raw := chi.URLParam(r, "seq")
	seq, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || seq <= 0 {
		invalid(w, fieldError{"seq", "must be a positive integer, got " + strconv.Quote(raw)})
		return
	}
	v := s.chain.View()
	st, err := s.chain.OrderStatus(r.Context(), seq)
	if errors.Is(err, store.ErrNotFound) {
		notFound(w, "no order with seq "+strconv.FormatInt(seq, 10))
		return
	}
	if err != nil {
		s.unavailable(w, "order status", err)
		return
	}
	out := orderJSON{Block: uint64(v.Header.Height), Seq: st.Seq, Status: "pending", Call: rawJSON(st.Payload),
		SubmittedAt: st.SubmittedAt.UTC().Format(time.RFC3339Nano)}
	sub, signed, err := s.chain.OrderSignature(r.Context(), seq)
	if err != nil {
		s.unavailable(w, "order signature", err)
		return
	}
	if signed {
		signer, nonce := sub.Signer, sub.Nonce
		out.Signer, out.Nonce = &signer, &nonce
	}
	if inc := st.Included; inc != nil {
		rc := inc.Receipt
		b, idx := uint64(inc.Block), inc.Index
		out.Status, out.IncludedBlock, out.Index = "included", &b, &idx
		if b > out.Block {
			out.Block = b // read from the store ahead of this node's view
		}
		out.Receipt = &receiptJSON{OK: rc.OK, Code: rc.Code, Message: rc.Message, TAO: taoAmount(rc.TAO),
			Alpha: alphaAmount(alphaNetOf(st.Payload, &rc), uint64(rc.Alpha)), Fee: taoAmount(rc.Fee),
			UID: rc.UID, NetUID: uint16(rc.NetUID), PriceBefore: rc.PriceBefore.String(), PriceAfter: rc.PriceAfter.String()}
	}
	writeJSON(w, http.StatusOK, out)
}
