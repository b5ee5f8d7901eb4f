package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/dtaod/dtaod/node"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
	"github.com/go-chi/chi/v5"
	"github.com/holiman/uint256"
)

// viewCache is what the reads of one block share, each part built once on first use: the
// encoded subnets (GET /v1/subnets answers from bytes) and the index of stake by coldkey.
type viewCache struct {
	v *node.View

	subOnce    sync.Once
	subNetuids []dtaod.NetUID // in order
	subItems   [][]byte       // the encoded Subnet of each
	subFirst   []byte         // the whole default first page

	acctOnce  sync.Once
	byColdkey map[string][]int32 // indexes into v.Snapshot.Shares
}

// viewCache returns the cache of the node's current view.
func (s *server) viewCache() *viewCache {
	v := s.chain.View()
	c := s.cache.Load()
	if c != nil && c.v == v {
		return c
	}
	n := &viewCache{v: v}
	if s.cache.CompareAndSwap(c, n) {
		return n
	}
	if c := s.cache.Load(); c != nil && c.v == v {
		return c
	}
	return n // the view moved on again meanwhile: serve this one uncached
}

// headerCache keeps stored block headers, which never change, so paging through blocks costs
// the store one read per block ever. It holds at most max headers, dropping the oldest entered.
type headerCache struct {
	mu    sync.Mutex
	m     map[dtaod.Block]*store.BlockHeader
	order []dtaod.Block
	next  int
}

func newHeaderCache(max int) *headerCache {
	return &headerCache{m: make(map[dtaod.Block]*store.BlockHeader, max), order: make([]dtaod.Block, 0, max)}
}

func (s *server) header(ctx context.Context, h dtaod.Block) (*store.BlockHeader, error) {
	c := s.headers
	c.mu.Lock()
	hdr := c.m[h]
	c.mu.Unlock()
	if hdr != nil {
		return hdr, nil
	}
	hdr, err := s.chain.BlockHeader(ctx, h)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if _, ok := c.m[h]; !ok {
		if len(c.order) < cap(c.order) {
			c.order = append(c.order, h)
		} else {
			delete(c.m, c.order[c.next])
			c.order[c.next] = h
			c.next = (c.next + 1) % len(c.order)
		}
		c.m[h] = hdr
	}
	c.mu.Unlock()
	return hdr, nil
}

// Blocks.

// blockItem is a block header on the wire.
type blockItem struct {
	Height        uint64  `json:"height"`
	StateHash     string  `json:"state_hash"`
	ParentHash    string  `json:"parent_hash"`
	Emission      Amount  `json:"emission"`
	TotalIssuance Amount  `json:"total_issuance"`
	Orders        int     `json:"orders"`
	ProducedAt    *string `json:"produced_at"` // null for genesis
}

type blockJSON struct {
	Block uint64 `json:"block"`
	blockItem
}

func blockItemOf(h *store.BlockHeader) blockItem {
	at := h.ProducedAt.UTC().Format(time.RFC3339Nano)
	return blockItem{Height: uint64(h.Height), StateHash: hexOf(h.StateHash), ParentHash: hexOf(h.ParentHash),
		Emission: taoAmount(h.Emission), TotalIssuance: taoAmount(h.TotalIssuance), Orders: h.Orders, ProducedAt: &at}
}

func (s *server) latestBlock(w http.ResponseWriter, _ *http.Request) {
	v := s.chain.View()
	h := v.Header
	var it blockItem
	if h.Height == 0 { // genesis: no block was produced yet
		it = blockItem{StateHash: hexOf(v.Snapshot.Hash()), ParentHash: hexOf([32]byte{}), Emission: taoAmount(0),
			TotalIssuance: taoAmount(v.Snapshot.Globals.TotalIssuance)}
	} else {
		it = blockItemOf(&h)
	}
	writeJSON(w, http.StatusOK, blockJSON{Block: uint64(h.Height), blockItem: it})
}

