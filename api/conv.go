package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// The wire conventions of docs/api-design.md: amounts, prices, problem documents, strict JSON
// bodies and cursor pagination.

// maxBody bounds request bodies (64 KiB).
const maxBody = 64 << 10

// Amount is an amount on the wire: an integer of base units as a string (so no JSON number
// ever rounds it), its unit ("tao" or "alpha:<netuid>") and the same value with 9 decimals for
// people.
type Amount struct {
	Value   string `json:"value"`
	Unit    string `json:"unit"`
	Display string `json:"display"`
}

// unitOf is the unit of netuid n's stake: alpha, or TAO on root.
func unitOf(n dtaod.NetUID) string {
	if n == dtaod.Root {
		return "tao"
	}
	return "alpha:" + strconv.FormatUint(uint64(n), 10)
}

func taoAmount(v dtaod.TAO) Amount { return amountOf("tao", uint64(v)) }

func alphaAmount(n dtaod.NetUID, v uint64) Amount { return amountOf(unitOf(n), v) }

func amountOf(unit string, v uint64) Amount {
	return Amount{Value: strconv.FormatUint(v, 10), Unit: unit, Display: dtaod.TAO(v).String()}
}

// wideAmount is an amount past 64 bits (the volume counter, a market cap).
func wideAmount(unit string, v *uint256.Int) Amount {
	s := v.Dec()
	return Amount{Value: s, Unit: unit, Display: displayDec(s)}
}

// displayDec puts the decimal point 9 digits from the right of a decimal integer string.
func displayDec(s string) string {
	for len(s) < 10 {
		s = "0" + s
	}
	return s[:len(s)-9] + "." + s[len(s)-9:]
}

// volumeAmount is the 128-bit volume counter as an Amount of TAO.
func volumeAmount(hi, lo uint64) Amount {
	var v uint256.Int
	v.SetUint64(hi)
	v.Lsh(&v, 64)
	v.Or(&v, uint256.NewInt(lo))
	return wideAmount("tao", &v)
}

// mulPrice is floor(v x price) in base units: the value of v alpha at a price (a spot value, a
// market cap). It can pass 64 bits, so it is an Amount string.
func mulPrice(v uint64, p dtaod.Price) *uint256.Int {
	s := p.Scaled()
	var out uint256.Int
	out.Mul(uint256.NewInt(v), &s) // < 2^64 * 2^192: fits 256 bits
	return out.Div(&out, uint256.NewInt(dtaod.FixedOne))
}

// ratio is num/den as an 18-decimal string, rounded down; "0.000000000000000000" when den is 0.
func ratio(num, den uint64) string {
	if den == 0 {
		return dtaod.Price{}.String()
	}
	var v uint256.Int
	v.Mul(uint256.NewInt(num), uint256.NewInt(dtaod.FixedOne))
	v.Div(&v, uint256.NewInt(den))
	return dtaod.PriceFromScaled(&v).String()
}

// u16Ratio is a chain u16 proportion (rank, trust...) as a decimal in 0..1.
func u16Ratio(v uint16) string { return ratio(uint64(v), 65535) }

func u64s(v uint64) string { return strconv.FormatUint(v, 10) }

func hexOf(h [32]byte) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for i, c := range h {
		b[2*i], b[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(b)
}

// fieldError names a field of a request and what is wrong with it.
type fieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// problemDoc is an RFC 9457 problem document with our stable code.
type problemDoc struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors,omitempty"`
}

// problem writes an application/problem+json error.
func problem(w http.ResponseWriter, status int, code, detail string) {
	problemFields(w, status, code, detail, nil)
}

// problemFields writes a problem naming the fields at fault.
func problemFields(w http.ResponseWriter, status int, code, detail string, errs []fieldError) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problemDoc{
		Type:  "https://dtaod.dev/problems/" + strings.ToLower(strings.ReplaceAll(code, "_", "-")),
		Title: http.StatusText(status), Status: status, Code: code, Detail: detail, Errors: errs,
	})
}

// invalid answers 422 VALIDATION_FAILED listing the fields at fault.
func invalid(w http.ResponseWriter, errs ...fieldError) {
	detail := "the request is invalid"
	if len(errs) > 0 {
		parts := make([]string, len(errs))
		for i, e := range errs {
			parts[i] = e.Field + ": " + e.Reason
		}
		detail = strings.Join(parts, "; ")
	}
	problemFields(w, http.StatusUnprocessableEntity, "VALIDATION_FAILED", detail, errs)
}

// notFound answers 404 NOT_FOUND.
func notFound(w http.ResponseWriter, detail string) {
	problem(w, http.StatusNotFound, "NOT_FOUND", detail)
}

