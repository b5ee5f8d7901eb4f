package scenario

import (
	"math"
	"sort"

	"github.com/dtaod/dtaod"
)

// subnetIn is a subnet being read, with what is needed to resolve alpha_out once the stakes are
// known.
type subnetIn struct {
	sn       Subnet
	alphaOut *node // nil when not given
	// alphaOutBad is set when alpha_out was given but invalid (already reported).
	alphaOutBad bool
	path        string
	// maxUIDsFrom names where MaxAllowedUIDs came from, for the neuron count error; "" when the
	// subnet's max_allowed_uids was invalid (already reported), so the count is not checked.
	maxUIDsFrom string
}

// stakeKey identifies a stake position; a scenario may list each at most once.
type stakeKey struct {
	coldkey, hotkey string
	netuid          dtaod.NetUID
}

// state walks the starting state. params are the file's params, whose default_tempo is the
// default tempo of a subnet.
func (p *parser) state(n *node, params dtaod.Params) State {
	var st State
	o := p.object(n, "state")
	if v := o.get("total_issuance"); v != nil {
		a, _ := p.amount(v, "state.total_issuance")
		st.TotalIssuance = dtaod.TAO(a)
	}

	subnets, byNetUID := p.subnets(o.get("subnets"), params)
	st.Balances = p.balances(o.get("balances"))

	// Stakes: check references and sum them per netuid; a sum that overflows is an error, since
	// the engine could not hold the resulting reserve either.
	sums := map[dtaod.NetUID]uint64{}
	overflow := map[dtaod.NetUID]bool{}
	seen := map[stakeKey]string{}
	for i, item := range p.list(o.get("stakes"), "state.stakes") {
		path := index("state.stakes", i)
		so := p.object(item, path)
		var s Stake
		ok := true
		if v := so.require("coldkey"); v != nil {
			s.Coldkey, ok = p.key(v, path+".coldkey")
		} else {
			ok = false
		}
		if v := so.require("hotkey"); v != nil {
			var k bool
			s.Hotkey, k = p.key(v, path+".hotkey")
			ok = ok && k
		} else {
			ok = false
		}
		netOK := false
		if v := so.require("netuid"); v != nil {
			s.NetUID, netOK = p.netuid(v, path+".netuid", 0)
			if netOK && s.NetUID != dtaod.Root {
				if _, listed := byNetUID[s.NetUID]; !listed {
					p.fail(v.pos, path+".netuid",
						"subnet %d is not listed in state.subnets (a stake is on root, 0, or a listed subnet)", s.NetUID)
					netOK = false
				}
			}
		}
		amtOK := false
		var amtPos pos
		if v := so.require("alpha"); v != nil {
			s.Alpha, amtOK = p.amount(v, path+".alpha")
			amtPos = v.pos
		}
		so.done("")
		if ok && netOK {
			k := stakeKey{s.Coldkey, s.Hotkey, s.NetUID}
			if first, dup := seen[k]; dup {
				p.fail(item.pos, path, "duplicate stake for coldkey %q, hotkey %q, netuid %d (also at %s)",
					s.Coldkey, s.Hotkey, s.NetUID, first)
			} else {
				seen[k] = path
			}
		}
		if netOK && amtOK && !overflow[s.NetUID] {
			sum := sums[s.NetUID] + s.Alpha
			if sum < s.Alpha {
				overflow[s.NetUID] = true
				p.fail(amtPos, path+".alpha", "the stakes listed on netuid %d sum to more than the u64 maximum %s",
					s.NetUID, u64Max)
			}
			sums[s.NetUID] = sum
		}
		st.Stakes = append(st.Stakes, s)
	}

	// root_tao and alpha_out default to the sums of the listed stakes and may not be below them:
	// the listed accounts' stake has to come from somewhere.
	if v := o.get("root_tao"); v != nil {
		if a, ok := p.amount(v, "state.root_tao"); ok {
			st.RootTAO = dtaod.TAO(a)
			if !overflow[dtaod.Root] && a < sums[dtaod.Root] {
				p.fail(v.pos, "state.root_tao", "%d is below %d, the sum of the root (netuid 0) stakes listed", a, sums[dtaod.Root])
			}
		}
	} else {
		st.RootTAO = dtaod.TAO(sums[dtaod.Root])
	}
	for _, in := range subnets {
		sum := sums[in.sn.NetUID]
		if in.alphaOut == nil {
			in.sn.AlphaOut = dtaod.Alpha(sum)
		} else if !in.alphaOutBad && !overflow[in.sn.NetUID] && uint64(in.sn.AlphaOut) < sum {
			p.fail(in.alphaOut.pos, in.path+".alpha_out", "%d is below %d, the sum of the stakes listed on subnet %d",
				in.sn.AlphaOut, sum, in.sn.NetUID)
		}
		st.Subnets = append(st.Subnets, in.sn)
	}
	sort.SliceStable(st.Subnets, func(i, j int) bool { return st.Subnets[i].NetUID < st.Subnets[j].NetUID })

	// The first occurrence of each netuid holds its limits (a duplicate is already reported).
	limits := map[dtaod.NetUID]*subnetIn{}
	for _, in := range subnets {
		if byNetUID[in.sn.NetUID] == in.path {
			limits[in.sn.NetUID] = in
		}
	}
	var reg roster
	st.Neurons, reg = p.neurons(o.get("neurons"), byNetUID, limits)
	st.Weights = p.weightRows(o.get("weights"), "state.weights", "weights", byNetUID, reg)
	st.Bonds = p.weightRows(o.get("bonds"), "state.bonds", "bonds", byNetUID, reg)
	if v := o.get("network_last_lock"); v != nil {
		a, _ := p.amount(v, "state.network_last_lock")
		st.NetworkLastLock = dtaod.TAO(a)
	}
	if v := o.get("network_last_lock_block"); v != nil {
		b, _ := p.uintIn(v, "state.network_last_lock_block", 0, math.MaxUint64, "a block number")
		st.NetworkLastLockBlock = dtaod.Block(b)
	}
	o.done("")
	return st
}

