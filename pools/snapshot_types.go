package pools

import (
	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// Snapshot is the whole state as flat, sorted rows: the form the live service persists (one
// table per row type), hashes per block and restores from. Every field of State that the next
// block can read is here, so FromSnapshot(st.Snapshot()) applies the next block exactly as st
// would. Rows are sorted by their keys, so two equal states give equal snapshots and hashes.
type Snapshot struct {
	Globals  Globals
	Subnets  []SubnetRow  // by NetUID
	Balances []BalanceRow // by Coldkey; only non-zero balances
	Pools    []PoolRow    // by (NetUID, Hotkey)
	Shares   []ShareRow   // by (NetUID, Hotkey, Coldkey)
	Neurons  []NeuronRow  // by (NetUID, UID)

	// Params are the chain parameters in effect when they differ from the genesis params (an
	// admin set_params changed them); nil means the genesis params. State holds no params (the
	// engine does), so State.Snapshot leaves this nil and the live node fills it. Recording only
	// a difference keeps every state hash of a chain whose params never changed, genesis's
	// included, what it was before params were part of the state; a chain that did change them
	// hashes them, so a restart resumes with them and a follower that missed the change fails
	// the block's hash. FromSnapshot ignores it.
	Params *dtaod.Params
}

// Globals is the state that belongs to no subnet or account.
type Globals struct {
	Height               dtaod.Block
	TotalIssuance        dtaod.TAO
	RootTAO              dtaod.TAO
	BurnShortfall        dtaod.TAO
	UnnamedRoot          dtaod.TAO
	NetworkLastLock      dtaod.TAO
	NetworkLastLockBlock dtaod.Block
	// TAOOffset is the starting state's TAO imbalance recorded by Seal (see State.Check); it is
	// part of the state because conservation is checked relative to it.
	TAOOffset uint256.Int
}

// SubnetRow is a Subnet without its neurons (they are NeuronRows).
type SubnetRow struct {
	NetUID               dtaod.NetUID
	TAOIn                dtaod.TAO
	AlphaIn              dtaod.Alpha
	AlphaOut             dtaod.Alpha
	MovingPrice          dtaod.Fixed
	Tempo                uint16
	RegistrationAllowed  bool
	OwnerColdkey         string
	OwnerHotkey          string
	RegisteredAt         dtaod.Block
	MaxAllowedUIDs       uint16
	MaxAllowedValidators uint16
	VolumeHi, VolumeLo   uint64
	PendingAlpha         dtaod.Alpha
	PendingOwnerCut      dtaod.Alpha
	PendingRootAlpha     dtaod.Alpha
	PendingRootTAO       dtaod.TAO
	LastTAOInEmission    dtaod.TAO
	LastAlphaInEmission  dtaod.Alpha
	LastAlphaOutEmission dtaod.Alpha
	LastOwnerCut         dtaod.Alpha
	LastRootDivsTAO      dtaod.TAO
	UnnamedStake         dtaod.Alpha
}

// BalanceRow is a coldkey's free TAO.
type BalanceRow struct {
	Coldkey string
	Free    dtaod.TAO
}

// PoolRow is the share pool of (hotkey, netuid): its value (alpha, or TAO on root) and share
// denominator. A pool with no shares and no value is not listed.
type PoolRow struct {
	NetUID dtaod.NetUID
	Hotkey string
	Value  uint64
	Denom  uint256.Int
}

// ShareRow is a coldkey's shares in the pool of (hotkey, netuid).
type ShareRow struct {
	NetUID  dtaod.NetUID
	Hotkey  string
	Coldkey string
	Shares  uint256.Int
}

// NeuronRow is neuron UID of a subnet with its weights, bonds and last epoch results.
type NeuronRow struct {
	NetUID          dtaod.NetUID
	UID             uint16
	Hotkey          string
	Coldkey         string
	RegisteredAt    dtaod.Block
	LastUpdate      dtaod.Block
	ValidatorPermit bool
	Weights         []Weight
	Bonds           []Weight
	Rank            uint16
	Trust           uint16
	Consensus       uint16
	Incentive       uint16
	Dividends       uint16
	ValidatorTrust  uint16
	PruningScore    uint16
	Active          bool
	Emission        dtaod.Alpha
}

// Changes is what turns one snapshot into the next: the rows to insert or replace and the keys
// to delete, per table. A store writes these, not the whole state, every block.
type Changes struct {
	Globals        *Globals // nil when unchanged
	Subnets        []SubnetRow
	Balances       []BalanceRow
	DeleteBalances []string // coldkeys
	Pools          []PoolRow
	DeletePools    []PoolKey
	Shares         []ShareRow
	DeleteShares   []ShareKey
	Neurons        []NeuronRow
	DeleteNeurons  []NeuronKey
	Params         *ParamsChange // nil when unchanged
}

// ParamsChange is a change of Snapshot.Params: To is the new value, nil when the params went
// back to the genesis params. It is a struct so that "unchanged" (a nil *ParamsChange) and
// "back to genesis" (To nil) are different things.
type ParamsChange struct {
	To *dtaod.Params
}

// PoolKey names a share pool.
type PoolKey struct {
	NetUID dtaod.NetUID
	Hotkey string
}

// ShareKey names a coldkey's shares in a pool.
type ShareKey struct {
	NetUID  dtaod.NetUID
	Hotkey  string
	Coldkey string
}

// NeuronKey names a neuron.
type NeuronKey struct {
	NetUID dtaod.NetUID
	UID    uint16
}