// pathUint parses a path parameter; on failure it has answered 422 naming it.
func pathUint(w http.ResponseWriter, r *http.Request, name string, bits int) (uint64, bool) {
	raw := chi.URLParam(r, name)
	v, err := strconv.ParseUint(raw, 10, bits)
	if err != nil {
		max := strconv.FormatUint(1<<bits-1, 10)
		invalid(w, fieldError{name, "must be an integer from 0 to " + max + ", got " + strconv.Quote(raw)})
		return 0, false
	}
	return v, true
}

func (s *server) block(w http.ResponseWriter, r *http.Request) {
	h, ok := pathUint(w, r, "height", 64)
	if !ok {
		return
	}
	v := s.chain.View()
	if h == 0 || h > uint64(v.Header.Height) {
		notFound(w, "no block "+u64s(h)+" (blocks are 1.."+u64s(uint64(v.Header.Height))+")")
		return
	}
	hdr, err := s.header(r.Context(), dtaod.Block(h))
	if errors.Is(err, store.ErrNotFound) {
		notFound(w, "no block "+u64s(h))
		return
	}
	if err != nil {
		s.unavailable(w, "block header", err)
		return
	}
	writeJSON(w, http.StatusOK, blockJSON{Block: uint64(v.Header.Height), blockItem: blockItemOf(hdr)})
}

// blocks lists blocks newest first; the cursor is the height to continue at.
func (s *server) blocks(w http.ResponseWriter, r *http.Request) {
	p, errs := parsePage(r, "blocks")
	if errs != nil {
		invalid(w, errs...)
		return
	}
	v := s.chain.View()
	top := uint64(v.Header.Height)
	if p.has && p.from < top {
		top = p.from
	}
	out := listJSON[blockItem]{Block: uint64(v.Header.Height), Items: []blockItem{}}
	h := top
	for ; h >= 1 && len(out.Items) < p.limit; h-- {
		hdr, err := s.header(r.Context(), dtaod.Block(h))
		if err != nil {
			s.unavailable(w, "block header", err)
			return
		}
		out.Items = append(out.Items, blockItemOf(hdr))
	}
	if h >= 1 {
		out.NextCursor = cursorPtr("blocks", h)
	}
	writeJSON(w, http.StatusOK, out)
}

// Subnets.

// subnetJSON is a Subnet on the wire. The pointer fields are the current state's only: a past
// block's pool (?block=H) leaves them out.
type subnetJSON struct {
	NetUID              uint16  `json:"netuid"`
	Name                string  `json:"name"`
	Symbol              string  `json:"symbol"`
	Tempo               *uint16 `json:"tempo,omitempty"`
	TAOIn               Amount  `json:"tao_in"`
	AlphaIn             Amount  `json:"alpha_in"`
	AlphaOut            Amount  `json:"alpha_out"`
	Price               string  `json:"price"`
	MovingPrice         string  `json:"moving_price"`
	MarketCap           Amount  `json:"market_cap"`
	EmissionShare       string  `json:"emission_share"`
	TAOInEmission       Amount  `json:"tao_in_emission"`
	AlphaInEmission     Amount  `json:"alpha_in_emission"`
	AlphaOutEmission    Amount  `json:"alpha_out_emission"`
	Volume              Amount  `json:"volume"`
	OwnerColdkey        *string `json:"owner_coldkey,omitempty"`
	OwnerHotkey         *string `json:"owner_hotkey,omitempty"`
	RegistrationAllowed *bool   `json:"registration_allowed,omitempty"`
	Neurons             *int    `json:"neurons,omitempty"`
}

