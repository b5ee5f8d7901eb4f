package pools

import (
	"sort"
	"strconv"

	"github.com/dtaod/dtaod"
)

// Reason says why a balance moved. The strings are the ledger's reason column.
type Reason uint8

// The reasons of ledger entries.
const (
	ReasonGenesis      Reason = iota + 1 // opening balances of the starting state
	ReasonEmission                       // alpha minted outside the pool for the epoch
	ReasonInjection                      // TAO and alpha minted into a pool by the coinbase
	ReasonStake                          // a swap of TAO into alpha stake
	ReasonUnstake                        // a swap of alpha stake into TAO
	ReasonFee                            // a staking fee
	ReasonOwnerCut                       // the subnet owner's cut, set aside and paid
	ReasonRootSell                       // alpha sold for root stakers by the coinbase
	ReasonDividend                       // an epoch's dividends to validators' and root stake
	ReasonTake                           // a validator's take of its dividends
	ReasonIncentive                      // an epoch's incentive to miners
	ReasonTransfer                       // stake moved between coldkeys or hotkeys
	ReasonBurn                           // what nobody could be paid, or a registration burn
	ReasonRegistration                   // a neuron registration or subnet lock
	ReasonFaucet                         // TAO minted by the dev faucet (issuance grows by it)
)

var reasonNames = [...]string{"", "genesis", "emission", "injection", "stake", "unstake", "fee",
	"owner_cut", "root_sell", "dividend", "take", "incentive", "transfer", "burn", "registration", "faucet"}

// String returns the ledger name of the reason.
func (r Reason) String() string {
	if int(r) < len(reasonNames) && r != 0 {
		return reasonNames[r]
	}
	return "unknown"
}

// Unit is what an amount counts: TAO, or the alpha of one subnet.
type Unit int32

// UnitTAO is TAO (rao). Every other Unit is the alpha of the subnet with that netuid.
const UnitTAO Unit = -1

// AlphaOf is the unit of a subnet's alpha.
func AlphaOf(n dtaod.NetUID) Unit { return Unit(n) }

// String is "tao" or "alpha:<netuid>", the API's unit names.
func (u Unit) String() string {
	if u == UnitTAO {
		return "tao"
	}
	return "alpha:" + strconv.Itoa(int(u))
}

// AccountKind is the kind of a ledger account.
type AccountKind uint8

// Ledger accounts. Issuance and Burn are outside the network: Issuance's balance is minus
// everything ever minted, Burn's is everything destroyed.
const (
	AcctIssuance     AccountKind = iota + 1 // where minted TAO and alpha come from
	AcctBurn                                // where burned TAO and alpha go
	AcctFree                                // a coldkey's free TAO (Key = coldkey)
	AcctPool                                // a subnet pool's reserve (NetUID)
	AcctStake                               // the share pool of (Key = hotkey, NetUID)
	AcctPending                             // a subnet's alpha pending for miners and validators
	AcctPendingOwner                        // a subnet's owner cut pending
	AcctPendingRoot                         // alpha sold for root (alpha) and its TAO (tao), pending
	AcctUnnamed                             // stake the state does not attribute (root fees land here)
)

var accountNames = [...]string{"", "issuance", "burn", "free", "pool", "stake", "pending",
	"pending_owner", "pending_root", "unnamed"}

// Account is one ledger account.
type Account struct {
	Kind   AccountKind
	NetUID dtaod.NetUID // pool, stake, pending*, unnamed
	Key    string       // free: coldkey; stake: hotkey
}

// String names the account, e.g. "free:5F...", "pool:3", "stake:5H...:3".
func (a Account) String() string {
	name := "unknown"
	if int(a.Kind) < len(accountNames) && a.Kind != 0 {
		name = accountNames[a.Kind]
	}
	switch a.Kind {
	case AcctFree:
		return name + ":" + a.Key
	case AcctStake:
		return name + ":" + a.Key + ":" + strconv.Itoa(int(a.NetUID))
	case AcctPool, AcctPending, AcctPendingOwner, AcctPendingRoot, AcctUnnamed:
		return name + ":" + strconv.Itoa(int(a.NetUID))
	}
	return name
}

// Entry is one double-entry movement: Amount of Unit leaves From and enters To.
type Entry struct {
	Reason  Reason
	Unit    Unit
	From    Account
	To      Account
	Amount  uint64
	Coldkey string // the coldkey whose stake or balance the movement is for, when one is
	Input   int32  // index of the block's input that caused it; -1 for the coinbase and epochs
}

