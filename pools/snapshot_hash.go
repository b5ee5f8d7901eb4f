package pools

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// hashVersion starts every encoding; a change to the encoding or to the rows changes it, so
// hashes of different versions never collide by accident.
const hashVersion = "dtaod-state-v1"

// Hash is the SHA-256 of the snapshot's canonical encoding: the state's identity, which a block
// header commits to and a replay must reproduce bit for bit. The encoding (version 1) is:
//
//	str("dtaod-state-v1")
//	globals:  u64 Height, u64 TotalIssuance, u64 RootTAO, u64 BurnShortfall, u64 UnnamedRoot,
//	          u64 NetworkLastLock, u64 NetworkLastLockBlock, u256 TAOOffset
//	u64 count, then per subnet: u16 NetUID, u64 TAOIn, u64 AlphaIn, u64 AlphaOut,
//	          u64 MovingPrice, u16 Tempo, bool RegistrationAllowed, str OwnerColdkey,
//	          str OwnerHotkey, u64 RegisteredAt, u16 MaxAllowedUIDs, u16 MaxAllowedValidators,
//	          u64 VolumeHi, u64 VolumeLo, u64 PendingAlpha, u64 PendingOwnerCut,
//	          u64 PendingRootAlpha, u64 PendingRootTAO, u64 LastTAOInEmission,
//	          u64 LastAlphaInEmission, u64 LastAlphaOutEmission, u64 LastOwnerCut,
//	          u64 LastRootDivsTAO, u64 UnnamedStake
//	u64 count, then per balance: str Coldkey, u64 Free
//	u64 count, then per pool:    u16 NetUID, str Hotkey, u64 Value, u256 Denom
//	u64 count, then per share:   bool samePool, [u16 NetUID, str Hotkey,] str Coldkey, u256 Shares
//	u64 count, then per neuron:  u16 NetUID, u16 UID, str Hotkey, str Coldkey,
//	          u64 RegisteredAt, u64 LastUpdate, bool ValidatorPermit, weights Weights,
//	          weights Bonds, u16 Rank, u16 Trust, u16 Consensus, u16 Incentive, u16 Dividends,
//	          u16 ValidatorTrust, u16 PruningScore, bool Active, u64 Emission
//	only when Params is not nil: str("params"), u64 BlockEmission, u64 TotalSupply,
//	          u8 Halving, u8 EmissionShare, u64 TAOWeight, u64 MovingPriceAlpha,
//	          u64 MovingPriceHalvingBlocks, u64 OwnerCut, u64 StakingFee, u64 MinStake,
//	          u64 MinPoolLiquidity, u16 DefaultTempo, u64 ValidatorTake, u8 Consensus,
//	          u64 RegistrationBurn, u16 MaxAllowedUIDs, u16 MaxAllowedValidators,
//	          u64 ImmunityPeriod, u64 ActivityCutoff, u64 WeightsRateLimit, u64 Kappa,
//	          u64 BondsMovingAverage, u64 NetworkMinLock, u64 NetworkLockReductionInterval,
//	          u16 SubnetLimit
//
// where u8/u16/u32/u64 are big-endian unsigned integers of that width, u256 is 32 big-endian
// bytes, bool is one byte 0 or 1, str is u32 byte length then the bytes, and weights is u32
// count then per entry u16 UID, u16 Value. samePool is 1 when the share row has the NetUID and
// Hotkey of the share row before it, and then those two are left out: a pool's key is written
// once for all its shares, which takes a third off the bytes hashed (and so the time) for 48-
// character addresses. Rows are hashed in slice order, which for a valid snapshot is key order;
// nil and empty slices encode alike. The prefixes, counts and flags make the encoding
// injective: no two different snapshots share one. The params section comes last so that a
// snapshot without params (the genesis params, the common case) encodes exactly as version 1
// always did: the counts say where the neurons end, and anything after them is the params.
func (s *Snapshot) Hash() [32]byte {
	e := encoder{h: sha256.New(), b: make([]byte, 0, encBufSize+512)}
	e.str(hashVersion)
	g := &s.Globals
	e.u64(uint64(g.Height))
	e.u64(uint64(g.TotalIssuance))
	e.u64(uint64(g.RootTAO))
	e.u64(uint64(g.BurnShortfall))
	e.u64(uint64(g.UnnamedRoot))
	e.u64(uint64(g.NetworkLastLock))
	e.u64(uint64(g.NetworkLastLockBlock))
	e.u256(&g.TAOOffset)

	e.u64(uint64(len(s.Subnets)))
	for i := range s.Subnets {
		r := &s.Subnets[i]
		e.u16(uint16(r.NetUID))
		e.u64(uint64(r.TAOIn))
		e.u64(uint64(r.AlphaIn))
		e.u64(uint64(r.AlphaOut))
		e.u64(uint64(r.MovingPrice))
		e.u16(r.Tempo)
		e.bool(r.RegistrationAllowed)
		e.str(r.OwnerColdkey)
		e.str(r.OwnerHotkey)
		e.u64(uint64(r.RegisteredAt))
		e.u16(r.MaxAllowedUIDs)
		e.u16(r.MaxAllowedValidators)
		e.u64(r.VolumeHi)
		e.u64(r.VolumeLo)
		e.u64(uint64(r.PendingAlpha))
		e.u64(uint64(r.PendingOwnerCut))
		e.u64(uint64(r.PendingRootAlpha))
		e.u64(uint64(r.PendingRootTAO))
		e.u64(uint64(r.LastTAOInEmission))
		e.u64(uint64(r.LastAlphaInEmission))
		e.u64(uint64(r.LastAlphaOutEmission))
		e.u64(uint64(r.LastOwnerCut))
		e.u64(uint64(r.LastRootDivsTAO))
		e.u64(uint64(r.UnnamedStake))
		e.flush()
	}

	e.u64(uint64(len(s.Balances)))
	for i := range s.Balances {
		r := &s.Balances[i]
		e.str(r.Coldkey)
		e.u64(uint64(r.Free))
		e.flush()
	}

	e.u64(uint64(len(s.Pools)))
	for i := range s.Pools {
		r := &s.Pools[i]
		e.u16(uint16(r.NetUID))
		e.str(r.Hotkey)
		e.u64(r.Value)
		e.u256(&r.Denom)
		e.flush()
	}

	e.u64(uint64(len(s.Shares)))
	for i := range s.Shares {
		r := &s.Shares[i]
		if i > 0 && r.NetUID == s.Shares[i-1].NetUID && r.Hotkey == s.Shares[i-1].Hotkey {
			e.bool(true)
		} else {
			e.bool(false)
			e.u16(uint16(r.NetUID))
			e.str(r.Hotkey)
		}
		e.str(r.Coldkey)
		e.u256(&r.Shares)
		e.flush()
	}

	e.u64(uint64(len(s.Neurons)))
	for i := range s.Neurons {
		r := &s.Neurons[i]
		e.u16(uint16(r.NetUID))
		e.u16(r.UID)
		e.str(r.Hotkey)
		e.str(r.Coldkey)
		e.u64(uint64(r.RegisteredAt))
		e.u64(uint64(r.LastUpdate))
		e.bool(r.ValidatorPermit)
		e.weights(r.Weights)
		e.weights(r.Bonds)
		e.u16(r.Rank)
		e.u16(r.Trust)
		e.u16(r.Consensus)
		e.u16(r.Incentive)
		e.u16(r.Dividends)
		e.u16(r.ValidatorTrust)
		e.u16(r.PruningScore)
		e.bool(r.Active)
		e.u64(uint64(r.Emission))
		e.flush()
	}

	if p := s.Params; p != nil {
		e.params(p)
	}

	e.h.Write(e.b)
	var sum [32]byte
	e.h.Sum(sum[:0])
	return sum
}

