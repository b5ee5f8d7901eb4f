package api

import (
	"crypto/subtle"
	"errors"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod/scenario"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
)

// volume prints the 128-bit volume counter in base units.
func volume(hi, lo uint64) string {
	v := new(big.Int).SetUint64(hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(lo))
	return v.String()
}

// receiptJSON is an order's receipt on the wire.
type receiptJSON struct {
	OK          bool   `json:"ok"`
	Code        string `json:"code,omitempty"`
	Message     string `json:"message,omitempty"`
	TAO         string `json:"tao"`
	Alpha       string `json:"alpha"`
	Fee         string `json:"fee"`
	UID         uint16 `json:"uid"`
	NetUID      uint16 `json:"netuid"`
	PriceBefore string `json:"price_before"`
	PriceAfter  string `json:"price_after"`
}

// orderJSON is an order's status on the wire.
type orderJSON struct {
	Seq         int64        `json:"seq"`
	Status      string       `json:"status"` // pending | included
	Order       any          `json:"order"`
	SubmittedAt string       `json:"submitted_at"`
	Block       uint64       `json:"block,omitempty"`
	Index       int          `json:"index,omitempty"`
	Receipt     *receiptJSON `json:"receipt,omitempty"`
}

func (s *server) order(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseInt(chi.URLParam(r, "seq"), 10, 64)
	if err != nil || seq <= 0 {
		problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "seq: must be a positive integer")
		return
	}
	st, err := s.chain.OrderStatus(r.Context(), seq)
	if errors.Is(err, store.ErrNotFound) {
		problem(w, http.StatusNotFound, "NOT_FOUND", "no order with seq "+strconv.FormatInt(seq, 10))
		return
	}
	if err != nil {
		s.cfg.Logger.Error("order status", "seq", seq, "err", err)
		problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the store is unavailable")
		return
	}
	out := orderJSON{Seq: st.Seq, Status: "pending", Order: rawJSON(st.Payload), SubmittedAt: st.SubmittedAt.UTC().Format("2006-01-02T15:04:05.000000Z07:00")}
	if inc := st.Included; inc != nil {
		rc := inc.Receipt
		out.Status, out.Block, out.Index = "included", uint64(inc.Block), inc.Index
		out.Receipt = &receiptJSON{OK: rc.OK, Code: rc.Code, Message: rc.Message, TAO: u64s(uint64(rc.TAO)), Alpha: u64s(uint64(rc.Alpha)),
			Fee: u64s(uint64(rc.Fee)), UID: rc.UID, NetUID: uint16(rc.NetUID), PriceBefore: rc.PriceBefore.String(), PriceAfter: rc.PriceAfter.String()}
	}
	writeJSON(w, http.StatusOK, out)
}

// rawJSON passes a stored payload through unchanged when it is valid JSON.
type rawJSON []byte

// MarshalJSON implements json.Marshaler.
func (r rawJSON) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// adminOrder submits an order on anyone's behalf: the dev and operator path until signed orders
// exist. The body is one order in the scenario action shape, without block.
func (s *server) adminOrder(w http.ResponseWriter, r *http.Request) {
	if s.cfg.AdminToken == "" {
		problem(w, http.StatusNotFound, "NOT_FOUND", "admin endpoints are disabled (no admin token configured)")
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dtaod admin"`)
		problem(w, http.StatusUnauthorized, "UNAUTHORIZED", "a valid admin token is required (Authorization: Bearer TOKEN)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "the body is over 64 KiB")
		return
	}
	o, err := scenario.ParseOrder(body)
	if err != nil {
		problem(w, http.StatusUnprocessableEntity, "VALIDATION_FAILED", err.Error())
		return
	}
	seq, err := s.chain.Submit(r.Context(), &o)
	if err != nil {
		s.cfg.Logger.Error("submit order", "err", err)
		problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the order was not stored; retry")
		return
	}
	w.Header().Set("Location", "/v1/orders/"+strconv.FormatInt(seq, 10))
	writeJSON(w, http.StatusAccepted, map[string]any{"seq": seq, "status": "pending"})
}
