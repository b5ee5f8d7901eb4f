-- Reverts 0002_signed.up.sql: the signed-order columns, nonces and idempotency keys are dropped
-- (included orders lose their signer, nonce and signature).
ALTER TABLE block_orders
    DROP CONSTRAINT IF EXISTS block_orders_signed_all_or_none,
    DROP COLUMN IF EXISTS signature,
    DROP COLUMN IF EXISTS nonce,
    DROP COLUMN IF EXISTS signer;
ALTER TABLE mempool
    DROP CONSTRAINT IF EXISTS mempool_signed_all_or_none,
    DROP COLUMN IF EXISTS signature,
    DROP COLUMN IF EXISTS nonce,
    DROP COLUMN IF EXISTS signer;
DROP TABLE IF EXISTS idempotency;
DROP TABLE IF EXISTS nonces;
