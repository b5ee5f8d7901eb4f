package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/scenario"
)

// Writing and reading the current-state tables. Upserts send each column as one array and
// unnest them server side: one round trip per table whatever the number of rows.

// upsertSQL is INSERT INTO table (cols) SELECT * FROM unnest($1::t1[], ...) ON CONFLICT (keys)
// DO UPDATE SET every non-key column. cols are "name type" pairs; the first nkeys are the key.
func upsertSQL(table string, nkeys int, cols ...string) string {
	var names, casts, sets []string
	for i, c := range cols {
		name, typ, _ := strings.Cut(c, " ")
		names = append(names, name)
		casts = append(casts, fmt.Sprintf("$%d::%s[]", i+1, typ))
		if i >= nkeys {
			sets = append(sets, name+" = EXCLUDED."+name)
		}
	}
	return "INSERT INTO " + table + " (" + strings.Join(names, ", ") + ") SELECT * FROM unnest(" +
		strings.Join(casts, ", ") + ") ON CONFLICT (" + strings.Join(names[:nkeys], ", ") +
		") DO UPDATE SET " + strings.Join(sets, ", ")
}

var (
	upsertSubnets = upsertSQL("state_subnets", 1, "netuid int4", "tao_in int8", "alpha_in int8",
		"alpha_out int8", "moving_price numeric", "tempo int4", "registration_allowed bool",
		"owner_coldkey text", "owner_hotkey text", "registered_at int8", "max_allowed_uids int4",
		"max_allowed_validators int4", "volume numeric", "pending_alpha int8", "pending_owner_cut int8",
		"pending_root_alpha int8", "pending_root_tao int8", "last_tao_in_emission int8",
		"last_alpha_in_emission int8", "last_alpha_out_emission int8", "last_owner_cut int8",
		"last_root_divs_tao int8", "unnamed_stake int8")
	upsertBalances = upsertSQL("state_balances", 1, "coldkey text", "free int8")
	upsertPools    = upsertSQL("state_pools", 2, "netuid int4", "hotkey text", "value int8", "denom numeric")
	upsertShares   = upsertSQL("state_shares", 3, "netuid int4", "hotkey text", "coldkey text", "shares numeric")
	upsertNeurons  = upsertSQL("state_neurons", 2, "netuid int4", "uid int4", "hotkey text",
		"coldkey text", "registered_at int8", "last_update int8", "validator_permit bool",
		"weights bytea", "bonds bytea", "rank int4", "trust int4", "consensus int4", "incentive int4",
		"dividends int4", "validator_trust int4", "pruning_score int4", "active bool", "emission int8")
)

const (
	deleteBalances = `DELETE FROM state_balances WHERE coldkey = ANY($1::text[])`
	deletePools    = `DELETE FROM state_pools t USING unnest($1::int4[], $2::text[]) d(netuid, hotkey)
		WHERE t.netuid = d.netuid AND t.hotkey = d.hotkey`
	deleteShares = `DELETE FROM state_shares t USING unnest($1::int4[], $2::text[], $3::text[]) d(netuid, hotkey, coldkey)
		WHERE t.netuid = d.netuid AND t.hotkey = d.hotkey AND t.coldkey = d.coldkey`
	deleteNeurons = `DELETE FROM state_neurons t USING unnest($1::int4[], $2::int4[]) d(netuid, uid)
		WHERE t.netuid = d.netuid AND t.uid = d.uid`
	updateGlobals = `UPDATE state_globals SET height = $1, total_issuance = $2, root_tao = $3,
		burn_shortfall = $4, unnamed_root = $5, network_last_lock = $6, network_last_lock_block = $7,
		tao_offset = $8::numeric`
)

// updateParams writes pools.Snapshot.Params: the params object, or NULL for the genesis params.
const updateParams = `UPDATE state_globals SET params = $1::json`

// paramsArg is the params column's value: every parameter as scenario.FormatParams writes it,
// or NULL (nil) for the genesis params.
func paramsArg(p *dtaod.Params) any {
	if p == nil {
		return nil
	}
	return string(scenario.FormatParams(*p))
}

func globalsArgs(g *pools.Globals) []any {
	return []any{bigint(g.Height), bigint(g.TotalIssuance), bigint(g.RootTAO), bigint(g.BurnShortfall),
		bigint(g.UnnamedRoot), bigint(g.NetworkLastLock), bigint(g.NetworkLastLockBlock), numInt(&g.TAOOffset)}
}