// poolFields fills what a current subnet and a past pool snapshot share.
func poolFields(n dtaod.NetUID, taoIn dtaod.TAO, alphaIn, alphaOut dtaod.Alpha, moving dtaod.Fixed,
	taoEm dtaod.TAO, alphaInEm, alphaOutEm dtaod.Alpha, volHi, volLo uint64, blockEmission dtaod.TAO) subnetJSON {
	price := amm.Pool{TAO: taoIn, Alpha: alphaIn}.SpotPrice()
	return subnetJSON{
		NetUID: uint16(n), Name: "", Symbol: symbolOf(n),
		TAOIn: taoAmount(taoIn), AlphaIn: alphaAmount(n, uint64(alphaIn)), AlphaOut: alphaAmount(n, uint64(alphaOut)),
		Price: price.String(), MovingPrice: moving.String(),
		MarketCap:        wideAmount("tao", marketCap(alphaIn, alphaOut, price)),
		EmissionShare:    ratio(uint64(taoEm), uint64(blockEmission)),
		TAOInEmission:    taoAmount(taoEm),
		AlphaInEmission:  alphaAmount(n, uint64(alphaInEm)),
		AlphaOutEmission: alphaAmount(n, uint64(alphaOutEm)),
		Volume:           volumeAmount(volHi, volLo),
	}
}

// marketCap is floor(price x (alpha_in + alpha_out)) in rao.
func marketCap(alphaIn, alphaOut dtaod.Alpha, price dtaod.Price) *uint256.Int {
	var supply, out uint256.Int
	supply.Add(uint256.NewInt(uint64(alphaIn)), uint256.NewInt(uint64(alphaOut)))
	p := price.Scaled()
	out.Mul(&supply, &p) // a spot price of u64 reserves is < 2^124 scaled: fits
	return out.Div(&out, uint256.NewInt(dtaod.FixedOne))
}

func subnetOf(r *pools.SubnetRow, neurons int, blockEmission dtaod.TAO) subnetJSON {
	out := poolFields(r.NetUID, r.TAOIn, r.AlphaIn, r.AlphaOut, r.MovingPrice, r.LastTAOInEmission,
		r.LastAlphaInEmission, r.LastAlphaOutEmission, r.VolumeHi, r.VolumeLo, blockEmission)
	tempo, owner, hotkey, reg := r.Tempo, r.OwnerColdkey, r.OwnerHotkey, r.RegistrationAllowed
	out.Tempo, out.OwnerColdkey, out.OwnerHotkey, out.RegistrationAllowed, out.Neurons = &tempo, &owner, &hotkey, &reg, &neurons
	return out
}

// buildSubnets encodes every subnet of the block once.
func (c *viewCache) buildSubnets() {
	c.subOnce.Do(func() {
		snap := c.v.Snapshot
		counts := make(map[dtaod.NetUID]int, len(snap.Subnets))
		for i := range snap.Neurons {
			counts[snap.Neurons[i].NetUID]++
		}
		c.subNetuids = make([]dtaod.NetUID, len(snap.Subnets))
		c.subItems = make([][]byte, len(snap.Subnets))
		for i := range snap.Subnets {
			r := &snap.Subnets[i]
			b, _ := json.Marshal(subnetOf(r, counts[r.NetUID], c.v.Header.Emission))
			c.subNetuids[i], c.subItems[i] = r.NetUID, b
		}
		c.subFirst = c.subnetPage(0, len(c.subItems), defaultLimit)
	})
}

