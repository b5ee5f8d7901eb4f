-- dtaod live service schema, version 3: chain parameters in the state (sudo set_params).

-- The chain parameters in effect when a set_params entry changed them away from the genesis
-- params (pools.Snapshot.Params): every parameter as a scenario params object, canonical
-- (scenario.FormatParams: amounts as strings of base units, fractions with 18 decimals). NULL
-- means the genesis params, which is every chain's state until its first change. It is part of
-- the hashed state: a restart resumes with these params, and rows that disagree with the head's
-- state hash are refused.
ALTER TABLE state_globals ADD COLUMN params json;