func subnetArgs(rows []pools.SubnetRow) []any {
	n := len(rows)
	netuid, tempo, maxUIDs, maxVals := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	u := make([][]int64, 14)
	for j := range u {
		u[j] = make([]int64, n)
	}
	moving, volume := make([]wideNum, n), make([]wideNum, n)
	regAllowed := make([]bool, n)
	ownerCK, ownerHK := make([]string, n), make([]string, n)
	for i, r := range rows {
		netuid[i], tempo[i] = int32(r.NetUID), int32(r.Tempo)
		maxUIDs[i], maxVals[i] = int32(r.MaxAllowedUIDs), int32(r.MaxAllowedValidators)
		moving[i], volume[i] = numFixed(r.MovingPrice), numVolume(r.VolumeHi, r.VolumeLo)
		regAllowed[i], ownerCK[i], ownerHK[i] = r.RegistrationAllowed, r.OwnerColdkey, r.OwnerHotkey
		for j, v := range [14]int64{bigint(r.TAOIn), bigint(r.AlphaIn), bigint(r.AlphaOut),
			bigint(r.RegisteredAt), bigint(r.PendingAlpha), bigint(r.PendingOwnerCut),
			bigint(r.PendingRootAlpha), bigint(r.PendingRootTAO), bigint(r.LastTAOInEmission),
			bigint(r.LastAlphaInEmission), bigint(r.LastAlphaOutEmission), bigint(r.LastOwnerCut),
			bigint(r.LastRootDivsTAO), bigint(r.UnnamedStake)} {
			u[j][i] = v
		}
	}
	return []any{netuid, u[0], u[1], u[2], moving, tempo, regAllowed, ownerCK, ownerHK,
		u[3], maxUIDs, maxVals, volume, u[4], u[5], u[6], u[7], u[8], u[9],
		u[10], u[11], u[12], u[13]}
}

func balanceArgs(rows []pools.BalanceRow) []any {
	ck, free := make([]string, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		ck[i], free[i] = r.Coldkey, bigint(r.Free)
	}
	return []any{ck, free}
}

func poolArgs(rows []pools.PoolRow) []any {
	n := len(rows)
	netuid, hk, value, denom := make([]int32, n), make([]string, n), make([]int64, n), make([]wideNum, n)
	for i, r := range rows {
		netuid[i], hk[i], value[i], denom[i] = int32(r.NetUID), r.Hotkey, bigint(r.Value), numInt(&r.Denom)
	}
	return []any{netuid, hk, value, denom}
}

func shareArgs(rows []pools.ShareRow) []any {
	n := len(rows)
	netuid, hk, ck, shares := make([]int32, n), make([]string, n), make([]string, n), make([]wideNum, n)
	for i, r := range rows {
		netuid[i], hk[i], ck[i], shares[i] = int32(r.NetUID), r.Hotkey, r.Coldkey, numInt(&r.Shares)
	}
	return []any{netuid, hk, ck, shares}
}

func neuronArgs(rows []pools.NeuronRow) []any {
	n := len(rows)
	cols := make([][]int32, 9) // netuid, uid, rank, trust, consensus, incentive, dividends, vtrust, pruning
	for j := range cols {
		cols[j] = make([]int32, n)
	}
	hk, ck := make([]string, n), make([]string, n)
	regAt, lastUpd, emission := make([]int64, n), make([]int64, n), make([]int64, n)
	permit, active := make([]bool, n), make([]bool, n)
	weights, bonds := make([][]byte, n), make([][]byte, n)
	for i, r := range rows {
		for j, v := range [9]uint16{uint16(r.NetUID), r.UID, r.Rank, r.Trust, r.Consensus, r.Incentive,
			r.Dividends, r.ValidatorTrust, r.PruningScore} {
			cols[j][i] = int32(v)
		}
		hk[i], ck[i], permit[i], active[i] = r.Hotkey, r.Coldkey, r.ValidatorPermit, r.Active
		regAt[i], lastUpd[i], emission[i] = bigint(r.RegisteredAt), bigint(r.LastUpdate), bigint(r.Emission)
		weights[i], bonds[i] = encodeWeights(r.Weights), encodeWeights(r.Bonds)
	}
	return []any{cols[0], cols[1], hk, ck, regAt, lastUpd, permit, weights, bonds, cols[2], cols[3],
		cols[4], cols[5], cols[6], cols[7], cols[8], active, emission}
}

