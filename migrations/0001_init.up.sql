-- dtaod live service schema, version 1. See migrations.go for the conventions.

-- Amounts (TAO and alpha, in rao) and block heights are bigint with CHECK (col >= 0): neither
-- can reach 2^63 (all TAO ever is 2.1e16 rao; each subnet's alpha is capped the same way), and
-- the store refuses a larger value (store.ErrOutOfRange) rather than wrap it. The history
-- tables and the large state tables list their fixed-width columns first, 8-byte ones first, so
-- that no byte of a row goes to alignment padding. What can exceed 2^63 is an exact numeric
-- domain over its whole Go range:
CREATE DOMAIN u128 AS numeric(39, 0)
    CHECK (VALUE >= 0 AND VALUE <= 340282366920938463463374607431768211455);
CREATE DOMAIN u256 AS numeric(78, 0) CHECK (VALUE >= 0 AND VALUE <=
    115792089237316195423570985008687907853269984665640564039457584007913129639935);
-- dtaod.Price: a uint256 scaled by 1e18, stored as its decimal value (1.5 = 1.500000000000000000).
CREATE DOMAIN decimal18 AS numeric(78, 18) CHECK (VALUE >= 0 AND VALUE <=
    115792089237316195423570985008687907853269984665640564039457.584007913129639935);
-- dtaod.Fixed: a uint64 scaled by 1e18, stored as its decimal value.
CREATE DOMAIN fixed18 AS numeric(20, 18) CHECK (VALUE >= 0 AND VALUE <= 18.446744073709551615);

-- The chain's starting point: exactly one row.
CREATE TABLE genesis (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    document   bytea NOT NULL,                -- the genesis JSON, byte for byte
    state_hash bytea NOT NULL CHECK (length(state_hash) = 32),
    chain_id   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Block headers. The head is the highest height (also state_globals.head_height).
CREATE TABLE blocks (
    height         bigint PRIMARY KEY CHECK (height > 0),
    state_hash     bytea NOT NULL CHECK (length(state_hash) = 32),
    parent_hash    bytea NOT NULL CHECK (length(parent_hash) = 32),
    emission       bigint NOT NULL CHECK (emission >= 0),
    total_issuance bigint NOT NULL CHECK (total_issuance >= 0),
    orders         integer NOT NULL CHECK (orders >= 0),
    produced_at    timestamptz NOT NULL,
    apply_ns       bigint NOT NULL             -- engine time of the block, nanoseconds
);

-- Pending orders. A row leaves when the block including it commits.
CREATE TABLE mempool (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload      json NOT NULL,                -- json, not jsonb: kept byte for byte
    submitted_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Included orders with their receipts. seq is unique across the table because a seq can leave
-- the mempool only once (a partitioned table cannot carry a UNIQUE (seq) constraint).
CREATE TABLE block_orders (
    block        bigint NOT NULL CHECK (block > 0),
    seq          bigint NOT NULL,
    submitted_at timestamptz NOT NULL,
    tao          bigint NOT NULL CHECK (tao >= 0),
    alpha        bigint NOT NULL CHECK (alpha >= 0),
    fee          bigint NOT NULL CHECK (fee >= 0),
    idx          integer NOT NULL CHECK (idx >= 0),
    uid          integer NOT NULL CHECK (uid BETWEEN 0 AND 65535),
    netuid       integer NOT NULL CHECK (netuid BETWEEN 0 AND 65535),
    ok           boolean NOT NULL,
    payload      json NOT NULL,
    code         text NOT NULL DEFAULT '',
    message      text NOT NULL DEFAULT '',
    price_before decimal18 NOT NULL,
    price_after  decimal18 NOT NULL,
    PRIMARY KEY (block, idx)
) PARTITION BY RANGE (block);
CREATE INDEX block_orders_seq ON block_orders (seq);

-- The double-entry ledger: amount of unit leaves from_account and enters to_account.
-- reason is pools.Reason's name ('stake', 'fee', ...), unit 'tao' or 'alpha:<netuid>', accounts
-- pools.Account's names ('free:<coldkey>', 'pool:3', 'stake:<hotkey>:3', 'issuance', ...).
-- input is the index of the block's order that caused the entry, -1 for coinbase and epochs.
-- No index by account: one on (coldkey, block) measured +40% insert time and +45% size at
-- 40,000 entries a block; add it in a later migration if the API needs account history.
CREATE TABLE ledger (
    block        bigint NOT NULL CHECK (block > 0),
    amount       bigint NOT NULL CHECK (amount >= 0),
    seq          integer NOT NULL CHECK (seq >= 0),
    input        integer NOT NULL,
    reason       text NOT NULL,
    unit         text NOT NULL,
    from_account text COLLATE "C" NOT NULL,
    to_account   text COLLATE "C" NOT NULL,
    coldkey      text COLLATE "C" NOT NULL DEFAULT '',
    PRIMARY KEY (block, seq)
) PARTITION BY RANGE (block);

-- Per-subnet pool after each block.
CREATE TABLE pool_snapshots (
    block              bigint NOT NULL CHECK (block > 0),
    tao_in             bigint NOT NULL CHECK (tao_in >= 0),
    alpha_in           bigint NOT NULL CHECK (alpha_in >= 0),
    alpha_out          bigint NOT NULL CHECK (alpha_out >= 0),
    tao_in_emission    bigint NOT NULL CHECK (tao_in_emission >= 0),
    alpha_in_emission  bigint NOT NULL CHECK (alpha_in_emission >= 0),
    alpha_out_emission bigint NOT NULL CHECK (alpha_out_emission >= 0),
    netuid             integer NOT NULL CHECK (netuid BETWEEN 0 AND 65535),
    price              decimal18 NOT NULL,
    moving_price       fixed18 NOT NULL,
    volume             u128 NOT NULL,
    PRIMARY KEY (block, netuid)
) PARTITION BY RANGE (block);
CREATE INDEX pool_snapshots_netuid ON pool_snapshots (netuid, block);

-- Current state (after the head, or genesis): pools.Snapshot, one table per row type.
-- state_globals is also the head pointer; CommitBlock locks its row to serialize writers.
-- Every block rewrites thousands of these rows: fillfactor 70 leaves room in each page for
-- HOT updates (no index maintenance), which halves the cost of the upserts.
CREATE TABLE state_globals (
    id                      boolean PRIMARY KEY DEFAULT true CHECK (id),
    head_height             bigint NOT NULL CHECK (head_height >= 0),
    head_hash               bytea NOT NULL CHECK (length(head_hash) = 32),
    height                  bigint NOT NULL CHECK (height >= 0),
    total_issuance          bigint NOT NULL CHECK (total_issuance >= 0),
    root_tao                bigint NOT NULL CHECK (root_tao >= 0),
    burn_shortfall          bigint NOT NULL CHECK (burn_shortfall >= 0),
    unnamed_root            bigint NOT NULL CHECK (unnamed_root >= 0),
    network_last_lock       bigint NOT NULL CHECK (network_last_lock >= 0),
    network_last_lock_block bigint NOT NULL CHECK (network_last_lock_block >= 0),
    tao_offset              u256 NOT NULL
) WITH (fillfactor = 70);

CREATE TABLE state_subnets (
    netuid                  integer PRIMARY KEY CHECK (netuid BETWEEN 0 AND 65535),
    tao_in                  bigint NOT NULL CHECK (tao_in >= 0),
    alpha_in                bigint NOT NULL CHECK (alpha_in >= 0),
    alpha_out               bigint NOT NULL CHECK (alpha_out >= 0),
    moving_price            fixed18 NOT NULL,
    tempo                   integer NOT NULL CHECK (tempo BETWEEN 0 AND 65535),
    registration_allowed    boolean NOT NULL,
    owner_coldkey           text COLLATE "C" NOT NULL,
    owner_hotkey            text COLLATE "C" NOT NULL,
    registered_at           bigint NOT NULL CHECK (registered_at >= 0),
    max_allowed_uids        integer NOT NULL CHECK (max_allowed_uids BETWEEN 0 AND 65535),
    max_allowed_validators  integer NOT NULL CHECK (max_allowed_validators BETWEEN 0 AND 65535),
    volume                  u128 NOT NULL,
    pending_alpha           bigint NOT NULL CHECK (pending_alpha >= 0),
    pending_owner_cut       bigint NOT NULL CHECK (pending_owner_cut >= 0),
    pending_root_alpha      bigint NOT NULL CHECK (pending_root_alpha >= 0),
    pending_root_tao        bigint NOT NULL CHECK (pending_root_tao >= 0),
    last_tao_in_emission    bigint NOT NULL CHECK (last_tao_in_emission >= 0),
    last_alpha_in_emission  bigint NOT NULL CHECK (last_alpha_in_emission >= 0),
    last_alpha_out_emission bigint NOT NULL CHECK (last_alpha_out_emission >= 0),
    last_owner_cut          bigint NOT NULL CHECK (last_owner_cut >= 0),
    last_root_divs_tao      bigint NOT NULL CHECK (last_root_divs_tao >= 0),
    unnamed_stake           bigint NOT NULL CHECK (unnamed_stake >= 0)
) WITH (fillfactor = 70);

CREATE TABLE state_balances (
    free    bigint NOT NULL CHECK (free >= 0),
    coldkey text COLLATE "C" PRIMARY KEY
) WITH (fillfactor = 70);

CREATE TABLE state_pools (
    value  bigint NOT NULL CHECK (value >= 0),
    netuid integer NOT NULL CHECK (netuid BETWEEN 0 AND 65535),
    hotkey text COLLATE "C" NOT NULL,
    denom  u256 NOT NULL,
    PRIMARY KEY (netuid, hotkey)
) WITH (fillfactor = 70);

CREATE TABLE state_shares (
    netuid  integer NOT NULL CHECK (netuid BETWEEN 0 AND 65535),
    hotkey  text COLLATE "C" NOT NULL,
    coldkey text COLLATE "C" NOT NULL,
    shares  u256 NOT NULL,
    PRIMARY KEY (netuid, hotkey, coldkey)
) WITH (fillfactor = 70);

-- weights and bonds: (uid, value) pairs as 4 bytes each, both uint16 big-endian; NULL is an
-- absent (nil) row, an empty bytea an empty one.
CREATE TABLE state_neurons (
    registered_at    bigint NOT NULL CHECK (registered_at >= 0),
    last_update      bigint NOT NULL CHECK (last_update >= 0),
    emission         bigint NOT NULL CHECK (emission >= 0),
    netuid           integer NOT NULL CHECK (netuid BETWEEN 0 AND 65535),
    uid              integer NOT NULL CHECK (uid BETWEEN 0 AND 65535),
    rank             integer NOT NULL CHECK (rank BETWEEN 0 AND 65535),
    trust            integer NOT NULL CHECK (trust BETWEEN 0 AND 65535),
    consensus        integer NOT NULL CHECK (consensus BETWEEN 0 AND 65535),
    incentive        integer NOT NULL CHECK (incentive BETWEEN 0 AND 65535),
    dividends        integer NOT NULL CHECK (dividends BETWEEN 0 AND 65535),
    validator_trust  integer NOT NULL CHECK (validator_trust BETWEEN 0 AND 65535),
    pruning_score    integer NOT NULL CHECK (pruning_score BETWEEN 0 AND 65535),
    validator_permit boolean NOT NULL,
    active           boolean NOT NULL,
    hotkey           text COLLATE "C" NOT NULL,
    coldkey          text COLLATE "C" NOT NULL,
    weights          bytea CHECK (length(weights) % 4 = 0),
    bonds            bytea CHECK (length(bonds) % 4 = 0),
    PRIMARY KEY (netuid, uid)
) WITH (fillfactor = 70);
