// Package pools holds the state of the network (subnets and their pools, free balances, stake
// share pools, neurons) and the stake operations users submit. Every operation is atomic: it
// validates in the chain's order, computes on copies and only then writes, so a failure returns a
// stable error code and changes nothing.
package pools

import (
	"slices"
	"sort"

	"github.com/dtaod/dtaod"
	"github.com/dtaod/dtaod/amm"
	"github.com/holiman/uint256"
)

// Neuron is a hotkey registered on a subnet (its index in Subnet.Neurons is its UID). Coldkey
// owns the hotkey and receives its take and incentive.
type Neuron struct {
	Hotkey          string
	Coldkey         string
	RegisteredAt    dtaod.Block
	LastUpdate      dtaod.Block // block of its last weights (registration counts)
	ValidatorPermit bool
	// Weights and Bonds are sparse rows sorted by uid (weights max-upscaled to u16). Never write
	// into a Weights slice in place: set_weights stores a new slice, and the Yuma glue
	// (emission/yuma.go) takes "the same slice as last epoch" to mean "unchanged" and reuses its
	// cached normalised matrix. Bonds are written only by the epoch itself.
	Weights []Weight
	Bonds   []Weight

	// The last epoch's results, as the chain stores them (u16 proportions), and its emission.
	Rank, Trust, Consensus, Incentive, Dividends, ValidatorTrust, PruningScore uint16
	Active                                                                     bool
	Emission                                                                   dtaod.Alpha

	// alphaPool and rootPool cache the hotkey's share pools: an epoch reads every neuron's stake,
	// and a string-keyed map lookup per neuron per epoch dominated large backtests. Pools are
	// never removed from the state, so a cached pointer stays valid.
	alphaPool, rootPool *SharePool
}

// neuronPool returns the share pool of neuron uid's hotkey on the subnet (or on root), creating
// and caching it.
func (st *State) neuronPool(s *Subnet, uid int, root bool) *SharePool {
	n := &s.Neurons[uid]
	if root {
		if n.rootPool == nil {
			n.rootPool = st.pool(n.Hotkey, dtaod.Root)
		}
		return n.rootPool
	}
	if n.alphaPool == nil {
		n.alphaPool = st.pool(n.Hotkey, s.NetUID)
	}
	return n.alphaPool
}

// CreditNeuron is CreditStake for coldkey on neuron uid's hotkey, on the subnet or on root,
// through the neuron's cached pool (the epoch pays every neuron).
func (st *State) CreditNeuron(s *Subnet, uid int, root bool, coldkey string, amount uint64) {
	if amount > 0 {
		st.neuronPool(s, uid, root).credit(coldkey, amount)
	}
}

// DistributeNeuron is DistributeStake on neuron uid's hotkey, on the subnet or on root.
func (st *State) DistributeNeuron(s *Subnet, uid int, root bool, amount uint64) {
	if amount > 0 {
		st.neuronPool(s, uid, root).Distribute(amount)
	}
}

// NeuronStake is the stake of the subnet's neuron uid: alpha on the subnet and TAO on root. It
// creates the hotkey's empty pools if needed, so the cache holds even for a hotkey that never
// had stake (an empty pool holds nothing and lists nothing).
func (st *State) NeuronStake(s *Subnet, uid int) (alpha, root uint64) {
	return st.neuronPool(s, uid, false).Value, st.neuronPool(s, uid, true).Value
}

// Subnet is one subnet: its pool, its alpha outside the pool, its moving price, and what the
// coinbase has set aside for the next epoch.
type Subnet struct {
	NetUID               dtaod.NetUID
	TAOIn                dtaod.TAO   // pool TAO reserve (SubnetTAO)
	AlphaIn              dtaod.Alpha // pool alpha reserve (SubnetAlphaIn)
	AlphaOut             dtaod.Alpha // alpha outside the pool: stake plus pending (SubnetAlphaOut)
	MovingPrice          dtaod.Fixed
	Tempo                uint16
	RegistrationAllowed  bool
	OwnerColdkey         string
	OwnerHotkey          string
	RegisteredAt         dtaod.Block // drives the moving-price ramp
	Neurons              []Neuron    // UID order
	MaxAllowedUIDs       uint16
	MaxAllowedValidators uint16

	// VolumeHi:VolumeLo is the 128-bit running sum of the TAO side of every swap; 128 bits so a
	// months-long busy backtest can never wrap it.
	VolumeHi, VolumeLo uint64

	// Pending until the next epoch.
	PendingAlpha     dtaod.Alpha // for miners and validators
	PendingOwnerCut  dtaod.Alpha
	PendingRootAlpha dtaod.Alpha // alpha sold for root since the last epoch (part of the epoch's A)
	PendingRootTAO   dtaod.TAO   // TAO from those sales, for root stakers

	// What the last coinbase did, for records.
	LastTAOInEmission    dtaod.TAO
	LastAlphaInEmission  dtaod.Alpha
	LastAlphaOutEmission dtaod.Alpha
	LastOwnerCut         dtaod.Alpha
	LastRootDivsTAO      dtaod.TAO

	// UnnamedStake is the alpha outside the pool owned by accounts the state does not list (a
	// partial starting state); it never moves and is only needed to check conservation.
	UnnamedStake dtaod.Alpha
}

