// Package yuma is a pure, deterministic port of subtensor's Yuma consensus epoch as the chain ran
// it at its dynamic-TAO launch (commit f9254ea63, 2025-02-15): run_epoch.rs `epoch` and the
// math.rs functions it calls, with the substrate-fixed arithmetic of package fixedpoint, so the
// results are bit-exact with the chain's where the chain's math is deterministic.
//
// Epoch follows the chain's order of steps: active mask, stake normalisation, validator permits
// (top-k by stake), active stake, weight masking (permits, self-weights, weights older than the
// target's registration) and row normalisation, preranks, consensus (kappa stake-weighted median
// per column), clipping, validator trust, ranks, trust, incentive, bonds (column-normalised
// W∘S, EMA with the bonds moving average, bonds penalty) and dividends. Split then turns the
// normalised vectors into per-UID alpha amounts as the chain's epoch returns them.
//
// The chain's epoch is sparse. Epoch stores matrices densely in flat slices (the weights
// column-major), but only the rows and columns that can be non-zero (validators with weights or
// bonds, and the UIDs those point at), and fuses the per-entry steps into a few passes, most of
// them one column at a time. Fixed-point addition is exact integer addition and every product and
// quotient is taken per element with the chain's rounding, so this gives the chain's bits: in the
// hot loops the crate's operations are written inline where their operands are shares in [0, 1]
// (fast.go; plain 64-bit products where one factor is below 1), quotients by a row or column sum
// use an exact reciprocal, and the consensus median narrows the search with stake buckets and
// other pivots than the chain's search, which returns the same, unique value (median.go). The math.rs ports in math.go are exported one step each;
// the tests compose them into the chain's sequence and check Epoch against that and against a
// literal transcription of the sparse Rust code.
//
// Epoch after epoch with one Output, the steady path (steady.go) reuses what only weights,
// registrations and permits decide: the live rows and columns, the normalised weights (32 bits
// each) and every column's order, with which the consensus median is one walk up the column.
// It keeps the bonds it stores as a dense matrix for the next epoch, and runs the per-row work of
// a column in kernels (kernels.go; AVX2 or AVX-512 on amd64) whose quotients by column sums are
// exact multiplications by a 97-bit reciprocal (divq). It gives the general path's bits, which
// the tests check against it on random epochs with weights, registrations and bonds changing.
//
// Not modelled: liquid alpha (the sigmoid bond EMA with transcendental functions; LiquidAlphaOn
// defaults to false and the launch epoch takes the moving-average path) and the chain's later
// changes (stake threshold, owner self-weight, last-tempo bond reset, Yuma 3).
package yuma