// The fixed accounts outside the network.
var (
	AccountIssuance = Account{Kind: AcctIssuance}
	AccountBurn     = Account{Kind: AcctBurn}
)

// AccountFree is a coldkey's free balance.
func AccountFree(coldkey string) Account { return Account{Kind: AcctFree, Key: coldkey} }

// AccountPool is a subnet pool's reserve (TAO or alpha, by the entry's unit).
func AccountPool(n dtaod.NetUID) Account { return Account{Kind: AcctPool, NetUID: n} }

// AccountStake is the share pool of (hotkey, netuid).
func AccountStake(hotkey string, n dtaod.NetUID) Account {
	return Account{Kind: AcctStake, NetUID: n, Key: hotkey}
}

// AccountPending is a subnet's alpha pending for its next epoch.
func AccountPending(n dtaod.NetUID) Account { return Account{Kind: AcctPending, NetUID: n} }

// AccountPendingOwner is a subnet's owner cut pending for its next epoch.
func AccountPendingOwner(n dtaod.NetUID) Account { return Account{Kind: AcctPendingOwner, NetUID: n} }

// AccountPendingRoot is a subnet's TAO from root sales pending for root stakers.
func AccountPendingRoot(n dtaod.NetUID) Account { return Account{Kind: AcctPendingRoot, NetUID: n} }

// AccountUnnamed is stake nobody listed owns: root TAO (netuid 0, where root fees land) or a
// subnet's alpha.
func AccountUnnamed(n dtaod.NetUID) Account { return Account{Kind: AcctUnnamed, NetUID: n} }

// StakeUnit is the unit of stake on netuid n: TAO on root, else the subnet's alpha.
func StakeUnit(n dtaod.NetUID) Unit {
	if n == dtaod.Root {
		return UnitTAO
	}
	return AlphaOf(n)
}

// Post appends an entry to the journal while journaling is on (the live service); a backtest
// leaves it off and pays nothing. Zero amounts are not entries.
func (st *State) Post(r Reason, u Unit, from, to Account, amount uint64, coldkey string) {
	if !st.Journaling || amount == 0 {
		return
	}
	st.Journal = append(st.Journal, Entry{Reason: r, Unit: u, From: from, To: to, Amount: amount, Coldkey: coldkey, Input: st.JournalInput})
}

// OpeningEntries are the genesis ledger: every balance of the state as minted from issuance, so
// that opening entries plus every block's entries sum, per account, to the state's balances.
func (st *State) OpeningEntries() []Entry {
	var out []Entry
	add := func(u Unit, to Account, amount uint64, ck string) {
		if amount > 0 {
			out = append(out, Entry{Reason: ReasonGenesis, Unit: u, From: AccountIssuance, To: to, Amount: amount, Coldkey: ck, Input: -1})
		}
	}
	cks := make([]string, 0, len(st.Free))
	for ck := range st.Free {
		cks = append(cks, ck)
	}
	sort.Strings(cks)
	for _, ck := range cks {
		add(UnitTAO, AccountFree(ck), uint64(st.Free[ck]), ck)
	}
	for _, s := range st.Subnets {
		n := s.NetUID
		add(UnitTAO, AccountPool(n), uint64(s.TAOIn), "")
		add(AlphaOf(n), AccountPool(n), uint64(s.AlphaIn), "")
		add(AlphaOf(n), AccountPending(n), uint64(s.PendingAlpha), "")
		add(AlphaOf(n), AccountPendingOwner(n), uint64(s.PendingOwnerCut), "")
		add(UnitTAO, AccountPendingRoot(n), uint64(s.PendingRootTAO), "")
		add(AlphaOf(n), AccountUnnamed(n), uint64(s.UnnamedStake), "")
	}
	keys := make([]stakeKey, 0, len(st.stakes))
	for k := range st.stakes {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].netuid != keys[j].netuid {
			return keys[i].netuid < keys[j].netuid
		}
		return keys[i].hotkey < keys[j].hotkey
	})
	for _, k := range keys {
		add(StakeUnit(k.netuid), AccountStake(k.hotkey, k.netuid), st.stakes[k].Value, "")
	}
	add(UnitTAO, AccountUnnamed(dtaod.Root), uint64(st.UnnamedRoot), "")
	return out
}