// Pool returns the subnet's reserves as an amm pool.
func (s *Subnet) Pool() amm.Pool { return amm.Pool{TAO: s.TAOIn, Alpha: s.AlphaIn} }

func (s *Subnet) setPool(p amm.Pool) { s.TAOIn, s.AlphaIn = p.TAO, p.Alpha }

// AddVolume adds a swap's TAO side to the volume counter.
func (s *Subnet) AddVolume(t dtaod.TAO) {
	lo := s.VolumeLo + uint64(t)
	if lo < s.VolumeLo {
		s.VolumeHi++
	}
	s.VolumeLo = lo
}

// AlphaIssuance is alpha_in + alpha_out, which drives the subnet's alpha halving.
func (s *Subnet) AlphaIssuance() uint64 { return uint64(s.AlphaIn) + uint64(s.AlphaOut) }

type stakeKey struct {
	hotkey string
	netuid dtaod.NetUID
}

// State is the whole network. The engine owns it; a block mutates it in place.
type State struct {
	TotalIssuance dtaod.TAO            // TAO minted minus burned
	RootTAO       dtaod.TAO            // all TAO staked on root, named or not
	Subnets       []*Subnet            // sorted by netuid
	Free          map[string]dtaod.TAO // free balances by coldkey

	// BurnShortfall is TAO burned beyond total_issuance (see BurnTAO).
	BurnShortfall dtaod.TAO

	// UnnamedRoot is root TAO owned by nobody the state lists, or by nobody at all (root fees).
	UnnamedRoot dtaod.TAO

	byNet  map[dtaod.NetUID]*Subnet
	stakes map[stakeKey]*SharePool

	taoOffset uint256.Int // see Seal
	sealed    bool

	// Height is the block being applied: operations that depend on time (rate limits, immunity,
	// the lock cost) read it. The engine sets it.
	Height dtaod.Block
	// NetworkLastLock and NetworkLastLockBlock are the last subnet lock paid (spec section 8).
	NetworkLastLock      dtaod.TAO
	NetworkLastLockBlock dtaod.Block

	// Journaling makes every balance change append an Entry to Journal (see Post), tagged with
	// JournalInput: the live service's double-entry ledger. The engine manages all three.
	Journaling   bool
	Journal      []Entry
	JournalInput int32
}

// NewState returns an empty network with only root.
func NewState() *State {
	return &State{
		Free:   make(map[string]dtaod.TAO),
		byNet:  make(map[dtaod.NetUID]*Subnet),
		stakes: make(map[stakeKey]*SharePool),
	}
}

// AddSubnet adds a subnet, keeping Subnets sorted by netuid. It reports false for root or a
// netuid already taken.
func (st *State) AddSubnet(s *Subnet) bool {
	if s.NetUID == dtaod.Root || st.byNet[s.NetUID] != nil {
		return false
	}
	st.byNet[s.NetUID] = s
	i := sort.Search(len(st.Subnets), func(i int) bool { return st.Subnets[i].NetUID > s.NetUID })
	st.Subnets = append(st.Subnets, nil)
	copy(st.Subnets[i+1:], st.Subnets[i:])
	st.Subnets[i] = s
	return true
}

// Subnet returns the subnet, or nil (also for root, which has no pool).
func (st *State) Subnet(n dtaod.NetUID) *Subnet { return st.byNet[n] }

// UID returns the hotkey's uid on the subnet, or -1.
func (s *Subnet) UID(hotkey string) int {
	for i := range s.Neurons {
		if s.Neurons[i].Hotkey == hotkey {
			return i
		}
	}
	return -1
}

// Exists reports whether netuid names root or a subnet.
func (st *State) Exists(n dtaod.NetUID) bool { return n == dtaod.Root || st.byNet[n] != nil }

