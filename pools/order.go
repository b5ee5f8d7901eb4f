package pools

import "github.com/dtaod/dtaod"

// OrderKind names a stake operation; the strings are the scenario contract's action types.
type OrderKind uint8

// The stake operations of the engine.
const (
	AddStake OrderKind = iota + 1
	RemoveStake
	MoveStake
	TransferStake
	SwapStake
	RegisterNeuron // Coldkey registers Hotkey on NetUID, paying the registration burn
	SetWeights     // Hotkey sets Weights on NetUID
	RegisterSubnet // Coldkey registers a new subnet owned by it and Hotkey, paying the lock
	Transfer       // Coldkey sends Amount rao of free TAO to ToColdkey
	// Faucet mints Amount rao into Coldkey's free balance (issuance grows). It exists for dev
	// chains and backtests: the engine cannot tell who submitted an order, so keeping it off a
	// real chain is the API's job (admin only, dev genesis only), never the engine's.
	Faucet
)

// String returns the contract's name of the kind.
func (k OrderKind) String() string {
	switch k {
	case AddStake:
		return "add_stake"
	case RemoveStake:
		return "remove_stake"
	case MoveStake:
		return "move_stake"
	case TransferStake:
		return "transfer_stake"
	case SwapStake:
		return "swap_stake"
	case RegisterNeuron:
		return "register_neuron"
	case SetWeights:
		return "set_weights"
	case RegisterSubnet:
		return "register_subnet"
	case Transfer:
		return "transfer"
	case Faucet:
		return "faucet"
	}
	return "unknown"
}

// Order is one stake operation, the unit a user submits (a scenario action, an API write, a chain
// extrinsic). One shape serves every kind so the live service and the backtester hand the engine
// the same value; fields a kind does not use are ignored.
//
// Amount is TAO in rao for AddStake, Transfer and Faucet and alpha for the others. For RemoveStake and AddStake the
// subnet is NetUID and the hotkey Hotkey; moves read From*/To*. A transfer keeps Hotkey and
// changes the coldkey to ToColdkey; a swap keeps both keys and changes the subnet.
type Order struct {
	Kind         OrderKind
	Coldkey      string
	Hotkey       string
	NetUID       dtaod.NetUID
	ToColdkey    string
	FromHotkey   string
	ToHotkey     string
	FromNetUID   dtaod.NetUID
	ToNetUID     dtaod.NetUID
	Amount       uint64
	HasLimit     bool        // LimitPrice applies; without it the order takes any price
	LimitPrice   dtaod.Price // worst final pool price (TAO per alpha), or origin/destination ratio for moves
	AllowPartial bool        // fill what the limit allows instead of failing
	Weights      []Weight    // SetWeights: (uid, value) pairs, any u16 scale (max-upscaled on store)
}

// Receipt is what an order did: the contract's amounts, so a backtest record and an API receipt
// say the same thing.
type Receipt struct {
	TAO   dtaod.TAO   // add: debited gross; remove: credited net; move: TAO between the legs
	Alpha dtaod.Alpha // add/move: alpha credited; remove: alpha sold
	Fee   dtaod.TAO   // fee charged (both halves for a move)
	// RegisterNeuron: the uid taken; RegisterSubnet: the netuid created (uid 0 is the owner).
	UID    uint16
	NetUID dtaod.NetUID
}
