-- dtaod live service schema, version 2: signed orders (store.SignedStore).

-- Each signer's next nonce. SubmitSigned locks the rows of a batch's signers (in signer order,
-- so concurrent batches never deadlock) and advances them in the same transaction as the
-- mempool insert: two processes can never admit the same (signer, nonce). Nonces stay below
-- 2^63 (bigint); a signer would need 9.2e18 orders to reach that.
CREATE TABLE nonces (
    signer text COLLATE "C" PRIMARY KEY,
    next   bigint NOT NULL CHECK (next >= 0)
) WITH (fillfactor = 70);

-- Idempotency keys of admitted signed orders, scoped to the signer: a retry with the same key and
-- request hash gets the first order's seq back; the same key with another request is refused.
-- Only admissions record a key, so a refused submission may be retried under the same key.
CREATE TABLE idempotency (
    signer       text COLLATE "C" NOT NULL,
    key          text COLLATE "C" NOT NULL,
    request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
    seq          bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (signer, key)
);

-- Who signed an order, with what nonce and signature; all three NULL for an unsigned order (the
-- admin API, or one stored before version 2). block_orders carries them on when a block
-- includes the order, so an order's signer can be read back for ever.
ALTER TABLE mempool
    ADD COLUMN signer    text COLLATE "C",
    ADD COLUMN nonce     bigint CHECK (nonce >= 0),
    ADD COLUMN signature bytea,
    ADD CONSTRAINT mempool_signed_all_or_none
        CHECK ((signer IS NULL) = (nonce IS NULL) AND (signer IS NULL) = (signature IS NULL));
ALTER TABLE block_orders
    ADD COLUMN signer    text COLLATE "C",
    ADD COLUMN nonce     bigint CHECK (nonce >= 0),
    ADD COLUMN signature bytea,
    ADD CONSTRAINT block_orders_signed_all_or_none
        CHECK ((signer IS NULL) = (nonce IS NULL) AND (signer IS NULL) = (signature IS NULL));
