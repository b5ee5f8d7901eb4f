package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// pageLimit is the page size the client asks for: the API's maximum, so a list takes the fewest
// round trips.
const pageLimit = 1000

// maxPages bounds how many pages a list follows, so a server that keeps answering with a cursor
// cannot keep the client busy forever (65,536 subnets or neurons fit in 66 pages).
const maxPages = 100

// Chain reads GET /v1/chain: the chain id orders are signed for, the genesis, whether it is a
// dev chain with a faucet, and its parameters. It caches the chain id for signing.
func (c *Client) Chain(ctx context.Context) (*ChainInfo, error) {
	var ci ChainInfo
	if err := c.get(ctx, "/v1/chain", nil, &ci); err != nil {
		return nil, err
	}
	if ci.ChainID == "" {
		return nil, errors.New("client: GET /v1/chain: the answer has no chain_id")
	}
	c.mu.Lock()
	if c.chainID == "" {
		c.chainID = ci.ChainID
	}
	c.mu.Unlock()
	return &ci, nil
}

// ChainID is the chain id to sign for: pinned with WithChainID, or read once from GET /v1/chain
// and cached for the client's life.
func (c *Client) ChainID(ctx context.Context) (string, error) {
	c.mu.Lock()
	id := c.chainID
	c.mu.Unlock()
	if id != "" {
		return id, nil
	}
	ci, err := c.Chain(ctx)
	if err != nil {
		return "", err
	}
	return ci.ChainID, nil
}

// LatestBlock reads the header of the last block the server applied.
func (c *Client) LatestBlock(ctx context.Context) (*Block, error) {
	var b Block
	if err := c.get(ctx, "/v1/blocks/latest", nil, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// page is a page of a list.
type page[T any] struct {
	Block      uint64  `json:"block"`
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// list follows a paginated list to its end and returns every item with the first page's block.
func list[T any](ctx context.Context, c *Client, path string) ([]T, uint64, error) {
	var all []T
	var block uint64
	cursor := ""
	for i := 0; ; i++ {
		if i == maxPages {
			return nil, 0, fmt.Errorf("client: GET %s: still more after %d pages", path, maxPages)
		}
		q := url.Values{"limit": {strconv.Itoa(pageLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var p page[T]
		if err := c.get(ctx, path, q, &p); err != nil {
			return nil, 0, err
		}
		if i == 0 {
			block = p.Block
		}
		all = append(all, p.Items...)
		if p.NextCursor == nil || *p.NextCursor == "" {
			return all, block, nil
		}
		cursor = *p.NextCursor
	}
}

// Subnets reads every subnet (all pages), by netuid, and the block the first page was read at.
// Each item's Block is that block.
func (c *Client) Subnets(ctx context.Context) ([]Subnet, uint64, error) {
	items, block, err := list[Subnet](ctx, c, "/v1/subnets")
	for i := range items {
		items[i].Block = block
	}
	return items, block, err
}

// Subnet reads one subnet now (ErrNotFound for an unknown netuid).
func (c *Client) Subnet(ctx context.Context, netuid uint16) (*Subnet, error) {
	var s Subnet
	if err := c.get(ctx, "/v1/subnets/"+strconv.Itoa(int(netuid)), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Neurons reads every neuron of a subnet (all pages), by uid, and the block it was read at.
func (c *Client) Neurons(ctx context.Context, netuid uint16) ([]Neuron, uint64, error) {
	return list[Neuron](ctx, c, "/v1/subnets/"+strconv.Itoa(int(netuid))+"/neurons")
}

// Account reads an account's free balance, next nonce and positions. An address the chain has
// never seen is an empty account, not an error.
func (c *Client) Account(ctx context.Context, address string) (*Account, error) {
	if address == "" {
		return nil, errors.New("client: Account: empty address")
	}
	var a Account
	if err := c.get(ctx, "/v1/accounts/"+url.PathEscape(address), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Quote asks what a trade would give now (on the state plus the pending orders). Quotes change
// nothing, so a network error is retried once.
func (c *Client) Quote(ctx context.Context, q QuoteRequest) (*Quote, error) {
	switch q.Kind {
	case "stake", "unstake", "move":
	default:
		return nil, fmt.Errorf("client: quote kind %q: want stake, unstake or move", q.Kind)
	}
	var out Quote
	if _, err := c.call(ctx, request{method: http.MethodPost, path: "/v1/quote", body: q}, true, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Order reads an order and, once included, its receipt (ErrNotFound for an unknown seq).
func (c *Client) Order(ctx context.Context, seq int64) (*Order, error) {
	var o Order
	if err := c.get(ctx, "/v1/orders/"+strconv.FormatInt(seq, 10), nil, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