// encBufSize is how much encoding the encoder gathers before one Write to the hash: large
// enough that the hash sees whole runs of blocks, small enough to stay in L1.
const encBufSize = 16 << 10

// encoder appends the canonical encoding to a buffer it hands to the hash in large chunks:
// per-field Writes through the hash.Hash interface would cost more than the hashing.
type encoder struct {
	h hash.Hash
	b []byte
}

func (e *encoder) flush() {
	if len(e.b) >= encBufSize {
		e.h.Write(e.b)
		e.b = e.b[:0]
	}
}

func (e *encoder) u16(v uint16) { e.b = binary.BigEndian.AppendUint16(e.b, v) }
func (e *encoder) u32(v uint32) { e.b = binary.BigEndian.AppendUint32(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.BigEndian.AppendUint64(e.b, v) }

func (e *encoder) bool(v bool) {
	var b byte
	if v {
		b = 1
	}
	e.b = append(e.b, b)
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) u256(v *uint256.Int) {
	e.u64(v[3])
	e.u64(v[2])
	e.u64(v[1])
	e.u64(v[0])
}

// params writes the params section of the encoding (see Hash), every field in declaration order.
func (e *encoder) params(p *dtaod.Params) {
	e.str("params")
	e.u64(uint64(p.BlockEmission))
	e.u64(uint64(p.TotalSupply))
	e.u8(uint8(p.Halving))
	e.u8(uint8(p.EmissionShare))
	e.u64(uint64(p.TAOWeight))
	e.u64(uint64(p.MovingPriceAlpha))
	e.u64(p.MovingPriceHalvingBlocks)
	e.u64(uint64(p.OwnerCut))
	e.u64(uint64(p.StakingFee))
	e.u64(uint64(p.MinStake))
	e.u64(uint64(p.MinPoolLiquidity))
	e.u16(p.DefaultTempo)
	e.u64(uint64(p.ValidatorTake))
	e.u8(uint8(p.Consensus))
	e.u64(uint64(p.RegistrationBurn))
	e.u16(p.MaxAllowedUIDs)
	e.u16(p.MaxAllowedValidators)
	e.u64(p.ImmunityPeriod)
	e.u64(p.ActivityCutoff)
	e.u64(p.WeightsRateLimit)
	e.u64(uint64(p.Kappa))
	e.u64(uint64(p.BondsMovingAverage))
	e.u64(uint64(p.NetworkMinLock))
	e.u64(p.NetworkLockReductionInterval)
	e.u16(p.SubnetLimit)
}

func (e *encoder) u8(v uint8) { e.b = append(e.b, v) }

func (e *encoder) weights(w []Weight) {
	e.u32(uint32(len(w)))
	for _, x := range w {
		e.u16(x.UID)
		e.u16(x.Value)
	}
}