// subnets reads state.subnets; the map holds each valid netuid (first occurrence).
func (p *parser) subnets(n *node, params dtaod.Params) ([]*subnetIn, map[dtaod.NetUID]string) {
	var out []*subnetIn
	byNetUID := map[dtaod.NetUID]string{}
	for i, item := range p.list(n, "state.subnets") {
		path := index("state.subnets", i)
		o := p.object(item, path)
		in := &subnetIn{path: path}
		sn := &in.sn
		sn.Tempo = params.DefaultTempo
		sn.RegistrationAllowed = true
		sn.MaxAllowedUIDs = params.MaxAllowedUIDs
		sn.MaxAllowedValidators = params.MaxAllowedValidators
		in.maxUIDsFrom = "params.max_allowed_uids"
		if v := o.require("netuid"); v != nil {
			id, ok := p.netuid(v, path+".netuid", 0)
			switch {
			case ok && id == dtaod.Root:
				p.fail(v.pos, path+".netuid",
					"must be between 1 and 65535, got 0 (root, netuid 0, always exists and is not listed)")
			case ok:
				if first, dup := byNetUID[id]; dup {
					p.fail(v.pos, path+".netuid", "duplicate netuid %d (also at %s)", id, first)
				} else {
					byNetUID[id] = path
				}
				sn.NetUID = id
			}
		}
		if v := o.get("tao_in"); v != nil {
			a, _ := p.amount(v, path+".tao_in")
			sn.TAOIn = dtaod.TAO(a)
		}
		if v := o.get("alpha_in"); v != nil {
			a, _ := p.amount(v, path+".alpha_in")
			sn.AlphaIn = dtaod.Alpha(a)
		}
		if v := o.get("alpha_out"); v != nil {
			a, ok := p.amount(v, path+".alpha_out")
			sn.AlphaOut = dtaod.Alpha(a)
			in.alphaOut, in.alphaOutBad = v, !ok
		}
		if v := o.get("moving_price"); v != nil {
			sn.MovingPrice, _ = p.fixed(v, path+".moving_price", false)
		}
		if v := o.get("tempo"); v != nil {
			if t, ok := p.uintIn(v, path+".tempo", 0, math.MaxUint16, "a tempo in blocks"); ok {
				sn.Tempo = uint16(t)
			}
		}
		if v := o.get("registration_allowed"); v != nil {
			if b, ok := p.boolOf(v, path+".registration_allowed"); ok {
				sn.RegistrationAllowed = b
			}
		}
		if v := o.get("owner_coldkey"); v != nil {
			sn.OwnerColdkey, _ = p.stringOf(v, path+".owner_coldkey")
		}
		if v := o.get("owner_hotkey"); v != nil {
			sn.OwnerHotkey, _ = p.stringOf(v, path+".owner_hotkey")
		}
		if v := o.get("max_allowed_uids"); v != nil {
			in.maxUIDsFrom = ""
			if m, ok := p.uintIn(v, path+".max_allowed_uids", 0, math.MaxUint16, "a number of neuron slots"); ok {
				sn.MaxAllowedUIDs = uint16(m)
				in.maxUIDsFrom = path + ".max_allowed_uids"
			}
		}
		if v := o.get("max_allowed_validators"); v != nil {
			if m, ok := p.uintIn(v, path+".max_allowed_validators", 0, math.MaxUint16,
				"a number of validator permits"); ok {
				sn.MaxAllowedValidators = uint16(m)
			}
		}
		o.done("")
		out = append(out, in)
	}
	return out, byNetUID
}