// stateBatch queues the statements that apply ch: deletes first, then upserts, so a key both
// deleted and upserted ends up present. Globals are left to the caller.
func stateBatch(b *pgx.Batch, ch *pools.Changes) {
	if len(ch.DeleteBalances) > 0 {
		b.Queue(deleteBalances, ch.DeleteBalances)
	}
	if n := len(ch.DeletePools); n > 0 {
		netuid, hk := make([]int32, n), make([]string, n)
		for i, k := range ch.DeletePools {
			netuid[i], hk[i] = int32(k.NetUID), k.Hotkey
		}
		b.Queue(deletePools, netuid, hk)
	}
	if n := len(ch.DeleteShares); n > 0 {
		netuid, hk, ck := make([]int32, n), make([]string, n), make([]string, n)
		for i, k := range ch.DeleteShares {
			netuid[i], hk[i], ck[i] = int32(k.NetUID), k.Hotkey, k.Coldkey
		}
		b.Queue(deleteShares, netuid, hk, ck)
	}
	if n := len(ch.DeleteNeurons); n > 0 {
		netuid, uid := make([]int32, n), make([]int32, n)
		for i, k := range ch.DeleteNeurons {
			netuid[i], uid[i] = int32(k.NetUID), int32(k.UID)
		}
		b.Queue(deleteNeurons, netuid, uid)
	}
	queueChunks(b, upsertSubnets, ch.Subnets, subnetArgs)
	queueChunks(b, upsertBalances, ch.Balances, balanceArgs)
	queueChunks(b, upsertPools, ch.Pools, poolArgs)
	queueChunks(b, upsertShares, ch.Shares, shareArgs)
	queueChunks(b, upsertNeurons, ch.Neurons, neuronArgs)
}

// upsertChunk bounds the rows of one upsert statement, and so the size of its parameters (a
// genesis can hold hundreds of thousands of rows).
const upsertChunk = 10_000

// queueChunks queues sql over rows, upsertChunk rows at a time.
func queueChunks[R any](b *pgx.Batch, sql string, rows []R, args func([]R) []any) {
	for i := 0; i < len(rows); i += upsertChunk {
		b.Queue(sql, args(rows[i:min(i+upsertChunk, len(rows))])...)
	}
}

// runBatch sends b and reads every result, returning the first error.
func runBatch(ctx context.Context, tx pgx.Tx, b *pgx.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	res := tx.SendBatch(ctx, b)
	for i := 0; i < b.Len(); i++ {
		if _, err := res.Exec(); err != nil {
			_ = res.Close()
			return fmt.Errorf("postgres: write state rows: %w", err)
		}
	}
	if err := res.Close(); err != nil {
		return fmt.Errorf("postgres: write state rows: %w", err)
	}
	return nil
}

