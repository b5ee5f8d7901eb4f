package pools

import (
	"fmt"
	"slices"

	"github.com/dtaod/dtaod"
	fp "github.com/dtaod/dtaod/fixedpoint"
	"github.com/dtaod/dtaod/yuma"
)

// registerNeuron is the chain's burned registration: the coldkey pays the burn (burned from
// issuance) and the hotkey takes the next uid, or, when the subnet is full, the uid of the neuron
// with the lowest pruning score outside its immunity period (ties: earliest registered, then
// lowest uid; if every neuron is immune, the same rule among them).
func (st *State) registerNeuron(p *dtaod.Params, o *Order) (Receipt, error) {
	s := st.byNet[o.NetUID]
	if s == nil {
		return Receipt{}, notFound(o.NetUID)
	}
	if !s.RegistrationAllowed {
		return Receipt{}, fmt.Errorf("%w: netuid %d", dtaod.ErrRegistrationDisabled, o.NetUID)
	}
	if s.UID(o.Hotkey) >= 0 {
		return Receipt{}, fmt.Errorf("%w: %s on netuid %d", dtaod.ErrAlreadyRegistered, o.Hotkey, o.NetUID)
	}
	if s.MaxAllowedUIDs == 0 {
		return Receipt{}, fmt.Errorf("%w: netuid %d allows 0 uids", dtaod.ErrNoNeuronSlot, o.NetUID)
	}
	burn := p.RegistrationBurn
	if st.Free[o.Coldkey] < burn {
		return Receipt{}, fmt.Errorf("%w: %s has %d rao free, the burn is %d", dtaod.ErrInsufficientBalance, o.Coldkey, st.Free[o.Coldkey], burn)
	}
	st.debit(o.Coldkey, burn)
	st.BurnTAO(burn)
	st.Post(ReasonRegistration, UnitTAO, AccountFree(o.Coldkey), AccountBurn, uint64(burn), o.Coldkey)
	n := Neuron{Hotkey: o.Hotkey, Coldkey: o.Coldkey, RegisteredAt: st.Height, LastUpdate: st.Height, Active: true}
	uid := len(s.Neurons)
	if uid < int(s.MaxAllowedUIDs) {
		s.Neurons = append(s.Neurons, n)
	} else {
		uid = s.neuronToPrune(st.Height, p.ImmunityPeriod)
		s.Neurons[uid] = n
	}
	return Receipt{TAO: burn, UID: uint16(uid), NetUID: o.NetUID}, nil
}

