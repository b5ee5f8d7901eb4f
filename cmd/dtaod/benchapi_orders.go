package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/dtaod/dtaod/keys"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// benchOrder is one pre-signed order: its key, nonce and POST /v1/orders body; seq is set
// when the server accepts it.
type benchOrder struct {
	key   int
	nonce uint64
	body  []byte
	seq   int64
}

// benchRequest is one timed request: a single order or a batch, with its encoded body.
type benchRequest struct {
	orders []*benchOrder
	raw    []byte // the whole HTTP request
	batch  bool   // a POST /v1/orders/batch
}

// ordersResult is the outcome of -mode orders.
type ordersResult struct {
	Mode           string         `json:"mode"`
	URL            string         `json:"url"`
	Keys           int            `json:"keys"`
	Orders         int            `json:"orders"`
	Batch          int            `json:"batch"`
	Conns          int            `json:"conns"`
	Clients        int            `json:"clients"`
	Funding        string         `json:"funding"`
	Accepted       int64          `json:"accepted"`
	Refused        counts         `json:"refused"`
	Seconds        float64        `json:"seconds"`
	OrdersPerSec   float64        `json:"accepted_per_second"`
	Requests       int64          `json:"requests"`
	Latency        latencySummary `json:"request_latency"`
	CPU            cpuUsage       `json:"cpu"`
	NoncesMatched  int            `json:"nonces_matched"`
	NonceProblems  []string       `json:"nonce_problems,omitempty"`
	SampleChecked  int            `json:"sample_checked"`
	SampleProblems []string       `json:"sample_problems,omitempty"`
	Included       *bool          `json:"all_included,omitempty"`
	IncludedAfter  string         `json:"included_after,omitempty"`
	FirstError     string         `json:"first_error,omitempty"`
}

// benchOrders funds fresh keys, signs c.Orders transfers up front and submits them as fast as
// the server takes them, then checks that what it accepted is stored.
func benchOrders(ctx context.Context, c *benchAPIConfig, stdout, stderr io.Writer) error {
	say := func(format string, a ...any) {
		if !c.JSON {
			fmt.Fprintf(stderr, "bench-api orders: "+format+"\n", a...)
		}
	}
	admin := benchClient(c, 0)
	defer admin.CloseIdleConnections()
	chainID := c.ChainID
	if chainID == "" {
		var ci struct {
			ChainID string `json:"chain_id"`
		}
		code, err := getJSON(ctx, admin, c.URL+"/v1/chain", &ci)
		if err != nil || code != http.StatusOK || ci.ChainID == "" {
			return fmt.Errorf("GET /v1/chain (for the chain id to sign for): HTTP %d, %v; pass -chain-id", code, err)
		}
		chainID = ci.ChainID
	}
	conns := min(c.Conns, c.Keys) // each connection owns whole keys, so each key's nonces stay in order
	say("making %d keys and signing %d orders for chain %q", c.Keys, c.Orders, chainID)
	ks, orders, err := signBenchOrders(c, chainID)
	if err != nil {
		return err
	}
	res := ordersResult{Mode: "orders", URL: c.URL, Keys: c.Keys, Orders: c.Orders, Batch: c.Batch, Conns: conns,
		Clients: c.Clients, Refused: counts{}, Funding: "none"}
	if c.Fund {
		if res.Funding, err = fundBenchKeys(ctx, c, admin, ks, orders, say); err != nil {
			return err
		}
	}
	reqs := planBenchRequests(c, conns, orders)
	say("submitting over %d connections (%s)", conns, map[bool]string{true: fmt.Sprintf("batches of %d", c.Batch), false: "one order per request"}[c.Batch > 0])

	stopProfile, err := startProfile(c.Profile)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, c.MaxTime)
	defer cancel()
	type workerResult struct {
		lat      *hdrhistogram.Histogram
		refused  counts
		accepted int64
		requests int64
		firstErr string
	}
	results := make([]workerResult, conns)
	var wg sync.WaitGroup
	var accepted atomic.Int64
	startGate := make(chan struct{})
	for w := range conns {
		wg.Go(func() {
			r := &results[w]
			r.lat, r.refused = newLatencyHist(), counts{}
			conn := newRawConn(c, w)
			defer conn.close()
			<-startGate
			for _, rq := range reqs[w] {
				if sctx.Err() != nil {
					r.refused["not sent (-max-time)"] += int64(len(rq.orders))
					continue
				}
				t0 := time.Now()
				n, err := submitBench(sctx, conn, rq, r.refused)
				recordLatency(r.lat, time.Since(t0))
				r.requests++
				r.accepted += n
				accepted.Add(n)
				if err != nil && r.firstErr == "" {
					r.firstErr = err.Error()
				}
			}
		})
	}
	begin := time.Now()
	cpu0 := takeCPU(c.CPUPids)
	close(startGate)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
