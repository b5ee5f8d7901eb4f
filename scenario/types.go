// Package scenario reads the backtest scenario file of shared/specs/scenario.md (version 1) into
// typed values, rejecting anything the contract does not allow with the field's path and the
// reason. It does no simulation: the engine runs what it returns.
package scenario

import (
	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/pools"
)

// Scenario is a validated scenario with every default applied.
type Scenario struct {
	Version    int
	Name       string
	Seed       int64
	StartBlock dtaod.Block
	Blocks     uint64
	Record     Record
	Params     dtaod.Params // the launch defaults with the file's params applied
	Regimes    []Regime     // sorted by FromBlock, stable
	State      State
	Actions    []Action // in file order; Index is the position in the file
}

// Record says which blocks produce an output record and what it includes.
type Record struct {
	Every    uint64 // >= 1
	Accounts bool
	Bonds    bool // include each neuron's bonds row in epoch records
	// NoNeurons leaves the per-neuron lists out of epoch records (record.neurons: false): a
	// whole-network study of 128 subnets x 320 neurons would otherwise write gigabytes.
	NoNeurons bool
}

// Regime is a parameter change taking effect at FromBlock, before its coinbase.
type Regime struct {
	FromBlock dtaod.Block
	Params    dtaod.ParamsPatch
}

// State is the starting state of the network.
type State struct {
	TotalIssuance dtaod.TAO
	RootTAO       dtaod.TAO   // resolved: defaults to the sum of root stakes, never below it
	Subnets       []Subnet    // sorted by netuid, unique, none is 0
	Balances      []Balance   // unique coldkeys
	Stakes        []Stake     // netuid 0 is root stake in TAO
	Neurons       []Neuron    // in file order per subnet (UID order)
	Weights       []WeightRow // weights set before the start, one row per (netuid, hotkey)
	Bonds         []WeightRow // bonds held at the start, one row per (netuid, hotkey)

	// NetworkLastLock and NetworkLastLockBlock drive the subnet lock cost (spec section 8): 0
	// and 0 mean no subnet was ever registered by lock, so the next costs the minimum lock.
	NetworkLastLock      dtaod.TAO
	NetworkLastLockBlock dtaod.Block
}

// WeightRow is one hotkey's weights (or bonds) on a subnet: u16 values by uid.
type WeightRow struct {
	NetUID  dtaod.NetUID
	Hotkey  string         // must be a neuron of the subnet
	Entries []pools.Weight // sorted by uid, unique, uids below the subnet's neuron count
}

// Subnet is one subnet's starting state.
type Subnet struct {
	NetUID              dtaod.NetUID
	TAOIn               dtaod.TAO
	AlphaIn             dtaod.Alpha
	AlphaOut            dtaod.Alpha // resolved: defaults to the sum of stakes on it, never below it
	MovingPrice         dtaod.Fixed
	Tempo               uint16 // resolved: defaults to params.default_tempo
	RegistrationAllowed bool   // default true
	OwnerColdkey        string
	OwnerHotkey         string
	// MaxAllowedUIDs and MaxAllowedValidators default to params (resolved).
	MaxAllowedUIDs       uint16
	MaxAllowedValidators uint16
}

// Balance is a coldkey's free TAO.
type Balance struct {
	Coldkey string
	Free    dtaod.TAO
}

// Stake is a coldkey's stake on (hotkey, netuid): alpha, or TAO on root.
type Stake struct {
	Coldkey string
	Hotkey  string
	NetUID  dtaod.NetUID
	Alpha   uint64
}

// Neuron is a hotkey registered on a subnet; Coldkey owns it and receives its take.
type Neuron struct {
	NetUID  dtaod.NetUID
	Hotkey  string
	Coldkey string
	// RegisteredAt and LastUpdate (last weights) default to 0. ValidatorPermit nil means the
	// engine computes the permits at genesis: the top max_allowed_validators by stake weight.
	RegisteredAt    dtaod.Block
	LastUpdate      dtaod.Block
	ValidatorPermit *bool
}

// ActionType is the type of an action: a stake order or a parameter change.
type ActionType uint8

// Action types. Order actions carry a pools.Order; SetParams carries a patch.
const (
	ActionOrder ActionType = iota + 1
	ActionSetParams
)

// Action is one user operation at a block.
type Action struct {
	Index  int
	Block  dtaod.Block
	Type   ActionType
	Name   string      // the contract's type string, e.g. "add_stake", "set_params"
	Order  pools.Order // when Type == ActionOrder
	Params dtaod.ParamsPatch
}