// subnetPage assembles the page of items [from, from+limit) of total.
func (c *viewCache) subnetPage(from, total, limit int) []byte {
	end := min(from+limit, total)
	size := 64
	for _, it := range c.subItems[from:end] {
		size += len(it) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"block":`...)
	b = strconv.AppendUint(b, uint64(c.v.Header.Height), 10)
	b = append(b, `,"items":[`...)
	for i, it := range c.subItems[from:end] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, `],"next_cursor":`...)
	if end < total {
		b = strconv.AppendQuote(b, encodeCursor("subnets", uint64(c.subNetuids[end])))
	} else {
		b = append(b, "null"...)
	}
	return append(b, "}\n"...)
}

// subnets lists subnets by netuid from the block's encoded subnets.
func (s *server) subnets(w http.ResponseWriter, r *http.Request) {
	c := s.viewCache()
	c.buildSubnets()
	if r.URL.RawQuery == "" {
		writeRaw(w, http.StatusOK, c.subFirst)
		return
	}
	p, errs := parsePage(r, "subnets")
	if errs != nil {
		invalid(w, errs...)
		return
	}
	from := 0
	if p.has {
		from = sort.Search(len(c.subNetuids), func(i int) bool { return uint64(c.subNetuids[i]) >= p.from })
	}
	if from == 0 && p.limit == defaultLimit {
		writeRaw(w, http.StatusOK, c.subFirst)
		return
	}
	writeRaw(w, http.StatusOK, c.subnetPage(from, len(c.subItems), p.limit))
}

// subnetRow finds a subnet's row in a snapshot.
func subnetRow(snap *pools.Snapshot, n dtaod.NetUID) *pools.SubnetRow {
	i := sort.Search(len(snap.Subnets), func(i int) bool { return snap.Subnets[i].NetUID >= n })
	if i < len(snap.Subnets) && snap.Subnets[i].NetUID == n {
		return &snap.Subnets[i]
	}
	return nil
}

func (s *server) subnet(w http.ResponseWriter, r *http.Request) {
	n, ok := pathUint(w, r, "netuid", 16)
	if !ok {
		return
	}
	netuid := dtaod.NetUID(n)
	if raw, ok := r.URL.Query()["block"]; ok {
		h, err := strconv.ParseUint(raw[0], 10, 64)
		if err != nil {
			invalid(w, fieldError{"block", "must be a block height (a non-negative integer)"})
			return
		}
		s.pastSubnet(w, r, netuid, dtaod.Block(h))
		return
	}
	c := s.viewCache()
	c.buildSubnets()
	i := sort.Search(len(c.subNetuids), func(i int) bool { return c.subNetuids[i] >= netuid })
	if i == len(c.subNetuids) || c.subNetuids[i] != netuid {
		notFound(w, "no subnet "+u64s(n))
		return
	}
	it := c.subItems[i] // {"netuid":...}: splice the block in front
	b := make([]byte, 0, len(it)+32)
	b = append(b, `{"block":`...)
	b = strconv.AppendUint(b, uint64(c.v.Header.Height), 10)
	b = append(b, ',')
	b = append(b, it[1:]...)
	writeRaw(w, http.StatusOK, append(b, '\n'))
}

// pastSubnet answers a subnet's pool after block h from the stored snapshots.
func (s *server) pastSubnet(w http.ResponseWriter, r *http.Request, n dtaod.NetUID, h dtaod.Block) {
	v := s.chain.View()
	if h == 0 || h > v.Header.Height {
		notFound(w, "no pool snapshot at block "+u64s(uint64(h))+" (snapshots exist for blocks 1.."+u64s(uint64(v.Header.Height))+")")
		return
	}
	snaps, err := s.chain.PoolSnapshots(r.Context(), h)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.unavailable(w, "pool snapshots", err)
		return
	}
	i := sort.Search(len(snaps), func(i int) bool { return snaps[i].NetUID >= n })
	if i == len(snaps) || snaps[i].NetUID != n {
		notFound(w, "subnet "+u64s(uint64(n))+" has no pool snapshot at block "+u64s(uint64(h)))
		return
	}
	hdr, err := s.header(r.Context(), h)
	if err != nil {
		s.unavailable(w, "block header", err)
		return
	}
	p := &snaps[i]
	out := poolFields(n, p.TAOIn, p.AlphaIn, p.AlphaOut, p.MovingPrice, p.TAOInEmission, p.AlphaInEmission,
		p.AlphaOutEmission, p.VolumeHi, p.VolumeLo, hdr.Emission)
	writeJSON(w, http.StatusOK, struct {
		Block uint64 `json:"block"`
		subnetJSON
	}{uint64(h), out})
}

// Neurons.

type neuronJSON struct {
	UID             uint16 `json:"uid"`
	Hotkey          string `json:"hotkey"`
	Coldkey         string `json:"coldkey"`
	RegisteredAt    uint64 `json:"registered_at"`
	LastUpdate      uint64 `json:"last_update"`
	ValidatorPermit bool   `json:"validator_permit"`
	Stake           Amount `json:"stake"`
	Rank            string `json:"rank"`
	Trust           string `json:"trust"`
	Consensus       string `json:"consensus"`
	Incentive       string `json:"incentive"`
	Dividends       string `json:"dividends"`
	ValidatorTrust  string `json:"validator_trust"`
	Emission        Amount `json:"emission"`
	Active          bool   `json:"active"`
}

// poolValue is the total stake on (hotkey, netuid) in a snapshot.
func poolValue(snap *pools.Snapshot, n dtaod.NetUID, hotkey string) (uint64, *pools.PoolRow) {
	ps := snap.Pools
	i := sort.Search(len(ps), func(i int) bool {
		return ps[i].NetUID > n || ps[i].NetUID == n && ps[i].Hotkey >= hotkey
	})
	if i < len(ps) && ps[i].NetUID == n && ps[i].Hotkey == hotkey {
		return ps[i].Value, &ps[i]
	}
	return 0, nil
}

func (s *server) neurons(w http.ResponseWriter, r *http.Request) {
	n, ok := pathUint(w, r, "netuid", 16)
	if !ok {
		return
	}
	p, errs := parsePage(r, "neurons")
	if errs != nil {
		invalid(w, errs...)
		return
	}
	netuid := dtaod.NetUID(n)
	v := s.chain.View()
	snap := v.Snapshot
	if subnetRow(snap, netuid) == nil {
		notFound(w, "no subnet "+u64s(n))
		return
	}
	ns := snap.Neurons
	i := sort.Search(len(ns), func(i int) bool {
		return ns[i].NetUID > netuid || ns[i].NetUID == netuid && uint64(ns[i].UID) >= p.from
	})
	out := listJSON[neuronJSON]{Block: uint64(v.Header.Height), Items: []neuronJSON{}}
	for ; i < len(ns) && ns[i].NetUID == netuid && len(out.Items) < p.limit; i++ {
		nr := &ns[i]
		stake, _ := poolValue(snap, netuid, nr.Hotkey)
		out.Items = append(out.Items, neuronJSON{
			UID: nr.UID, Hotkey: nr.Hotkey, Coldkey: nr.Coldkey, RegisteredAt: uint64(nr.RegisteredAt),
			LastUpdate: uint64(nr.LastUpdate), ValidatorPermit: nr.ValidatorPermit, Stake: alphaAmount(netuid, stake),
			Rank: u16Ratio(nr.Rank), Trust: u16Ratio(nr.Trust), Consensus: u16Ratio(nr.Consensus),
			Incentive: u16Ratio(nr.Incentive), Dividends: u16Ratio(nr.Dividends), ValidatorTrust: u16Ratio(nr.ValidatorTrust),
			Emission: alphaAmount(netuid, uint64(nr.Emission)), Active: nr.Active,
		})
	}
	if i < len(ns) && ns[i].NetUID == netuid {
		out.NextCursor = cursorPtr("neurons", uint64(ns[i].UID))
	}
	writeJSON(w, http.StatusOK, out)
}

// Accounts.

type positionJSON struct {
	Hotkey      string `json:"hotkey"`
	NetUID      uint16 `json:"netuid"`
	Alpha       Amount `json:"alpha"`
	ValueSpot   Amount `json:"value_spot"`
	ValueIfSold Amount `json:"value_if_sold"`
	// ValueIfSoldReason is the engine's code when remove_stake of the whole position would fail
	// now (value_if_sold is then 0).
	ValueIfSoldReason string `json:"value_if_sold_reason,omitempty"`
}

type accountJSON struct {
	Block     uint64         `json:"block"`
	Address   string         `json:"address"`
	Free      Amount         `json:"free"`
	Nonce     uint64         `json:"nonce"`
	Positions []positionJSON `json:"positions"`
}

// validAddress accepts SS58 addresses and the plain names a dev genesis uses: 1 to 128
// letters, digits, '.', '_' and '-'.
func validAddress(a string) bool {
	if a == "" || len(a) > 128 {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// buildAccounts indexes the block's share rows by coldkey, once.
func (c *viewCache) buildAccounts() {
	c.acctOnce.Do(func() {
		c.byColdkey = make(map[string][]int32)
		for i := range c.v.Snapshot.Shares {
			ck := c.v.Snapshot.Shares[i].Coldkey
			c.byColdkey[ck] = append(c.byColdkey[ck], int32(i))
		}
	})
}

func freeOf(snap *pools.Snapshot, coldkey string) dtaod.TAO {
	bs := snap.Balances
	i := sort.Search(len(bs), func(i int) bool { return bs[i].Coldkey >= coldkey })
	if i < len(bs) && bs[i].Coldkey == coldkey {
		return bs[i].Free
	}
	return 0
}

// valueIfSold is what remove_stake of a alpha on netuid n would credit now, by the engine's
// rules (minimum stake, fee, minimum liquidity), or the code it would fail with.
func valueIfSold(p *dtaod.Params, snap *pools.Snapshot, n dtaod.NetUID, a uint64) (dtaod.TAO, string) {
	fee := p.StakingFee
	if n == dtaod.Root {
		switch {
		case dtaod.TAO(a) <= p.MinStake || dtaod.TAO(a) < fee:
			return 0, dtaod.ErrAmountTooLow.Code()
		}
		return dtaod.TAO(a) - fee, ""
	}
	row := subnetRow(snap, n)
	if row == nil {
		return 0, dtaod.ErrSubnetNotFound.Code()
	}
	pool := amm.Pool{TAO: row.TAOIn, Alpha: row.AlphaIn}
	gross, _, err := amm.SellAlpha(pool, dtaod.Alpha(a), p.MinPoolLiquidity)
	if err != nil {
		return 0, dtaod.ErrInsufficientLiquidity.Code()
	}
	if gross <= p.MinStake {
		return 0, dtaod.ErrAmountTooLow.Code()
	}
	q, err := amm.QuoteUnstake(pool, dtaod.Alpha(a), fee, p.MinPoolLiquidity)
	if err != nil {
		return 0, dtaod.CodeOf(err)
	}
	return q.TAO, ""
}

func (s *server) account(w http.ResponseWriter, r *http.Request) {
	addr := chi.URLParam(r, "address")
	if !validAddress(addr) {
		invalid(w, fieldError{"address", "must be an SS58 address or account name (1-128 letters, digits, '.', '_', '-')"})
		return
	}
	c := s.viewCache()
	c.buildAccounts()
	v := c.v
	snap := v.Snapshot
	nonce, err := s.chain.AccountNonce(r.Context(), addr)
	if err != nil {
		s.unavailable(w, "account nonce", err)
		return
	}
	out := accountJSON{Block: uint64(v.Header.Height), Address: addr, Free: taoAmount(freeOf(snap, addr)), Nonce: nonce,
		Positions: []positionJSON{}}
	for _, i := range c.byColdkey[addr] {
		sh := &snap.Shares[i]
		_, pool := poolValue(snap, sh.NetUID, sh.Hotkey)
		if pool == nil || pool.Denom.IsZero() {
			continue
		}
		var st uint256.Int
		st.Mul(uint256.NewInt(pool.Value), &sh.Shares)
		st.Div(&st, &pool.Denom)
		a := st.Uint64()
		if a == 0 {
			continue
		}
		pos := positionJSON{Hotkey: sh.Hotkey, NetUID: uint16(sh.NetUID), Alpha: alphaAmount(sh.NetUID, a)}
		if sh.NetUID == dtaod.Root {
			pos.ValueSpot = taoAmount(dtaod.TAO(a))
		} else if row := subnetRow(snap, sh.NetUID); row != nil {
			price := amm.Pool{TAO: row.TAOIn, Alpha: row.AlphaIn}.SpotPrice()
			pos.ValueSpot = wideAmount("tao", mulPrice(a, price))
		}
		sold, reason := valueIfSold(&v.Params, snap, sh.NetUID, a)
		pos.ValueIfSold, pos.ValueIfSoldReason = taoAmount(sold), reason
		out.Positions = append(out.Positions, pos)
	}
	// Shares are sorted by (netuid, hotkey, coldkey), so positions come by netuid then hotkey.
	writeJSON(w, http.StatusOK, out)
}