wait:
	for last := int64(0); ; {
		select {
		case <-done:
			break wait
		case <-tick.C:
			n := accepted.Load()
			say("%d accepted (%.0f/s over the last 5 s)", n, float64(n-last)/5)
			last = n
		}
	}
	elapsed := time.Since(begin)
	res.CPU = takeCPU(c.CPUPids).since(cpu0)
	if err := stopProfile(); err != nil {
		return err
	}
	lat := newLatencyHist()
	for _, r := range results {
		lat.Merge(r.lat)
		res.Accepted += r.accepted
		res.Requests += r.requests
		res.Refused.add(r.refused)
		if res.FirstError == "" {
			res.FirstError = r.firstErr
		}
	}
	res.Seconds = elapsed.Seconds()
	res.OrdersPerSec = float64(res.Accepted) / elapsed.Seconds()
	res.Latency = summarize(lat)
	say("%d accepted in %s; checking durability", res.Accepted, elapsed.Round(time.Millisecond))
	if err := checkBenchDurability(ctx, c, admin, ks, orders, &res, say); err != nil {
		return err
	}
	if c.JSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return err
		}
	} else {
		printOrdersResult(stdout, &res)
	}
	if len(res.NonceProblems) > 0 || len(res.SampleProblems) > 0 || (res.Included != nil && !*res.Included) {
		return errors.New("durability check failed: see above")
	}
	return nil
}

func printOrdersResult(w io.Writer, r *ordersResult) {
	how := "one order per POST /v1/orders"
	if r.Batch > 0 {
		how = fmt.Sprintf("batches of %d per POST /v1/orders/batch", r.Batch)
	}
	fmt.Fprintf(w, "%d signed orders from %d keys, %s, over %d connections (%d source addresses); funding: %s\n",
		r.Orders, r.Keys, how, r.Conns, r.Clients, r.Funding)
	fmt.Fprintf(w, "accepted %d in %.3f s: %.0f orders/s accepted durably\n", r.Accepted, r.Seconds, r.OrdersPerSec)
	fmt.Fprintf(w, "refused: %s\n", r.Refused)
	fmt.Fprintf(w, "request latency (%d requests): %s\n", r.Requests, r.Latency)
	fmt.Fprintln(w, r.CPU.String("accepted order", r.Accepted))
	fmt.Fprintf(w, "durability: %d of %d keys' server nonces equal their accepted orders; %d sampled orders read back (%d problems)\n",
		r.NoncesMatched, r.Keys, r.SampleChecked, len(r.SampleProblems))
	for _, p := range append(r.NonceProblems, r.SampleProblems...) {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if r.Included != nil {
		fmt.Fprintf(w, "all accepted orders in blocks: %v (%s)\n", *r.Included, r.IncludedAfter)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "first transport error: %s\n", r.FirstError)
	}
}

// signBenchOrders makes c.Keys fresh keys and c.Orders transfers to bob, order i by key
// i mod K with that key's next nonce, signed on every core (not timed).
func signBenchOrders(c *benchAPIConfig, chainID string) ([]*keys.Key, []*benchOrder, error) {
	ks := make([]*keys.Key, c.Keys)
	for i := range ks {
		k, err := keys.Generate()
		if err != nil {
			return nil, nil, err
		}
		ks[i] = k
	}
	sink := node.DevAccount("bob")
	orders := make([]*benchOrder, c.Orders)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(orders); i += workers {
				k := ks[i%len(ks)]
				nonce := uint64(i / len(ks))
				o := pools.Order{Kind: pools.Transfer, Coldkey: k.Address(), ToColdkey: sink, Amount: c.Amount}
				call := scenario.FormatOrder(&o)
				sig := k.SignOrder(chainID, nonce, call)
				body := make([]byte, 0, len(call)+256)
				body = append(body, `{"signer":"`...)
				body = append(body, k.Address()...)
				body = append(body, `","nonce":`...)
				body = strconv.AppendUint(body, nonce, 10)
				body = append(body, `,"call":`...)
				body = append(body, call...)
				body = append(body, `,"signature":"`...)
				body = hex.AppendEncode(body, sig)
				body = append(body, `"}`...)
				orders[i] = &benchOrder{key: i % len(ks), nonce: nonce, body: body}
			}
		})
	}
	wg.Wait()
	return ks, orders, nil
}