// Pool returns the share pool of (hotkey, netuid), or nil if nobody ever staked there.
func (st *State) Pool(hotkey string, n dtaod.NetUID) *SharePool {
	return st.stakes[stakeKey{hotkey, n}]
}

// pool returns the share pool of (hotkey, netuid), creating it.
func (st *State) pool(hotkey string, n dtaod.NetUID) *SharePool {
	k := stakeKey{hotkey, n}
	sp := st.stakes[k]
	if sp == nil {
		sp = newSharePool()
		st.stakes[k] = sp
	}
	return sp
}

// StakeOf is the coldkey's stake on (hotkey, netuid): alpha, or TAO on root.
func (st *State) StakeOf(coldkey, hotkey string, n dtaod.NetUID) uint64 {
	if sp := st.Pool(hotkey, n); sp != nil {
		return sp.StakeOf(coldkey)
	}
	return 0
}

// HotkeyStake is the total stake on (hotkey, netuid), every nominator's included.
func (st *State) HotkeyStake(hotkey string, n dtaod.NetUID) uint64 {
	if sp := st.Pool(hotkey, n); sp != nil {
		return sp.Value
	}
	return 0
}

// CreditStake adds stake for a coldkey on (hotkey, netuid) without touching any counter: the
// caller accounts for where it came from (genesis, emission). It takes the share pool's fast
// path (no exactness rescaling; see SharePool).
func (st *State) CreditStake(coldkey, hotkey string, n dtaod.NetUID, amount uint64) {
	st.pool(hotkey, n).credit(coldkey, amount)
}

// DistributeStake raises the value of every share on (hotkey, netuid) by amount in total.
func (st *State) DistributeStake(hotkey string, n dtaod.NetUID, amount uint64) {
	st.pool(hotkey, n).Distribute(amount)
}

// StakeEntry is one coldkey's stake, for listings.
type StakeEntry struct {
	Coldkey string
	Hotkey  string
	NetUID  dtaod.NetUID
	Amount  uint64
}

// Stakes lists every non-zero stake sorted by coldkey, hotkey, netuid (the contract's order).
func (st *State) Stakes() []StakeEntry {
	var out []StakeEntry
	for k, sp := range st.stakes {
		for ck := range sp.Shares {
			if v := sp.StakeOf(ck); v > 0 {
				out = append(out, StakeEntry{ck, k.hotkey, k.netuid, v})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Coldkey != b.Coldkey {
			return a.Coldkey < b.Coldkey
		}
		if a.Hotkey != b.Hotkey {
			return a.Hotkey < b.Hotkey
		}
		return a.NetUID < b.NetUID
	})
	return out
}

// StakeOnNet sums the value of every share pool on netuid: the named stake there.
func (st *State) StakeOnNet(n dtaod.NetUID) uint64 {
	var sum uint64
	for k, sp := range st.stakes {
		if k.netuid == n {
			sum += sp.Value
		}
	}
	return sum
}

// Clone returns a deep copy, for tests that compare a state before and after a failed operation.
func (st *State) Clone() *State {
	c := NewState()
	c.TotalIssuance, c.RootTAO, c.UnnamedRoot, c.BurnShortfall = st.TotalIssuance, st.RootTAO, st.UnnamedRoot, st.BurnShortfall
	c.taoOffset, c.sealed = st.taoOffset, st.sealed
	c.Height, c.NetworkLastLock, c.NetworkLastLockBlock = st.Height, st.NetworkLastLock, st.NetworkLastLockBlock
	c.Journaling, c.JournalInput, c.Journal = st.Journaling, st.JournalInput, slices.Clone(st.Journal)
	for k, v := range st.Free {
		c.Free[k] = v
	}
	for _, s := range st.Subnets {
		n := *s
		n.Neurons = append([]Neuron(nil), s.Neurons...)
		for i := range n.Neurons {
			n.Neurons[i].Weights = append([]Weight(nil), s.Neurons[i].Weights...)
			n.Neurons[i].Bonds = append([]Weight(nil), s.Neurons[i].Bonds...)
		}
		c.AddSubnet(&n)
	}
	for k, sp := range st.stakes {
		c.stakes[k] = sp.clone()
	}
	for _, s := range c.Subnets { // the cached pools must be the copy's, not st's
		for i := range s.Neurons {
			n := &s.Neurons[i]
			if n.alphaPool != nil {
				n.alphaPool = c.stakes[stakeKey{n.Hotkey, s.NetUID}]
			}
			if n.rootPool != nil {
				n.rootPool = c.stakes[stakeKey{n.Hotkey, dtaod.Root}]
			}
		}
	}
	return c
}