// unavailable answers 503 UNAVAILABLE after logging the cause.
func (s *server) unavailable(w http.ResponseWriter, what string, err error) {
	s.cfg.Logger.Error(what, "err", err)
	problem(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the store is unavailable; retry")
}

// writeJSON writes v as the response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRaw writes an already encoded JSON body.
func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// readBody reads a request body of at most 64 KiB; on failure it has answered (413).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			problem(w, http.StatusRequestEntityTooLarge, "BODY_TOO_LARGE", "the body is over 64 KiB")
		} else {
			problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "the body could not be read: "+err.Error())
		}
		return nil, false
	}
	return body, true
}

// decodeStrict decodes a JSON object body into v, rejecting unknown fields, values of the wrong
// type and trailing data. On failure it has answered: 413 over 64 KiB, 400 for malformed JSON,
// 422 VALIDATION_FAILED naming the field otherwise.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := readBody(w, r)
	if !ok {
		return false
	}
	return decodeBytes(w, body, v)
}

func decodeBytes(w http.ResponseWriter, body []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: data after the object")
			return false
		}
		return true
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		problem(w, http.StatusBadRequest, "VALIDATION_FAILED", "malformed JSON: "+err.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			invalid(w, fieldError{"body", "must be a JSON object, got " + typ.Value})
		} else {
			invalid(w, fieldError{typ.Field, "must be " + typeName(typ) + ", got " + typ.Value})
		}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		invalid(w, fieldError{name, "unknown field"})
	default:
		invalid(w, fieldError{"body", err.Error()})
	}
	return false
}

func typeName(e *json.UnmarshalTypeError) string {
	switch k := e.Type.Kind().String(); {
	case strings.HasPrefix(k, "uint"):
		if e.Value == "number" {
			return "an integer in the " + k + " range"
		}
		return "a non-negative integer"
	case strings.HasPrefix(k, "int"):
		return "an integer"
	case k == "string":
		return "a string"
	case k == "bool":
		return "a boolean"
	}
	return "a " + e.Type.String()
}

// parseBaseUnits parses an amount of a request body: a JSON string of decimal digits of base
// units, at most 2^64-1. Numbers, signs, decimal points and larger values are refused with a
// reason naming the rule.
func parseBaseUnits(raw json.RawMessage) (uint64, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return 0, "must be a string of integer base units (e.g. \"1000000000\" for 1 TAO), got " + jsonKind(raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, "must be a string of integer base units"
	}
	switch {
	case s == "":
		return 0, "must not be empty"
	case s[0] == '-':
		return 0, "must not be negative"
	case strings.ContainsAny(s, ".eE"):
		return 0, "must be an integer number of base units (no decimal point or exponent)"
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, "must contain only decimal digits"
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, "must be at most 18446744073709551615 (2^64-1)"
	}
	return v, ""
}

func jsonKind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// present reports whether an optional raw field was given (null counts as absent).
func present(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

// Pagination: ?limit (1..1000, default 100) and ?cursor (opaque: the base64url of the list's
// name and the key to resume at, so a cursor of another list is refused).
const (
	defaultLimit = 100
	maxLimit     = 1000
)

type page struct {
	limit int
	from  uint64 // the key to start at (inclusive)
	has   bool   // a cursor was given
}

// parsePage reads ?limit and ?cursor for the list named list.
func parsePage(r *http.Request, list string) (page, []fieldError) {
	p := page{limit: defaultLimit}
	var errs []fieldError
	q := r.URL.Query()
	if vs, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vs[0])
		if err != nil || n < 1 || n > maxLimit {
			errs = append(errs, fieldError{"limit", "must be an integer from 1 to 1000"})
		} else {
			p.limit = n
		}
	}
	if vs, ok := q["cursor"]; ok {
		from, ok := decodeCursor(list, vs[0])
		if !ok {
			errs = append(errs, fieldError{"cursor", "is not a cursor of this list (pass next_cursor from the previous page)"})
		} else {
			p.from, p.has = from, true
		}
	}
	return p, errs
}

func encodeCursor(list string, from uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.FormatUint(from, 10)))
}

func decodeCursor(list, c string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	name, num, ok := strings.Cut(string(b), ":")
	if !ok || name != list {
		return 0, false
	}
	v, err := strconv.ParseUint(num, 10, 64)
	return v, err == nil
}

// listJSON is a page of a list.
type listJSON[T any] struct {
	Block      uint64  `json:"block"`
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func cursorPtr(list string, from uint64) *string {
	c := encodeCursor(list, from)
	return &c
}