// planBenchRequests gives connection w the keys k with k mod conns == w and lays out its
// requests: its orders by nonce then key (so one key's nonces go out in order on one
// connection), one per request or c.Batch per batch body.
func planBenchRequests(c *benchAPIConfig, conns int, orders []*benchOrder) [][]benchRequest {
	perConn := make([][]*benchOrder, conns)
	for _, o := range orders { // orders are already by nonce, then key
		perConn[o.key%conns] = append(perConn[o.key%conns], o)
	}
	reqs := make([][]benchRequest, conns)
	for w, list := range perConn {
		if c.Batch == 0 {
			for _, o := range list {
				reqs[w] = append(reqs[w], benchRequest{orders: []*benchOrder{o}, raw: rawRequest(c, http.MethodPost, "/v1/orders", o.body)})
			}
			continue
		}
		for i := 0; i < len(list); i += c.Batch {
			part := list[i:min(i+c.Batch, len(list))]
			var b bytes.Buffer
			b.WriteString(`{"orders":[`)
			for j, o := range part {
				if j > 0 {
					b.WriteByte(',')
				}
				b.Write(o.body)
			}
			b.WriteString(`]}`)
			reqs[w] = append(reqs[w], benchRequest{orders: part, raw: rawRequest(c, http.MethodPost, "/v1/orders/batch", b.Bytes()), batch: true})
		}
	}
	return reqs
}

