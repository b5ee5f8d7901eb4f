package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/api"
	"github.com/dtaod/dtaod/client"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store/mem"
)

const token = "client-test-token"

// serve runs a node on the memory store with the dev genesis and the real API handler, and
// returns a client of it.
func serve(t *testing.T, opts ...client.Option) *client.Client {
	t.Helper()
	g, err := node.ParseGenesis(node.DevGenesis(), "client-test")
	if err != nil {
		t.Fatal(err)
	}
	n, err := node.Open(context.Background(), mem.New(), g, node.Config{BlockTime: 20 * time.Millisecond, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = n.Run(ctx); close(done) }()
	srv := httptest.NewServer(api.New(n, api.Config{AdminToken: token, RateLimit: -1}))
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	for deadline := time.Now().Add(20 * time.Second); n.View().Header.Height < 1; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no block produced")
		}
	}
	c, err := client.New(srv.URL, append([]client.Option{client.WithAdminToken(token), client.WithTimeout(20 * time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadsAgainstTheServer(t *testing.T) {
	c := serve(t)
	ctx := context.Background()
	ci, err := c.Chain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ci.ChainID != "client-test" || ci.SS58Prefix != 42 || !ci.Dev || !ci.Faucet || len(ci.Params) == 0 {
		t.Errorf("chain %+v", ci)
	}
	subnets, block, err := c.Subnets(ctx)
	if err != nil || len(subnets) != 8 || block < 1 {
		t.Fatalf("subnets %d at %d: %v", len(subnets), block, err)
	}
	s, err := c.Subnet(ctx, 1)
	if err != nil || s.NetUID != 1 || s.Symbol != "α" || s.TAOIn.Unit != "tao" || s.AlphaIn.Unit != "alpha:1" || s.Neurons != 8 || s.Price.IsZero() {
		t.Fatalf("subnet 1: %+v %v", s, err)
	}
	neurons, _, err := c.Neurons(ctx, 1)
	if err != nil || len(neurons) != 8 || neurons[1].Hotkey != "val1-hk" || neurons[1].Stake.Value == 0 {
		t.Fatalf("neurons: %+v %v", neurons, err)
	}
	a, err := c.Account(ctx, node.DevAccount("alice"))
	if err != nil || a.Free.TAO() != 100_000*dtaod.RaoPerTAO || a.Nonce != 0 || len(a.Positions) != 0 {
		t.Fatalf("alice: %+v %v", a, err)
	}
	v, err := c.Account(ctx, "val1")
	if err != nil || len(v.Positions) != 9 || v.Positions[0].NetUID != 0 || v.Positions[1].ValueSpot.Value.IsZero() {
		t.Fatalf("val1: %+v %v", v, err)
	}
	if _, err := c.Subnet(ctx, 99); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("subnet 99: %v", err)
	}
	if _, err := c.Order(ctx, 99999); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("order 99999: %v", err)
	}
	if b, err := c.LatestBlock(ctx); err != nil || b.Height < 1 || len(b.StateHash) != 64 {
		t.Errorf("latest block %+v %v", b, err)
	}
	q, err := c.Quote(ctx, client.QuoteRequest{Kind: "stake", NetUID: 1, Amount: 10 * dtaod.RaoPerTAO, Tolerance: "0.01"})
	if err != nil || q.AmountIn.Value != 10*dtaod.RaoPerTAO || q.MinReceived.Value >= q.AmountOut.Value || q.LimitPrice.Cmp(q.SpotPriceBefore.Price) <= 0 {
		t.Fatalf("quote %+v %v", q, err)
	}
	_, err = c.Quote(ctx, client.QuoteRequest{Kind: "stake", NetUID: 1, Amount: 1})
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != "AMOUNT_TOO_LOW" || len(ae.Fields) != 1 || ae.Fields[0].Field != "amount_in" {
		t.Errorf("tiny quote: %#v", err)
	}
}

func TestSignedOrdersAgainstTheServer(t *testing.T) {
	c := serve(t)
	ctx := context.Background()
	alice := keys.DevKey("alice")
	q, err := c.Quote(ctx, client.QuoteRequest{Kind: "stake", NetUID: 1, Amount: 10 * dtaod.RaoPerTAO, Tolerance: "0.01"})
	if err != nil {
		t.Fatal(err)
	}
	o := &pools.Order{Kind: pools.AddStake, Coldkey: alice.Address(), Hotkey: "val1-hk", NetUID: 1, Amount: 10 * dtaod.RaoPerTAO,
		HasLimit: true, LimitPrice: q.LimitPrice.Price}
	ord, so, err := c.Send(ctx, alice, o, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !ord.Included() || !ord.Receipt.OK || ord.Receipt.TAO.Value != o.Amount || ord.Receipt.Alpha.Value < q.MinReceived.Value {
		t.Fatalf("order %+v receipt %+v (min received %d)", ord, ord.Receipt, q.MinReceived.Value)
	}
	if ord.Signer == nil || *ord.Signer != alice.Address() || ord.Nonce == nil || *ord.Nonce != 0 || string(ord.Call) != string(so.Call) {
		t.Errorf("stored order %+v", ord)
	}

	// The same signed order again: a replay, refused. With its first idempotency key and body
	// it would be the first answer; a reused key with another body is a conflict.
	if _, err := c.SubmitOrder(ctx, so, 0, client.NewIdempotencyKey()); !errors.Is(err, client.ErrBadNonce) {
		t.Errorf("replay: %v", err)
	}
	key := client.NewIdempotencyKey()
	so1, err := c.Sign(ctx, alice, &pools.Order{Kind: pools.Transfer, Coldkey: alice.Address(), ToColdkey: node.DevAccount("bob"), Amount: dtaod.RaoPerTAO})
	if err != nil || so1.Nonce != 1 {
		t.Fatalf("sign: %+v %v", so1, err)
	}
	first, err := c.SubmitOrder(ctx, so1, 0, key)
	if err != nil || first.Status != "pending" {
		t.Fatalf("submit %+v %v", first, err)
	}
	again, err := c.SubmitOrder(ctx, so1, 0, key)
	if err != nil || again.Seq != first.Seq {
		t.Errorf("idempotent retry: %+v %v, want seq %d", again, err, first.Seq)
	}
	so2 := *so1
	so2.Nonce = 2
	if _, err := c.SubmitOrder(ctx, &so2, 0, key); err == nil {
		t.Error("a reused idempotency key with another body was accepted")
	}
	done, err := c.WaitOrder(ctx, first.Seq, 10*time.Millisecond)
	if err != nil || !done.Receipt.OK {
		t.Fatalf("transfer: %+v %v", done, err)
	}

	// A signature for another chain, and a key that is not the coldkey's.
	other := serveClientOf(t, c, client.WithChainID("another-chain"))
	if _, _, err := other.Send(ctx, alice, &pools.Order{Kind: pools.Transfer, Coldkey: alice.Address(), ToColdkey: node.DevAccount("bob"), Amount: 1}, 0); !errors.Is(err, client.ErrBadSignature) {
		t.Errorf("wrong chain id: %v", err)
	}
	forged, _ := client.SignWith(keys.DevKey("bob"), "client-test", 2, &pools.Order{Kind: pools.Transfer, Coldkey: keys.DevKey("bob").Address(), ToColdkey: alice.Address(), Amount: 1})
	forged.Signer = alice.Address()
	if _, err := c.SubmitOrder(ctx, forged, 0, ""); !errors.Is(err, client.ErrBadSignature) {
		t.Errorf("forged: %v", err)
	}

	// The faucet funds a new key, which can then trade.
	k, _ := keys.Generate()
	acc, err := c.Faucet(ctx, k.Address(), 50*dtaod.RaoPerTAO)
	if err != nil || acc.Seq == 0 {
		t.Fatalf("faucet %+v %v", acc, err)
	}
	if f, err := c.WaitOrder(ctx, acc.Seq, 10*time.Millisecond); err != nil || !f.Receipt.OK {
		t.Fatalf("faucet order %+v %v", f, err)
	}
	a, err := c.Account(ctx, k.Address())
	if err != nil || a.Free.TAO() != 50*dtaod.RaoPerTAO {
		t.Fatalf("funded account %+v %v", a, err)
	}
	ord, _, err = c.Send(ctx, k, &pools.Order{Kind: pools.AddStake, Coldkey: k.Address(), Hotkey: "val2-hk", NetUID: 2, Amount: 20 * dtaod.RaoPerTAO}, 10*time.Second)
	if err != nil || !ord.Receipt.OK {
		t.Fatalf("new key's stake: %+v %v", ord, err)
	}
	noAdmin := serveClientOf(t, c, client.WithAdminToken("wrong"))
	if _, err := noAdmin.Faucet(ctx, k.Address(), 1); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("wrong admin token: %v", err)
	}
}

// serveClientOf is another client of c's server with extra options.
func serveClientOf(t *testing.T, c *client.Client, opts ...client.Option) *client.Client {
	t.Helper()
	o, err := client.New(c.BaseURL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