// balances reads state.balances; each coldkey appears once so that "free" has one meaning.
func (p *parser) balances(n *node) []Balance {
	var out []Balance
	seen := map[string]string{}
	for i, item := range p.list(n, "state.balances") {
		path := index("state.balances", i)
		o := p.object(item, path)
		var b Balance
		if v := o.require("coldkey"); v != nil {
			if k, ok := p.key(v, path+".coldkey"); ok {
				if first, dup := seen[k]; dup {
					p.fail(v.pos, path+".coldkey", "duplicate coldkey %q (also at %s)", k, first)
				} else {
					seen[k] = path
				}
				b.Coldkey = k
			}
		}
		if v := o.require("free"); v != nil {
			a, _ := p.amount(v, path+".free")
			b.Free = dtaod.TAO(a)
		}
		o.done("")
		out = append(out, b)
	}
	return out
}

// registration is a hotkey on a subnet.
type registration struct {
	netuid dtaod.NetUID
	hotkey string
}

// roster is what weights and bonds rows are checked against: how many UIDs each subnet has (every
// neuron listed on a valid subnet takes one, in list order) and which hotkeys hold them.
type roster struct {
	count  map[dtaod.NetUID]int
	hotkey map[registration]bool
}

// neurons reads state.neurons, keeping file order (it is the UID order of each subnet). limits
// holds each listed subnet, whose max_allowed_uids bounds its neuron count.
func (p *parser) neurons(n *node, byNetUID map[dtaod.NetUID]string, limits map[dtaod.NetUID]*subnetIn) ([]Neuron, roster) {
	var out []Neuron
	reg := roster{count: map[dtaod.NetUID]int{}, hotkey: map[registration]bool{}}
	seen := map[registration]string{}
	for i, item := range p.list(n, "state.neurons") {
		path := index("state.neurons", i)
		o := p.object(item, path)
		var nr Neuron
		netOK := false
		if v := o.require("netuid"); v != nil {
			nr.NetUID, netOK = p.listedSubnet(v, path+".netuid", byNetUID, "neurons register on subnets, not root")
		}
		if netOK {
			reg.count[nr.NetUID]++
			if in := limits[nr.NetUID]; in != nil && in.maxUIDsFrom != "" &&
				reg.count[nr.NetUID] == int(in.sn.MaxAllowedUIDs)+1 {
				p.fail(item.pos, path, "subnet %d lists more neurons than its max_allowed_uids %d (%s)",
					nr.NetUID, in.sn.MaxAllowedUIDs, in.maxUIDsFrom)
			}
		}
		if v := o.require("hotkey"); v != nil {
			var ok bool
			if nr.Hotkey, ok = p.key(v, path+".hotkey"); ok && netOK {
				r := registration{nr.NetUID, nr.Hotkey}
				if first, dup := seen[r]; dup {
					p.fail(v.pos, path+".hotkey", "hotkey %q is already registered on subnet %d (at %s)",
						nr.Hotkey, nr.NetUID, first)
				} else {
					seen[r] = path
					reg.hotkey[r] = true
				}
			}
		}
		if v := o.require("coldkey"); v != nil {
			nr.Coldkey, _ = p.key(v, path+".coldkey")
		}
		if v := o.get("registered_at"); v != nil {
			b, _ := p.uintIn(v, path+".registered_at", 0, math.MaxUint64, "a block number")
			nr.RegisteredAt = dtaod.Block(b)
		}
		if v := o.get("last_update"); v != nil {
			b, _ := p.uintIn(v, path+".last_update", 0, math.MaxUint64, "a block number")
			nr.LastUpdate = dtaod.Block(b)
		}
		if v := o.get("validator_permit"); v != nil {
			if b, ok := p.boolOf(v, path+".validator_permit"); ok {
				nr.ValidatorPermit = &b
			}
		}
		o.done("")
		out = append(out, nr)
	}
	return out, reg
}