// problemBody is the part of a problem+json answer the report counts by.
type problemBody struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// submitBench posts one request and tallies its orders: it returns how many were accepted
// (seq set) and counts each refusal by HTTP status and code.
func submitBench(ctx context.Context, conn *rawConn, rq benchRequest, refused counts) (int64, error) {
	status, body, err := conn.do(ctx, rq.raw)
	if err != nil {
		refused[errorLabel(err)] += int64(len(rq.orders))
		return 0, err
	}
	refuseAll := func() {
		var p problemBody
		_ = json.Unmarshal(body, &p)
		refused[fmt.Sprintf("HTTP %d %s", status, p.Code)] += int64(len(rq.orders))
	}
	if !rq.batch {
		if status != http.StatusAccepted && status != http.StatusOK {
			refuseAll()
			return 0, nil
		}
		var a struct {
			Seq int64 `json:"seq"`
		}
		if json.Unmarshal(body, &a) != nil || a.Seq < 1 {
			refused["accepted without a seq"]++
			return 0, nil
		}
		rq.orders[0].seq = a.Seq
		return 1, nil
	}
	if status != http.StatusOK {
		refuseAll()
		return 0, nil
	}
	var br struct {
		Results []struct {
			Index  int         `json:"index"`
			Status string      `json:"status"`
			Seq    int64       `json:"seq"`
			Error  problemBody `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(body, &br); err != nil || len(br.Results) != len(rq.orders) {
		refused[fmt.Sprintf("batch answer with %d results for %d orders", len(br.Results), len(rq.orders))] += int64(len(rq.orders))
		return 0, nil
	}
	var n int64
	for i, r := range br.Results {
		switch {
		case r.Index != i:
			refused["batch result out of order"]++
		case r.Status == "pending" && r.Seq > 0:
			rq.orders[i].seq = r.Seq
			n++
		default:
			refused["batch "+r.Status+" "+r.Error.Code]++
		}
	}
	return n, nil
}

// getJSON GETs url and decodes a 200 answer into v.
func getJSON(ctx context.Context, client *http.Client, url string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.Unmarshal(body, v)
}

// postAdmin POSTs a JSON body with the admin token: the status and the answer's seq.
func postAdmin(ctx context.Context, client *http.Client, c *benchAPIConfig, path string, body any) (int, int64, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+path, bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.AdminToken)
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a struct {
		Seq int64 `json:"seq"`
		problemBody
	}
	_ = json.Unmarshal(raw, &a)
	if resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, 0, fmt.Errorf("POST %s: HTTP %d %s %s", path, resp.StatusCode, a.Code, a.Detail)
	}
	return resp.StatusCode, a.Seq, nil
}

// fundBenchKeys gives every key what its transfers send plus a margin, from the dev faucet
// or, on a server without one, by admin transfers from c.Funder, and waits until the server
// shows every key funded.
func fundBenchKeys(ctx context.Context, c *benchAPIConfig, client *http.Client, ks []*keys.Key, orders []*benchOrder, say func(string, ...any)) (string, error) {
	per := make([]uint64, len(ks))
	for _, o := range orders {
		per[o.key] += c.Amount
	}
	const margin = 1_000_000 // rao
	useFaucet := true
	funded := fmt.Sprintf("dev faucet, %d rao a key", per[0]+margin)
	for i, k := range ks {
		amount := strconv.FormatUint(per[i]+margin, 10)
		if useFaucet {
			code, _, err := postAdmin(ctx, client, c, "/v1/admin/faucet", map[string]string{"address": k.Address(), "amount": amount})
			if err == nil {
				continue
			}
			if code != http.StatusNotFound || i > 0 {
				return "", err
			}
			useFaucet = false
			funded = fmt.Sprintf("admin transfers from %s, %d rao a key", c.Funder, per[0]+margin)
		}
		_, _, err := postAdmin(ctx, client, c, "/v1/admin/orders", map[string]string{"type": "transfer",
			"coldkey": node.DevAccount(c.Funder), "to_coldkey": k.Address(), "amount": amount})
		if err != nil {
			return "", err
		}
	}
	say("funding %d keys (%s); waiting for the block", len(ks), funded)
	deadline := time.Now().Add(5 * time.Minute)
	for i := 0; i < len(ks); {
		var acct struct {
			Free struct {
				Value string `json:"value"`
			} `json:"free"`
		}
		if code, err := getJSON(ctx, client, c.URL+"/v1/accounts/"+ks[i].Address(), &acct); err != nil || code != http.StatusOK {
			return "", fmt.Errorf("GET /v1/accounts/%s: HTTP %d %v", ks[i].Address(), code, err)
		}
		if v, err := strconv.ParseUint(acct.Free.Value, 10, 64); err == nil && v >= per[i] {
			i++
			continue
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("key %s is still not funded after 5 minutes (did the funding orders fail? GET /v1/orders)", ks[i].Address())
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return funded, nil
}

// checkBenchDurability reads back what the server accepted: every key's next nonce must be
// its accepted count (the store advances it with each durable insert), and a sample of
// accepted orders must read back with their signer and nonce; with -wait-included it also
// waits for the last accepted order to be in a block.
func checkBenchDurability(ctx context.Context, c *benchAPIConfig, client *http.Client, ks []*keys.Key, orders []*benchOrder, res *ordersResult, say func(string, ...any)) error {
	acceptedPer := make([]uint64, len(ks))
	var acceptedList []*benchOrder
	var last *benchOrder
	for _, o := range orders {
		if o.seq > 0 {
			acceptedPer[o.key]++
			acceptedList = append(acceptedList, o)
			if last == nil || o.seq > last.seq {
				last = o
			}
		}
	}
	for i, k := range ks {
		var acct struct {
			Nonce uint64 `json:"nonce"`
		}
		code, err := getJSON(ctx, client, c.URL+"/v1/accounts/"+k.Address(), &acct)
		switch {
		case err != nil || code != http.StatusOK:
			res.NonceProblems = append(res.NonceProblems, fmt.Sprintf("GET /v1/accounts/%s: HTTP %d %v", k.Address(), code, err))
		case acct.Nonce != acceptedPer[i]:
			res.NonceProblems = append(res.NonceProblems, fmt.Sprintf("key %s: server nonce %d, %d orders accepted", k.Address(), acct.Nonce, acceptedPer[i]))
		default:
			res.NoncesMatched++
		}
		if len(res.NonceProblems) > 20 {
			break
		}
	}
	n := min(c.Sample, len(acceptedList))
	for j := range n {
		o := acceptedList[j*len(acceptedList)/n]
		var got struct {
			Seq    int64   `json:"seq"`
			Signer *string `json:"signer"`
			Nonce  *uint64 `json:"nonce"`
		}
		code, err := getJSON(ctx, client, c.URL+"/v1/orders/"+strconv.FormatInt(o.seq, 10), &got)
		res.SampleChecked++
		addr := ks[o.key].Address()
		if err != nil || code != http.StatusOK || got.Seq != o.seq || got.Signer == nil || *got.Signer != addr || got.Nonce == nil || *got.Nonce != o.nonce {
			res.SampleProblems = append(res.SampleProblems, fmt.Sprintf("order %d (key %s nonce %d): HTTP %d %v, read back %+v", o.seq, addr, o.nonce, code, err, got))
			if len(res.SampleProblems) > 20 {
				break
			}
		}
	}
	if c.WaitIncluded > 0 && last != nil {
		say("waiting up to %s for order %d (the last accepted) to be in a block", c.WaitIncluded, last.seq)
		t0 := time.Now()
		included := false
		for time.Since(t0) < c.WaitIncluded && !included {
			var got struct {
				Status string `json:"status"`
			}
			if code, err := getJSON(ctx, client, c.URL+"/v1/orders/"+strconv.FormatInt(last.seq, 10), &got); err == nil && code == http.StatusOK && got.Status == "included" {
				included = true
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		res.Included = &included
		res.IncludedAfter = time.Since(t0).Round(time.Millisecond).String()
	}
	return nil
}
