-- Reverts 0003_params.up.sql: the changed chain parameters are dropped. A chain whose params
-- were changed then no longer restores (its state rows no longer hash to the head's state hash)
-- until it is migrated up again.
ALTER TABLE state_globals DROP COLUMN IF EXISTS params;