// readState reads the current state rows in key order.
func readState(ctx context.Context, tx pgx.Tx) (*pools.Snapshot, error) {
	st := &pools.Snapshot{}
	var c scanConv
	g := &st.Globals
	var h, ti, rt, bs, ur, nll, nllb uint64
	offset := intNum()
	var params []byte
	err := tx.QueryRow(ctx, `SELECT height, total_issuance, root_tao, burn_shortfall, unnamed_root,
		network_last_lock, network_last_lock_block, tao_offset, params FROM state_globals`).
		Scan(&h, &ti, &rt, &bs, &ur, &nll, &nllb, &offset, &params)
	if err != nil {
		return nil, fmt.Errorf("postgres: read globals: %w", err)
	}
	if params != nil {
		p, err := scenario.ParseParams(params)
		if err != nil {
			return nil, fmt.Errorf("postgres: read globals: params: %w: %v", pools.ErrBadSnapshot, err)
		}
		st.Params = &p
	}
	g.Height, g.TotalIssuance, g.RootTAO, g.BurnShortfall = dtaod.Block(h), dtaod.TAO(ti), dtaod.TAO(rt), dtaod.TAO(bs)
	g.UnnamedRoot, g.NetworkLastLock, g.NetworkLastLockBlock = dtaod.TAO(ur), dtaod.TAO(nll), dtaod.Block(nllb)
	g.TAOOffset = offset.v

	rows, _ := tx.Query(ctx, `SELECT netuid, tao_in, alpha_in, alpha_out, moving_price, tempo,
		registration_allowed, owner_coldkey, owner_hotkey, registered_at, max_allowed_uids,
		max_allowed_validators, volume, pending_alpha, pending_owner_cut, pending_root_alpha,
		pending_root_tao, last_tao_in_emission, last_alpha_in_emission, last_alpha_out_emission,
		last_owner_cut, last_root_divs_tao, unnamed_stake FROM state_subnets ORDER BY netuid`)
	var netuid, tempo, maxUIDs, maxVals int32
	moving, volume := scaledNum(), intNum()
	var r pools.SubnetRow
	var a [14]uint64
	_, err = pgx.ForEachRow(rows, []any{&netuid, &a[0], &a[1], &a[2], &moving, &tempo,
		&r.RegistrationAllowed, &r.OwnerColdkey, &r.OwnerHotkey, &a[3], &maxUIDs, &maxVals, &volume,
		&a[4], &a[5], &a[6], &a[7], &a[8], &a[9], &a[10], &a[11], &a[12], &a[13]}, func() error {
		r.NetUID, r.Tempo = dtaod.NetUID(c.u16("netuid", netuid)), c.u16("tempo", tempo)
		r.MaxAllowedUIDs, r.MaxAllowedValidators = c.u16("max_allowed_uids", maxUIDs), c.u16("max_allowed_validators", maxVals)
		r.MovingPrice = c.fixed("moving_price", &moving)
		r.VolumeHi, r.VolumeLo = c.volume("volume", &volume)
		r.TAOIn, r.AlphaIn, r.AlphaOut, r.RegisteredAt = dtaod.TAO(a[0]), dtaod.Alpha(a[1]), dtaod.Alpha(a[2]), dtaod.Block(a[3])
		r.PendingAlpha, r.PendingOwnerCut, r.PendingRootAlpha = dtaod.Alpha(a[4]), dtaod.Alpha(a[5]), dtaod.Alpha(a[6])
		r.PendingRootTAO, r.LastTAOInEmission, r.LastAlphaInEmission = dtaod.TAO(a[7]), dtaod.TAO(a[8]), dtaod.Alpha(a[9])
		r.LastAlphaOutEmission, r.LastOwnerCut = dtaod.Alpha(a[10]), dtaod.Alpha(a[11])
		r.LastRootDivsTAO, r.UnnamedStake = dtaod.TAO(a[12]), dtaod.Alpha(a[13])
		st.Subnets = append(st.Subnets, r)
		return c.err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read subnets: %w", err)
	}

	rows, _ = tx.Query(ctx, `SELECT coldkey, free FROM state_balances ORDER BY coldkey`)
	var bal pools.BalanceRow
	var free uint64
	_, err = pgx.ForEachRow(rows, []any{&bal.Coldkey, &free}, func() error {
		bal.Free = dtaod.TAO(free)
		st.Balances = append(st.Balances, bal)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read balances: %w", err)
	}

	rows, _ = tx.Query(ctx, `SELECT netuid, hotkey, value, denom FROM state_pools ORDER BY netuid, hotkey`)
	var pr pools.PoolRow
	denom := intNum()
	_, err = pgx.ForEachRow(rows, []any{&netuid, &pr.Hotkey, &pr.Value, &denom}, func() error {
		pr.NetUID, pr.Denom = dtaod.NetUID(c.u16("netuid", netuid)), denom.v
		st.Pools = append(st.Pools, pr)
		return c.err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read pools: %w", err)
	}

	rows, _ = tx.Query(ctx, `SELECT netuid, hotkey, coldkey, shares FROM state_shares ORDER BY netuid, hotkey, coldkey`)
	var sr pools.ShareRow
	shares := intNum()
	_, err = pgx.ForEachRow(rows, []any{&netuid, &sr.Hotkey, &sr.Coldkey, &shares}, func() error {
		sr.NetUID, sr.Shares = dtaod.NetUID(c.u16("netuid", netuid)), shares.v
		st.Shares = append(st.Shares, sr)
		return c.err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read shares: %w", err)
	}

	rows, _ = tx.Query(ctx, `SELECT netuid, uid, hotkey, coldkey, registered_at, last_update,
		validator_permit, weights, bonds, rank, trust, consensus, incentive, dividends,
		validator_trust, pruning_score, active, emission FROM state_neurons ORDER BY netuid, uid`)
	var nr pools.NeuronRow
	var u [9]int32
	var regAt, lastUpd, emission uint64
	var weights, bonds []byte
	_, err = pgx.ForEachRow(rows, []any{&u[0], &u[1], &nr.Hotkey, &nr.Coldkey, &regAt, &lastUpd,
		&nr.ValidatorPermit, &weights, &bonds, &u[2], &u[3], &u[4], &u[5], &u[6], &u[7], &u[8],
		&nr.Active, &emission}, func() error {
		nr.NetUID, nr.UID = dtaod.NetUID(c.u16("netuid", u[0])), c.u16("uid", u[1])
		nr.Rank, nr.Trust, nr.Consensus = c.u16("rank", u[2]), c.u16("trust", u[3]), c.u16("consensus", u[4])
		nr.Incentive, nr.Dividends = c.u16("incentive", u[5]), c.u16("dividends", u[6])
		nr.ValidatorTrust, nr.PruningScore = c.u16("validator_trust", u[7]), c.u16("pruning_score", u[8])
		nr.RegisteredAt, nr.LastUpdate, nr.Emission = dtaod.Block(regAt), dtaod.Block(lastUpd), dtaod.Alpha(emission)
		var err error
		nr.Weights, err = decodeWeights(weights)
		c.set(err)
		nr.Bonds, err = decodeWeights(bonds)
		c.set(err)
		st.Neurons = append(st.Neurons, nr)
		return c.err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read neurons: %w", err)
	}
	return st, c.err
}