// neuronToPrune is the chain's get_neuron_to_prune.
func (s *Subnet) neuronToPrune(now dtaod.Block, immunity uint64) int {
	best, bestImmune := -1, -1
	better := func(i, j int) bool {
		a, b := &s.Neurons[i], &s.Neurons[j]
		return a.PruningScore < b.PruningScore || a.PruningScore == b.PruningScore && a.RegisteredAt < b.RegisteredAt
	}
	for i := range s.Neurons {
		immune := uint64(now-min(now, s.Neurons[i].RegisteredAt)) < immunity
		switch {
		case immune && (bestImmune < 0 || better(i, bestImmune)):
			bestImmune = i
		case !immune && (best < 0 || better(i, best)):
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	return bestImmune
}

func (st *State) debit(coldkey string, t dtaod.TAO) {
	st.Free[coldkey] -= t
	if st.Free[coldkey] == 0 {
		delete(st.Free, coldkey)
	}
}

// setWeights validates and stores a validator's weights in the chain's order of checks, max-
// upscaled so the largest is 65535 (the chain's vec_u16_max_upscale_to_u16). A hotkey without a
// validator permit may only set a weight on itself, as the chain allows.
func (st *State) setWeights(p *dtaod.Params, o *Order) (Receipt, error) {
	s := st.byNet[o.NetUID]
	if s == nil {
		return Receipt{}, notFound(o.NetUID)
	}
	uid := s.UID(o.Hotkey)
	if uid < 0 {
		return Receipt{}, fmt.Errorf("%w: %s on netuid %d", dtaod.ErrNotRegistered, o.Hotkey, o.NetUID)
	}
	nr := &s.Neurons[uid]
	selfOnly := len(o.Weights) == 1 && int(o.Weights[0].UID) == uid
	if !nr.ValidatorPermit && !selfOnly {
		return Receipt{}, fmt.Errorf("%w: %s (uid %d) on netuid %d", dtaod.ErrNoValidatorPermit, o.Hotkey, uid, o.NetUID)
	}
	if len(o.Weights) > len(s.Neurons) {
		return Receipt{}, fmt.Errorf("%w: %d weights for %d neurons", dtaod.ErrInvalidWeights, len(o.Weights), len(s.Neurons))
	}
	if nr.LastUpdate != 0 && uint64(st.Height-min(st.Height, nr.LastUpdate)) < p.WeightsRateLimit {
		return Receipt{}, fmt.Errorf("%w: last set at block %d, the limit is %d blocks", dtaod.ErrRateLimited, nr.LastUpdate, p.WeightsRateLimit)
	}
	w := slices.Clone(o.Weights)
	slices.SortFunc(w, func(a, b Weight) int { return int(a.UID) - int(b.UID) })
	allZero := true
	for i, e := range w {
		if i > 0 && w[i-1].UID == e.UID {
			return Receipt{}, fmt.Errorf("%w: uid %d is listed twice", dtaod.ErrInvalidWeights, e.UID)
		}
		if int(e.UID) >= len(s.Neurons) {
			return Receipt{}, fmt.Errorf("%w: uid %d, the subnet has %d neurons", dtaod.ErrInvalidUID, e.UID, len(s.Neurons))
		}
		allZero = allZero && e.Value == 0
	}
	if allZero {
		return Receipt{}, fmt.Errorf("%w: all weights are zero (or none given)", dtaod.ErrInvalidWeights)
	}
	upscale(w)
	nr.Weights = w
	nr.LastUpdate = st.Height
	return Receipt{UID: uint16(uid), NetUID: o.NetUID}, nil
}

// upscale applies the chain's vec_u16_max_upscale_to_u16 to the values, in place.
func upscale(w []Weight) {
	v := make([]fp.I32F32, len(w))
	for i, e := range w {
		v[i] = fp.I32F32FromU16(e.Value)
	}
	out := make([]uint16, len(w))
	yuma.VecMaxUpscaleToU16(v, out)
	for i := range w {
		w[i].Value = out[i]
	}
}

// LockCost is the subnet lock cost at block now (spec section 8): the last lock x 2 (x 1 if no
// subnet was registered by lock yet), less last_lock / reduction_interval per block since, never
// below the minimum lock.
func (st *State) LockCost(p *dtaod.Params, now dtaod.Block) dtaod.TAO {
	last := uint64(st.NetworkLastLock)
	mult := uint64(2)
	if st.NetworkLastLockBlock == 0 {
		mult = 1
	}
	cost, ok := dtaod.MulDiv(last, mult, 1)
	if !ok {
		cost = ^uint64(0)
	}
	if iv := p.NetworkLockReductionInterval; iv > 0 {
		blocks := uint64(now - min(now, st.NetworkLastLockBlock))
		dec, ok := dtaod.MulDiv(last/iv, blocks, 1)
		if !ok || dec > cost {
			dec = cost
		}
		cost -= dec
	}
	return dtaod.TAO(max(cost, uint64(p.NetworkMinLock)))
}

// registerSubnet registers a new subnet at the lowest free netuid: the coldkey pays the lock
// cost, the pool starts with tao_in = alpha_in = the minimum lock (price 1), the rest of the lock
// is burned, the coldkey and hotkey become the owner and the hotkey uid 0.
func (st *State) registerSubnet(p *dtaod.Params, o *Order) (Receipt, error) {
	if len(st.Subnets) >= int(p.SubnetLimit) {
		return Receipt{}, fmt.Errorf("%w: %d subnets", dtaod.ErrSubnetLimit, len(st.Subnets))
	}
	cost := st.LockCost(p, st.Height)
	if st.Free[o.Coldkey] < cost {
		return Receipt{}, fmt.Errorf("%w: %s has %d rao free, the lock costs %d", dtaod.ErrInsufficientBalance, o.Coldkey, st.Free[o.Coldkey], cost)
	}
	netuid := dtaod.NetUID(1)
	for _, s := range st.Subnets { // sorted: the first gap is the lowest free netuid
		if s.NetUID != netuid {
			break
		}
		netuid++
	}
	if netuid == 0 { // all 65535 taken (only with a subnet limit above 65535, which u16 forbids)
		return Receipt{}, fmt.Errorf("%w: no free netuid", dtaod.ErrSubnetLimit)
	}
	pool := min(p.NetworkMinLock, cost)
	st.debit(o.Coldkey, cost)
	st.BurnTAO(cost - pool)
	st.Post(ReasonRegistration, UnitTAO, AccountFree(o.Coldkey), AccountPool(netuid), uint64(pool), o.Coldkey)
	st.Post(ReasonRegistration, UnitTAO, AccountFree(o.Coldkey), AccountBurn, uint64(cost-pool), o.Coldkey)
	st.Post(ReasonRegistration, AlphaOf(netuid), AccountIssuance, AccountPool(netuid), uint64(pool), o.Coldkey)
	st.NetworkLastLock, st.NetworkLastLockBlock = cost, st.Height
	st.AddSubnet(&Subnet{
		NetUID: netuid, TAOIn: pool, AlphaIn: dtaod.Alpha(pool), Tempo: p.DefaultTempo,
		RegistrationAllowed: true, OwnerColdkey: o.Coldkey, OwnerHotkey: o.Hotkey, RegisteredAt: st.Height,
		MaxAllowedUIDs: p.MaxAllowedUIDs, MaxAllowedValidators: p.MaxAllowedValidators,
		Neurons: []Neuron{{Hotkey: o.Hotkey, Coldkey: o.Coldkey, RegisteredAt: st.Height, LastUpdate: st.Height, Active: true}},
	})
	return Receipt{TAO: cost, NetUID: netuid}, nil
}
