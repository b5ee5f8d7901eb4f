// Package client is a small typed Go client of dtaod's REST API (api/openapi.yaml): the reads
// (chain, subnets, neurons, accounts, orders), quotes, signed orders and the admin faucet and
// parameter endpoints. Amounts arrive as typed integers of base units parsed from the API's
// strings, prices as exact 18-decimal fixed point, and errors as *Error carrying the problem
// document's status, stable code, detail and field errors, so callers branch on codes, never on
// messages. The dtaod command-line client is built on it; programs can use it the same way.
//
// Signing happens here too: Send fetches the chain id (once) and the signer's next nonce, builds
// the canonical call with scenario.FormatOrder, signs it with a keys.Key and submits it with an
// Idempotency-Key, retrying once on a network error so a lost answer never places an order twice.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one request (plus the wait of a waiting submit): long enough for a slow
// loopback under load, short enough that a dead server is reported rather than hung on.
const DefaultTimeout = 30 * time.Second

// maxResponse bounds a response body the client reads (a page of 1000 subnets is about 1 MiB),
// so a misbehaving server cannot exhaust the caller's memory.
const maxResponse = 16 << 20

// Client talks to one dtaod server. It is safe for concurrent use; it caches the chain id the
// first time it signs.
type Client struct {
	base       *url.URL
	hc         *http.Client
	adminToken string
	timeout    time.Duration
	userAgent  string

	mu      sync.Mutex
	chainID string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send through h (a custom transport, a test server's client).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.hc = h } }

// WithAdminToken sets the bearer token the admin endpoints (Faucet, AdminParams) need.
func WithAdminToken(token string) Option { return func(c *Client) { c.adminToken = token } }

// WithTimeout bounds each request (a waiting submit gets its wait on top); 0 or less means no
// bound beyond the caller's context.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithChainID pins the chain id to sign for instead of asking GET /v1/chain, for a client that
// must refuse to sign for any other chain.
func WithChainID(id string) Option { return func(c *Client) { c.chainID = id } }

// New makes a client of the server at baseURL (e.g. "http://127.0.0.1:8080"; a path prefix is
// kept, for a server behind a reverse proxy). Only http and https URLs are accepted.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("client: server URL %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q: want http://HOST:PORT or https://HOST", baseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("client: server URL %q: must not have a query or fragment", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, hc: http.DefaultClient, timeout: DefaultTimeout, userAgent: "dtaod-client/1"}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL is the server URL the client was made with, for messages.
func (c *Client) BaseURL() string { return c.base.String() }

// Sentinels to compare API errors with errors.Is: an *Error matches the sentinel of its code.
var (
	ErrNotFound         = &Error{Code: "NOT_FOUND"}          // no such subnet, order, block, or endpoint
	ErrValidation       = &Error{Code: "VALIDATION_FAILED"}  // the request was invalid; Fields says which
	ErrBadSignature     = &Error{Code: "BAD_SIGNATURE"}      // the signature or signer was refused
	ErrBadNonce         = &Error{Code: "BAD_NONCE"}          // the nonce was not the signer's next
	ErrUnauthorized     = &Error{Code: "UNAUTHORIZED"}       // the admin token is missing or wrong
	ErrRateLimited      = &Error{Code: "RATE_LIMITED"}       // too many requests; see RetryAfter
	ErrUnavailable      = &Error{Code: "UNAVAILABLE"}        // the server's store is unreachable
	ErrBodyTooLarge     = &Error{Code: "BODY_TOO_LARGE"}     // the request body is over the limit
	ErrNotReady         = &Error{Code: "NOT_READY"}          // the server is not ready
	ErrMethodNotAllowed = &Error{Code: "METHOD_NOT_ALLOWED"} // the endpoint does not take this method
)

// Error is an error answer of the API: its problem document (RFC 9457) with the stable code.
// An answer that is not a problem document (a proxy's HTML page) has an empty Code and the
// start of the body as Detail.
type Error struct {
	Status     int          // the HTTP status
	Code       string       // the stable code (NOT_FOUND, BAD_NONCE, INSUFFICIENT_LIQUIDITY...)
	Title      string       // the status text
	Detail     string       // what went wrong, for people
	Fields     []FieldError // the request fields at fault (VALIDATION_FAILED)
	RetryAfter time.Duration
}

// FieldError is one request field at fault and why.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error says the status, code and detail, and each field at fault.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.Status))
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	// The detail of a VALIDATION_FAILED already lists the fields; add them only when it does not.
	for _, f := range e.Fields {
		if !strings.Contains(e.Detail, f.Field+": "+f.Reason) {
			b.WriteString("; " + f.Field + ": " + f.Reason)
		}
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) and the like match an *Error of that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == 0 && t.Code != "" && t.Code == e.Code
}

// CodeOf is the API code of err (an *Error anywhere in its chain), or "" for another error.
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// NetworkError is a request that got no complete answer: the connection failed, was reset, or
// the request timed out. The server may or may not have acted on it.
type NetworkError struct {
	Op  string // "GET /v1/subnets"
	Err error
}

func (e *NetworkError) Error() string { return e.Op + ": " + e.Err.Error() }

// Unwrap exposes the transport's error.
func (e *NetworkError) Unwrap() error { return e.Err }

// request is one API call.
type request struct {
	method  string
	path    string
	query   url.Values
	body    any // encoded as JSON; []byte and json.RawMessage are sent as they are
	header  http.Header
	admin   bool
	timeout time.Duration // extra time on top of c.timeout (a submit's wait)
}

// response is a successful answer: its status and body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes the request once. A transport failure is a *NetworkError; a status of 400 or more
// an *Error.
func (c *Client) send(ctx context.Context, r request) (*response, error) {
	u := *c.base
	u.Path += r.path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	var payload []byte
	if r.body != nil {
		switch b := r.body.(type) {
		case []byte:
			payload = b
		case json.RawMessage:
			payload = b
		default:
			var err error
			if payload, err = json.Marshal(b); err != nil {
				return nil, fmt.Errorf("client: encode %s %s: %w", r.method, r.path, err)
			}
		}
		body = bytes.NewReader(payload)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout+r.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", r.method, r.path, err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.admin {
		if c.adminToken == "" {
			return nil, errors.New("client: this endpoint needs the admin token (WithAdminToken)")
		}
		req.Header.Set("Authorization", "Bearer "+c.adminToken)
	}
	op := r.method + " " + r.path
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, &NetworkError{Op: op, Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, &NetworkError{Op: op, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if len(data) > maxResponse {
		return nil, fmt.Errorf("client: %s: the answer is over %d MiB", op, maxResponse>>20)
	}
	if resp.StatusCode >= 400 {
		return nil, decodeProblem(resp, data)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// decodeProblem reads an error answer into an *Error.
func decodeProblem(resp *http.Response, data []byte) *Error {
	e := &Error{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	var p struct {
		Title  string       `json:"title"`
		Code   string       `json:"code"`
		Detail string       `json:"detail"`
		Errors []FieldError `json:"errors"`
	}
	if json.Unmarshal(data, &p) == nil && p.Code != "" {
		e.Code, e.Detail, e.Fields = p.Code, p.Detail, p.Errors
		if p.Title != "" {
			e.Title = p.Title
		}
		return e
	}
	detail := strings.TrimSpace(string(data))
	if len(detail) > 200 {
		detail = detail[:200] + "..."
	}
	if detail == "" {
		detail = "(no body)"
	}
	e.Detail = "not a problem document: " + detail
	return e
}

// retryable reports whether a failed attempt may be repeated: a network error while the
// caller's own context is still live.
func retryable(ctx context.Context, err error) bool {
	var ne *NetworkError
	return errors.As(err, &ne) && ctx.Err() == nil
}

// call sends r, repeating it once after a network error when retry is set (reads, quotes, and
// submits that carry an Idempotency-Key), and decodes a 2xx body into out (if not nil).
func (c *Client) call(ctx context.Context, r request, retry bool, out any) (*response, error) {
	resp, err := c.send(ctx, r)
	if err != nil && retry && retryable(ctx, err) {
		resp, err = c.send(ctx, r)
	}
	if err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, fmt.Errorf("client: %s %s: unexpected answer (%d): %w", r.method, r.path, resp.status, err)
		}
	}
	return resp, nil
}

// get reads path into out, retrying once on a network error.
func (c *Client) get(ctx context.Context, path string, q url.Values, out any) error {
	_, err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, true, out)
	return err
}