// weightRows reads state.weights or state.bonds (field is the row's map key, "weights" or
// "bonds"): one row per (netuid, hotkey), the hotkey a neuron of the subnet, uids below the
// subnet's neuron count.
func (p *parser) weightRows(n *node, listPath, field string, byNetUID map[dtaod.NetUID]string, reg roster) []WeightRow {
	var out []WeightRow
	seen := map[registration]string{}
	for i, item := range p.list(n, listPath) {
		path := index(listPath, i)
		o := p.object(item, path)
		var r WeightRow
		netOK := false
		if v := o.require("netuid"); v != nil {
			r.NetUID, netOK = p.listedSubnet(v, path+".netuid", byNetUID, "root has no neurons")
		}
		keyOK := false
		if v := o.require("hotkey"); v != nil {
			if r.Hotkey, keyOK = p.key(v, path+".hotkey"); keyOK && netOK {
				if !reg.hotkey[registration{r.NetUID, r.Hotkey}] {
					p.fail(v.pos, path+".hotkey", "hotkey %q is not a neuron of subnet %d (list it in state.neurons)",
						r.Hotkey, r.NetUID)
					keyOK = false
				}
			}
		}
		if v := o.require(field); v != nil {
			limit := -1 // uids are only checked against the u16 range when the subnet is unknown
			if netOK {
				limit = reg.count[r.NetUID]
			}
			r.Entries, _ = p.weightMap(v, path+"."+field, limit, r.NetUID, field)
		}
		if netOK && keyOK {
			k := registration{r.NetUID, r.Hotkey}
			if first, dup := seen[k]; dup {
				p.fail(item.pos, path, "duplicate %s row for hotkey %q on subnet %d (also at %s)",
					field, r.Hotkey, r.NetUID, first)
			} else {
				seen[k] = path
			}
		}
		o.done("")
		out = append(out, r)
	}
	return out
}

// listedSubnet reads a netuid that must name a subnet listed in state.subnets: root (0) is refused
// with rootReason, an unlisted netuid with the list to look in.
func (p *parser) listedSubnet(v *node, path string, byNetUID map[dtaod.NetUID]string, rootReason string) (dtaod.NetUID, bool) {
	id, ok := p.netuid(v, path, 0)
	switch {
	case !ok:
		return id, false
	case id == dtaod.Root:
		p.fail(v.pos, path, "must be a listed subnet, got 0 (%s)", rootReason)
		return id, false
	}
	if _, listed := byNetUID[id]; !listed {
		p.fail(v.pos, path, "subnet %d is not listed in state.subnets", id)
		return id, false
	}
	return id, true
}
