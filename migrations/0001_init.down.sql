-- Drops everything 0001_init.up.sql created; partitions go with their parent tables.
DROP TABLE IF EXISTS state_neurons;
DROP TABLE IF EXISTS state_shares;
DROP TABLE IF EXISTS state_pools;
DROP TABLE IF EXISTS state_balances;
DROP TABLE IF EXISTS state_subnets;
DROP TABLE IF EXISTS state_globals;
DROP TABLE IF EXISTS pool_snapshots;
DROP TABLE IF EXISTS ledger;
DROP TABLE IF EXISTS block_orders;
DROP TABLE IF EXISTS mempool;
DROP TABLE IF EXISTS blocks;
DROP TABLE IF EXISTS genesis;
DROP DOMAIN IF EXISTS fixed18;
DROP DOMAIN IF EXISTS decimal18;
DROP DOMAIN IF EXISTS u256;
DROP DOMAIN IF EXISTS u128;
