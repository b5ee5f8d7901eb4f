package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// MaxWait is the longest wait POST /v1/orders holds an answer for (?wait=60).
const MaxWait = 60 * time.Second

// ErrWrongSigner is Sign's refusal of a key that is not the account the call acts for (its
// coldkey, or its hotkey for set_weights): the server would refuse it as BAD_SIGNATURE anyway.
var ErrWrongSigner = errors.New("the key is not the call's signer")

// SignedOrder is the body of POST /v1/orders: a call signed by its owner for one chain with the
// owner's next nonce.
type SignedOrder struct {
	Signer    string          `json:"signer"`
	Nonce     uint64          `json:"nonce"`
	Call      json.RawMessage `json:"call"` // canonical (scenario.FormatOrder)
	Signature string          `json:"signature"`
}

// Signer is the account that must sign o: its coldkey, or its hotkey for set_weights.
func Signer(o *pools.Order) string {
	if o.Kind == pools.SetWeights {
		return o.Hotkey
	}
	return o.Coldkey
}

// SignWith signs o with key for the chain id and nonce given, without asking the server: the
// canonical call bytes and the ed25519 signature over keys.SigningBytes.
func SignWith(key *keys.Key, chainID string, nonce uint64, o *pools.Order) (*SignedOrder, error) {
	if s := Signer(o); s != key.Address() {
		return nil, fmt.Errorf("client: %w: the call acts for %q, the key is %s", ErrWrongSigner, s, key.Address())
	}
	call := scenario.FormatOrder(o)
	sig := key.SignOrder(chainID, nonce, call)
	return &SignedOrder{Signer: key.Address(), Nonce: nonce, Call: call, Signature: hex.EncodeToString(sig)}, nil
}

// Sign signs o with key for this server's chain (ChainID, cached) with the signer's next nonce
// (GET /v1/accounts/{address}, which counts the signer's pending orders too).
func (c *Client) Sign(ctx context.Context, key *keys.Key, o *pools.Order) (*SignedOrder, error) {
	if s := Signer(o); s != key.Address() {
		return nil, fmt.Errorf("client: %w: the call acts for %q, the key is %s", ErrWrongSigner, s, key.Address())
	}
	chainID, err := c.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	acct, err := c.Account(ctx, key.Address())
	if err != nil {
		return nil, err
	}
	return SignWith(key, chainID, acct.Nonce, o)
}

// NewIdempotencyKey is a random key for one logical order: sent with every attempt of that
// order, so a retry after a lost answer gets the first answer instead of a second order.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// waitParam is ?wait in whole seconds, rounded up and capped at MaxWait.
func waitParam(wait time.Duration) int {
	if wait <= 0 {
		return 0
	}
	wait = min(wait, MaxWait)
	return int((wait + time.Second - 1) / time.Second)
}

// SubmitOrder posts a signed order. With wait > 0 the server holds the answer until the
// order's block is committed (up to MaxWait) and the Order has its receipt; otherwise, or at the
// end of the wait, it is pending with only Block, Seq and Status. idemKey (from
// NewIdempotencyKey; empty for none) makes a repeat of the same request return the first
// answer; SubmitOrder repeats the request once itself after a network error only when it has
// one. A refusal is an *Error: BAD_SIGNATURE, BAD_NONCE, VALIDATION_FAILED...
func (c *Client) SubmitOrder(ctx context.Context, so *SignedOrder, wait time.Duration, idemKey string) (*Order, error) {
	body, err := json.Marshal(so)
	if err != nil {
		return nil, fmt.Errorf("client: encode the order: %w", err)
	}
	r := request{method: http.MethodPost, path: "/v1/orders", body: body}
	if w := waitParam(wait); w > 0 {
		r.query = url.Values{"wait": {strconv.Itoa(w)}}
		r.timeout = time.Duration(w) * time.Second
	}
	if idemKey != "" {
		r.header = http.Header{"Idempotency-Key": {idemKey}}
	}
	var o Order
	resp, err := c.call(ctx, r, idemKey != "", &o)
	if err != nil {
		return nil, err
	}
	if o.Seq <= 0 || o.Status == "" {
		return nil, fmt.Errorf("client: POST /v1/orders: answer %d without a seq and status", resp.status)
	}
	return &o, nil
}

// Send signs o with key (Sign) and submits it (SubmitOrder) under a fresh idempotency key,
// retried once on a network error. It returns the signed order too, so a caller can show what
// it sent. With wait > 0 and the order still pending at the server's limit, it keeps polling
// GET /v1/orders/{seq} until the wait is over.
func (c *Client) Send(ctx context.Context, key *keys.Key, o *pools.Order, wait time.Duration) (*Order, *SignedOrder, error) {
	so, err := c.Sign(ctx, key, o)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	ord, err := c.SubmitOrder(ctx, so, wait, NewIdempotencyKey())
	if err != nil {
		return nil, so, err
	}
	if wait > 0 && !ord.Included() {
		rest := wait - time.Since(start)
		if rest > 0 {
			wctx, cancel := context.WithTimeout(ctx, rest)
			defer cancel()
			if got, err := c.WaitOrder(wctx, ord.Seq, 0); err == nil {
				ord = got
			} else if ctx.Err() != nil {
				return ord, so, ctx.Err()
			}
		}
	}
	return ord, so, nil
}

// WaitOrder polls an order every interval (default 200 ms) until it is included, and returns it
// with its receipt; it gives up with the context's error, or any error of the read.
func (c *Client) WaitOrder(ctx context.Context, seq int64, interval time.Duration) (*Order, error) {
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		o, err := c.Order(ctx, seq)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if o.Included() {
			return o, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Faucet mints amount of new TAO to address in the next block (POST /v1/admin/faucet: dev
// genesis only, with the admin token). It is not retried: a repeat would mint twice. Follow the
// returned Seq with WaitOrder to know when the TAO has arrived.
func (c *Client) Faucet(ctx context.Context, address string, amount dtaod.TAO) (*Accepted, error) {
	body := map[string]string{"address": address, "amount": strconv.FormatUint(uint64(amount), 10)}
	var a Accepted
	if _, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/admin/faucet", body: body, admin: true}, false, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AdminParams changes chain parameters from the next block (POST /v1/admin/params, a sudo call
// with the admin token). patch holds the scenario params to change, amounts as strings of base
// units and fractions as decimal strings ({"staking_fee": "100000", "default_tempo": 10}).
func (c *Client) AdminParams(ctx context.Context, patch map[string]any) (*Accepted, error) {
	if len(patch) == 0 {
		return nil, errors.New("client: AdminParams: no parameters to change")
	}
	var a Accepted
	body := map[string]any{"params": patch}
	if _, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/admin/params", body: body, admin: true}, false, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AdminOrder submits an unsigned order on anyone's behalf (POST /v1/admin/orders, with the
// admin token): the operator's path for dev chains and tests. It is not retried.
func (c *Client) AdminOrder(ctx context.Context, o *pools.Order) (*Accepted, error) {
	var a Accepted
	r := request{method: http.MethodPost, path: "/v1/admin/orders", body: json.RawMessage(scenario.FormatOrder(o)), admin: true}
	if _, err := c.call(ctx, r, false, &a); err != nil {
		return nil, err
	}
	return &a, nil
}
