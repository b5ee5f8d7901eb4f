package pools

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dtaod/dtaod"
	"github.com/holiman/uint256"
)

// snapshotFields classifies every field of the types a snapshot captures: true means the
// snapshot carries it, false that it deliberately does not (with the reason in a comment). A
// field added to one of these types fails TestSnapshotCoversEveryField until it is classified
// here and, if true, carried by Snapshot, FromSnapshot, Hash and Diff.
var snapshotFields = map[reflect.Type]map[string]bool{
	reflect.TypeFor[State](): {
		"TotalIssuance": true, "RootTAO": true, "Subnets": true, "Free": true, "BurnShortfall": true,
		"UnnamedRoot": true, "byNet": true, "stakes": true, "taoOffset": true, "sealed": true, "Height": true,
		"NetworkLastLock": true, "NetworkLastLockBlock": true,
		// The journal is the engine's per-block buffer of ledger entries, not state.
		"Journaling": false, "Journal": false, "JournalInput": false,
	},
	reflect.TypeFor[Subnet](): {
		"NetUID": true, "TAOIn": true, "AlphaIn": true, "AlphaOut": true, "MovingPrice": true, "Tempo": true,
		"RegistrationAllowed": true, "OwnerColdkey": true, "OwnerHotkey": true, "RegisteredAt": true,
		"Neurons": true, "MaxAllowedUIDs": true, "MaxAllowedValidators": true, "VolumeHi": true, "VolumeLo": true,
		"PendingAlpha": true, "PendingOwnerCut": true, "PendingRootAlpha": true, "PendingRootTAO": true,
		"LastTAOInEmission": true, "LastAlphaInEmission": true, "LastAlphaOutEmission": true, "LastOwnerCut": true,
		"LastRootDivsTAO": true, "UnnamedStake": true,
	},
	reflect.TypeFor[Neuron](): {
		"Hotkey": true, "Coldkey": true, "RegisteredAt": true, "LastUpdate": true, "ValidatorPermit": true,
		"Weights": true, "Bonds": true, "Rank": true, "Trust": true, "Consensus": true, "Incentive": true,
		"Dividends": true, "ValidatorTrust": true, "PruningScore": true, "Active": true, "Emission": true,
		// A cache of st.stakes, refilled on first use.
		"alphaPool": false, "rootPool": false,
	},
	reflect.TypeFor[SharePool](): {"Value": true, "Denom": true, "Shares": true},
}

func TestSnapshotCoversEveryField(t *testing.T) {
	for typ, known := range snapshotFields {
		have := map[string]bool{}
		for f := range typ.Fields() {
			have[f.Name] = true
			if _, ok := known[f.Name]; !ok {
				t.Errorf("%s.%s is new: carry it in the snapshot (Snapshot, FromSnapshot, Hash, Diff, the row types) "+
					"or list it in snapshotFields as not state", typ.Name(), f.Name)
			}
		}
		for name := range known {
			if !have[name] {
				t.Errorf("snapshotFields lists %s.%s, which no longer exists", typ.Name(), name)
			}
		}
	}
	// The row types mirror their structs field for field (same names and types).
	mirror := func(row, of reflect.Type, extra, skip []string) {
		want := map[string]reflect.Type{}
		for f := range of.Fields() {
			if !slices.Contains(skip, f.Name) {
				want[f.Name] = f.Type
			}
		}
		for f := range row.Fields() {
			if slices.Contains(extra, f.Name) {
				continue
			}
			if wt, ok := want[f.Name]; !ok || wt != f.Type {
				t.Errorf("%s.%s (%s) has no field of that name and type in %s", row.Name(), f.Name, f.Type, of.Name())
			}
			delete(want, f.Name)
		}
		for name := range want {
			t.Errorf("%s.%s has no column in %s", of.Name(), name, row.Name())
		}
	}
	mirror(reflect.TypeFor[SubnetRow](), reflect.TypeFor[Subnet](), nil, []string{"Neurons"})
	mirror(reflect.TypeFor[NeuronRow](), reflect.TypeFor[Neuron](), []string{"NetUID", "UID"}, []string{"alphaPool", "rootPool"})
}

// snapFill sets every settable field of the struct v to a distinct non-zero value.
func snapFill(v reflect.Value) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch f.Kind() {
		case reflect.Uint16, reflect.Uint64:
			f.SetUint(uint64(i + 1))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.String:
			f.SetString(fmt.Sprint("s", i))
		case reflect.Array:
			for j := 0; j < f.Len(); j++ {
				f.Index(j).SetUint(uint64(i + j + 1))
			}
		case reflect.Slice:
			if f.Type() == reflect.TypeFor[[]Weight]() {
				f.Set(reflect.ValueOf([]Weight{{UID: uint16(i), Value: uint16(i + 1)}}))
			}
		}
	}
}

// Every field survives the row conversions both ways.
func TestSnapshotRowConvertersCoverEveryField(t *testing.T) {
	var sn Subnet
	snapFill(reflect.ValueOf(&sn).Elem())
	sn.Neurons = nil
	row := subnetRow(&sn)
	if back := subnetFromRow(&row); !reflect.DeepEqual(*back, sn) {
		t.Errorf("subnet round trip: %+v != %+v", *back, sn)
	}
	var nr Neuron
	snapFill(reflect.ValueOf(&nr).Elem())
	nrow := neuronRow(7, 3, &nr)
	if back := neuronFromRow(&nrow); !reflect.DeepEqual(back, nr) || nrow.NetUID != 7 || nrow.UID != 3 {
		t.Errorf("neuron round trip: %+v != %+v", back, nr)
	}
	var g Globals
	snapFill(reflect.ValueOf(&g).Elem())
	st := NewState()
	st.Height, st.TotalIssuance, st.RootTAO, st.BurnShortfall = g.Height, g.TotalIssuance, g.RootTAO, g.BurnShortfall
	st.UnnamedRoot, st.NetworkLastLock, st.NetworkLastLockBlock = g.UnnamedRoot, g.NetworkLastLock, g.NetworkLastLockBlock
	st.taoOffset, st.sealed = g.TAOOffset, true
	if got := st.Snapshot().Globals; got != g {
		t.Errorf("globals: %+v != %+v", got, g)
	}
}

// snapFixture is a small network with a row in every table:
//
//	subnets 1 and 3; balances alice, bob
//	pools (0, v0), (1, v0), (3, v1); shares (0, v0, carol), (1, v0, alice), (1, v0, bob), (3, v1, bob)
//	neurons (1, 0) v0 with weights and bonds, (1, 1) m1, (3, 0) v1
func snapFixture() *State {
	st := NewState()
	st.AddSubnet(&Subnet{NetUID: 1, TAOIn: 1e12, AlphaIn: 1e12, Tempo: 10, RegistrationAllowed: true, MaxAllowedUIDs: 4,
		OwnerColdkey: "alice", OwnerHotkey: "v0", MovingPrice: dtaod.FixedOne / 2, PendingAlpha: 77})
	st.AddSubnet(&Subnet{NetUID: 3, TAOIn: 5e11, AlphaIn: 2e12, Tempo: 360, UnnamedStake: 5, PendingRootTAO: 9})
	st.Subnet(1).AlphaOut, st.Subnet(3).AlphaOut = 77, 5
	stake := func(ck, hk string, n dtaod.NetUID, v uint64) {
		st.CreditStake(ck, hk, n, v)
		if n == dtaod.Root {
			st.RootTAO += dtaod.TAO(v)
		} else {
			st.Subnet(n).AlphaOut += dtaod.Alpha(v)
		}
	}
	stake("alice", "v0", 1, 3e9)
	stake("bob", "v0", 1, 2e9)
	stake("bob", "v1", 3, 1e9)
	stake("carol", "v0", dtaod.Root, 4e9)
	st.DistributeStake("v0", 1, 12345) // shares no longer 2^64 per unit
	st.Subnet(1).AlphaOut += 12345
	st.Free["alice"], st.Free["bob"] = 5e12, 7e9
	st.Subnet(1).Neurons = []Neuron{
		{Hotkey: "v0", Coldkey: "alice", ValidatorPermit: true, Weights: []Weight{{UID: 0, Value: 65535}, {UID: 1, Value: 100}}, Bonds: []Weight{{UID: 1, Value: 7}}, Active: true},
		{Hotkey: "m1", Coldkey: "bob", RegisteredAt: 5, Incentive: 65535},
	}
	st.Subnet(3).Neurons = []Neuron{{Hotkey: "v1", Coldkey: "bob", Emission: 42}}
	st.TotalIssuance = 21e15
	st.Height, st.NetworkLastLock, st.NetworkLastLockBlock = 1000, 2e9, 900
	st.Seal()
	if err := st.Check(); err != nil {
		panic(err)
	}
	return st
}

// refEncoding is the encoding documented on Hash, written out plainly (binary.Write field by
// field) to check the fast encoder against its documentation, including its buffer flushes.
func refEncoding(s *Snapshot) []byte {
	var b bytes.Buffer
	w := func(vs ...any) {
		for _, v := range vs {
			switch v := v.(type) {
			case string:
				binary.Write(&b, binary.BigEndian, uint32(len(v)))
				b.WriteString(v)
			case bool:
				binary.Write(&b, binary.BigEndian, v)
			case uint256.Int:
				x := v.Bytes32()
				b.Write(x[:])
			case []Weight:
				binary.Write(&b, binary.BigEndian, uint32(len(v)))
				for _, e := range v {
					binary.Write(&b, binary.BigEndian, e)
				}
			default:
				if err := binary.Write(&b, binary.BigEndian, v); err != nil {
					panic(err)
				}
			}
		}
	}
	g := s.Globals
	w("dtaod-state-v1", g.Height, g.TotalIssuance, g.RootTAO, g.BurnShortfall, g.UnnamedRoot, g.NetworkLastLock, g.NetworkLastLockBlock, g.TAOOffset)
	w(uint64(len(s.Subnets)))
	for _, r := range s.Subnets {
		w(r.NetUID, r.TAOIn, r.AlphaIn, r.AlphaOut, r.MovingPrice, r.Tempo, r.RegistrationAllowed, r.OwnerColdkey, r.OwnerHotkey,
			r.RegisteredAt, r.MaxAllowedUIDs, r.MaxAllowedValidators, r.VolumeHi, r.VolumeLo, r.PendingAlpha, r.PendingOwnerCut,
			r.PendingRootAlpha, r.PendingRootTAO, r.LastTAOInEmission, r.LastAlphaInEmission, r.LastAlphaOutEmission,
			r.LastOwnerCut, r.LastRootDivsTAO, r.UnnamedStake)
	}
	w(uint64(len(s.Balances)))
	for _, r := range s.Balances {
		w(r.Coldkey, r.Free)
	}
	w(uint64(len(s.Pools)))
	for _, r := range s.Pools {
		w(r.NetUID, r.Hotkey, r.Value, r.Denom)
	}
	w(uint64(len(s.Shares)))
	for i, r := range s.Shares {
		if i > 0 && r.NetUID == s.Shares[i-1].NetUID && r.Hotkey == s.Shares[i-1].Hotkey {
			w(true, r.Coldkey, r.Shares)
		} else {
			w(false, r.NetUID, r.Hotkey, r.Coldkey, r.Shares)
		}
	}
	w(uint64(len(s.Neurons)))
	for _, r := range s.Neurons {
		w(r.NetUID, r.UID, r.Hotkey, r.Coldkey, r.RegisteredAt, r.LastUpdate, r.ValidatorPermit, r.Weights, r.Bonds,
			r.Rank, r.Trust, r.Consensus, r.Incentive, r.Dividends, r.ValidatorTrust, r.PruningScore, r.Active, r.Emission)
	}
	if s.Params != nil {
		w("params", *s.Params) // binary.Write writes a struct's fields in order, without padding
	}
	return b.Bytes()
}

func TestSnapshotHashMatchesItsDocumentation(t *testing.T) {
	for name, s := range map[string]*Snapshot{
		"empty":    {},
		"fixture":  snapFixture().Snapshot(),
		"10k rows": snapBenchState(8, 1000, 10_000, 4).Snapshot(), // many buffer flushes
		"params":   snapWithParams(snapFixture().Snapshot(), dtaod.DefaultParams()),
	} {
		if got, want := s.Hash(), sha256.Sum256(refEncoding(s)); got != want {
			t.Errorf("%s: Hash %x, documented encoding hashes to %x", name, got, want)
		}
	}
}

// The fixture's hash is pinned: a change to the encoding must change hashVersion (and this).
func TestSnapshotHashGolden(t *testing.T) {
	const want = "a8c50c7104249fd5c5b69a356241ce0c87e297edc544f63580940358c76a4e9b"
	if got := snapFixture().Snapshot().Hash(); hex.EncodeToString(got[:]) != want {
		t.Fatalf("fixture hash %x, pinned %s: if the encoding changed on purpose, bump hashVersion and the pin", got, want)
	}
}

// (d) Changing any single field of any row (or of the globals) changes the hash and gives a
// non-empty Diff. Fields are found by reflection so a new one is covered without editing this.
func TestSnapshotHashCoversEveryField(t *testing.T) {
	base := snapFixture().Snapshot()
	h0 := base.Hash()
	check := func(name string, mut *Snapshot) {
		t.Helper()
		if mut.Hash() == h0 {
			t.Errorf("%s: hash unchanged", name)
		}
		if Diff(base, mut).Empty() {
			t.Errorf("%s: Diff is empty", name)
		}
	}
	tables := map[string]func(*Snapshot) reflect.Value{
		"Globals":  func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Globals).Elem() },
		"Subnets":  func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Subnets[0]).Elem() },
		"Balances": func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Balances[0]).Elem() },
		"Pools":    func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Pools[0]).Elem() },
		"Shares":   func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Shares[0]).Elem() },
		"Neurons":  func(s *Snapshot) reflect.Value { return reflect.ValueOf(&s.Neurons[0]).Elem() },
	}
	for table, row := range tables {
		typ := row(base).Type()
		for i := 0; i < typ.NumField(); i++ {
			name := table + "." + typ.Field(i).Name
			variants := 1
			if typ.Field(i).Type.Kind() == reflect.Slice {
				variants = 3 // append an entry, change one, drop all
			}
			for k := 0; k < variants; k++ {
				mut := base.Clone()
				f := row(mut).Field(i)
				switch f.Kind() {
				case reflect.Uint16, reflect.Uint64:
					f.SetUint(f.Uint() + 1)
				case reflect.Bool:
					f.SetBool(!f.Bool())
				case reflect.String:
					f.SetString(f.String() + "x")
				case reflect.Array:
					f.Index(0).SetUint(f.Index(0).Uint() ^ 1)
				case reflect.Slice:
					w := f.Interface().([]Weight)
					switch k {
					case 0:
						f.Set(reflect.ValueOf(append(w, Weight{UID: 3, Value: 1})))
					case 1:
						w[0].Value++
					case 2:
						f.SetZero()
					}
				default:
					t.Fatalf("%s: no mutation for kind %s", name, f.Kind())
				}
				check(fmt.Sprintf("%s (variant %d)", name, k), mut)
			}
		}
	}

	// Structure, not fields: the length prefixes and counts keep these apart.
	structural := []struct {
		name string
		mut  func(*Snapshot)
	}{
		{"hotkey/coldkey boundary", func(s *Snapshot) { s.Shares[0].Hotkey, s.Shares[0].Coldkey = "v0c", "arol" }},
		{"owner keys boundary", func(s *Snapshot) { s.Subnets[0].OwnerColdkey, s.Subnets[0].OwnerHotkey = "alicev", "0" }},
		{"weight moved to bonds", func(s *Snapshot) {
			n := &s.Neurons[0]
			n.Bonds, n.Weights = append(n.Bonds, n.Weights[1]), n.Weights[:1]
		}},
		{"share row leaves the pool of the row before", func(s *Snapshot) { s.Shares[2].Hotkey = "v0x" }},
		{"share row joins the pool of the row before", func(s *Snapshot) { s.Shares[3].NetUID, s.Shares[3].Hotkey = 1, "v0" }},
		{"share row on another netuid, same hotkey", func(s *Snapshot) { s.Shares[2].NetUID = 2 }},
		{"rows reordered", func(s *Snapshot) { s.Balances[0], s.Balances[1] = s.Balances[1], s.Balances[0] }},
		{"row dropped", func(s *Snapshot) { s.Shares = s.Shares[1:] }},
		{"zero row added", func(s *Snapshot) { s.Subnets = append(s.Subnets, SubnetRow{NetUID: 4}) }},
		{"row moved to the next table", func(s *Snapshot) {
			s.Pools = append(s.Pools, PoolRow{NetUID: 3, Hotkey: "zz"})
		}},
	}
	for _, tc := range structural {
		mut := base.Clone()
		tc.mut(mut)
		if mut.Hash() == h0 {
			t.Errorf("%s: hash unchanged", tc.name)
		}
	}

	// nil and empty slices are the same snapshot.
	mut := base.Clone()
	mut.Neurons[1].Weights, mut.Neurons[1].Bonds = []Weight{}, []Weight{}
	if mut.Hash() != h0 || !Diff(base, mut).Empty() {
		t.Errorf("empty weights hash or diff differently from nil")
	}
	if (&Snapshot{}).Hash() != (&Snapshot{Subnets: []SubnetRow{}, Shares: []ShareRow{}}).Hash() {
		t.Errorf("empty tables hash differently from nil")
	}
}

// (e) FromSnapshot rejects each malformed snapshot with an error naming the row and the reason.
func TestFromSnapshotRejects(t *testing.T) {
	cases := []struct {
		name string
		mut  func(s *Snapshot)
		want string
	}{
		{"subnets out of order", func(s *Snapshot) { s.Subnets[0], s.Subnets[1] = s.Subnets[1], s.Subnets[0] },
			"subnets[1] (netuid 1): out of order"},
		{"subnet duplicated", func(s *Snapshot) { s.Subnets[1].NetUID = 1 }, "subnets[1] (netuid 1): out of order or duplicated"},
		{"root as a subnet", func(s *Snapshot) { s.Subnets[0].NetUID = 0 }, "subnets[0] (netuid 0): root is not a subnet"},
		{"balances out of order", func(s *Snapshot) { s.Balances[0], s.Balances[1] = s.Balances[1], s.Balances[0] },
			`balances[1] (coldkey "alice"): out of order`},
		{"balance duplicated", func(s *Snapshot) { s.Balances[1].Coldkey = "alice" }, `balances[1] (coldkey "alice"): out of order or duplicated`},
		{"zero balance", func(s *Snapshot) { s.Balances[0].Free = 0 }, `balances[0] (coldkey "alice"): zero balance`},
		{"pools out of order", func(s *Snapshot) { s.Pools[1], s.Pools[2] = s.Pools[2], s.Pools[1] },
			`pools[2] (netuid 1, hotkey "v0"): out of order`},
		{"pool duplicated", func(s *Snapshot) { s.Pools = slices.Insert(s.Pools, 1, s.Pools[0]) },
			`pools[1] (netuid 0, hotkey "v0"): out of order or duplicated`},
		{"pool on a missing subnet", func(s *Snapshot) { s.Pools[2].NetUID, s.Shares[3].NetUID = 9, 9 },
			`pools[2] (netuid 9, hotkey "v1"): netuid 9 is not a subnet`},
		{"empty pool listed", func(s *Snapshot) { s.Pools = append(s.Pools, PoolRow{NetUID: 3, Hotkey: "zz"}) },
			`pools[3] (netuid 3, hotkey "zz"): empty pool`},
		{"shares out of order", func(s *Snapshot) { s.Shares[1], s.Shares[2] = s.Shares[2], s.Shares[1] },
			`shares[2] (netuid 1, hotkey "v0", coldkey "alice"): out of order`},
		{"share duplicated", func(s *Snapshot) { s.Shares[2].Coldkey = "alice" },
			`shares[2] (netuid 1, hotkey "v0", coldkey "alice"): out of order or duplicated`},
		{"share on a missing subnet", func(s *Snapshot) { s.Shares[3].NetUID = 9 },
			`shares[3] (netuid 9, hotkey "v1", coldkey "bob"): netuid 9 is not a subnet`},
		{"share without its pool", func(s *Snapshot) { s.Shares[3].Hotkey = "v2" },
			`shares[3] (netuid 3, hotkey "v2", coldkey "bob"): no pool row for (netuid 3, hotkey "v2")`},
		{"zero shares", func(s *Snapshot) { s.Shares[0].Shares.Clear() }, `shares[0] (netuid 0, hotkey "v0", coldkey "carol"): zero shares`},
		{"shares off the denominator", func(s *Snapshot) { s.Shares[1].Shares.AddUint64(&s.Shares[1].Shares, 1) },
			`pools[1] (netuid 1, hotkey "v0"): shares sum to`},
		{"pool without its shares", func(s *Snapshot) { s.Shares = s.Shares[:3] }, `pools[2] (netuid 3, hotkey "v1"): shares sum to 0`},
		{"neurons out of order", func(s *Snapshot) { s.Neurons[1], s.Neurons[2] = s.Neurons[2], s.Neurons[1] },
			"neurons[2] (netuid 1, uid 1): out of order"},
		{"neuron duplicated", func(s *Snapshot) { s.Neurons[1].UID = 0 }, "neurons[1] (netuid 1, uid 0): out of order or duplicated"},
		{"neuron on a missing subnet", func(s *Snapshot) { s.Neurons[2].NetUID = 9 }, "neurons[2] (netuid 9, uid 0): netuid 9 is not a subnet"},
		{"neuron on root", func(s *Snapshot) { s.Neurons = slices.Insert(s.Neurons, 0, NeuronRow{Hotkey: "r"}) },
			"neurons[0] (netuid 0, uid 0): netuid 0 is not a subnet"},
		{"uid gap", func(s *Snapshot) { s.Neurons[1].UID = 2 }, "neurons[1] (netuid 1, uid 2): expected uid 1"},
		{"uids not from 0", func(s *Snapshot) { s.Neurons[2].UID = 1 }, "neurons[2] (netuid 3, uid 1): expected uid 0"},
		{"alpha not conserved", func(s *Snapshot) { s.Subnets[0].AlphaOut++ }, "fails its check: netuid 1: alpha_out"},
		{"TAO not conserved", func(s *Snapshot) { s.Globals.TAOOffset.AddUint64(&s.Globals.TAOOffset, 1) }, "fails its check: TAO not conserved"},
		{"root not conserved", func(s *Snapshot) { s.Globals.UnnamedRoot++ }, "fails its check: root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snapFixture().Snapshot()
			tc.mut(s)
			st, err := FromSnapshot(s)
			if err == nil || st != nil {
				t.Fatalf("accepted (state %v)", st != nil)
			}
			if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrBadSnapshot and %q", err, tc.want)
			}
		})
	}
	if _, err := FromSnapshot(nil); !errors.Is(err, ErrBadSnapshot) {
		t.Fatalf("nil snapshot: %v", err)
	}
	if _, err := FromSnapshot(snapFixture().Snapshot()); err != nil {
		t.Fatalf("the fixture itself: %v", err)
	}
}

// Apply refuses changes that do not fit the snapshot, and then changes nothing.
func TestSnapshotApplyRejects(t *testing.T) {
	cases := []struct {
		name string
		c    Changes
		want string
	}{
		{"delete of a missing balance", Changes{DeleteBalances: []string{"zed"}}, `delete of balances (coldkey "zed"), which does not exist`},
		{"delete of a missing pool", Changes{DeletePools: []PoolKey{{3, "v0"}}}, `delete of pools (netuid 3, hotkey "v0")`},
		{"delete of a missing share", Changes{DeleteShares: []ShareKey{{1, "v0", "carol"}}}, `delete of shares (netuid 1, hotkey "v0", coldkey "carol")`},
		{"delete of a missing neuron", Changes{DeleteNeurons: []NeuronKey{{1, 2}}}, "delete of neurons (netuid 1, uid 2)"},
		{"deleted twice", Changes{DeleteBalances: []string{"bob", "bob"}}, `balances (coldkey "bob") deleted twice`},
		{"upserted twice", Changes{Balances: []BalanceRow{{"zed", 1}, {"zed", 2}}}, `balances (coldkey "zed") upserted twice`},
		{"upserted and deleted", Changes{Balances: []BalanceRow{{"bob", 1}}, DeleteBalances: []string{"bob"}},
			`balances (coldkey "bob") both upserted and deleted`},
		{"all or nothing", Changes{Globals: &Globals{Height: 5}, Balances: []BalanceRow{{"zed", 1}},
			DeleteNeurons: []NeuronKey{{9, 0}}}, "delete of neurons (netuid 9, uid 0)"},
	}
	if s := snapFixture().Snapshot(); s.Apply(nil) != nil || s.Apply(&Changes{}) != nil || !reflect.DeepEqual(s, snapFixture().Snapshot()) {
		t.Fatalf("nil or empty changes changed something")
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := snapFixture().Snapshot()
			before := s.Clone()
			err := s.Apply(&tc.c)
			if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if !reflect.DeepEqual(s, before) {
				t.Fatalf("a failed Apply changed the snapshot")
			}
		})
	}
}

// Diff and Apply on the fixture by hand: each kind of change lands where it should.
func TestSnapshotDiffApplyTable(t *testing.T) {
	base := snapFixture().Snapshot()
	cases := []struct {
		name  string
		mut   func(s *Snapshot)
		check func(c *Changes) bool
	}{
		{"nothing", func(s *Snapshot) {}, (*Changes).Empty},
		{"globals", func(s *Snapshot) { s.Globals.Height++ }, func(c *Changes) bool { return c.Globals != nil && c.Globals.Height == 1001 }},
		{"subnet changed", func(s *Snapshot) { s.Subnets[1].Tempo = 1 }, func(c *Changes) bool { return len(c.Subnets) == 1 && c.Subnets[0].NetUID == 3 }},
		{"subnet added", func(s *Snapshot) { s.Subnets = append(s.Subnets, SubnetRow{NetUID: 7}) }, func(c *Changes) bool { return len(c.Subnets) == 1 }},
		{"balance added first", func(s *Snapshot) { s.Balances = slices.Insert(s.Balances, 0, BalanceRow{"aaron", 1}) },
			func(c *Changes) bool { return len(c.Balances) == 1 && len(c.DeleteBalances) == 0 }},
		{"balance deleted", func(s *Snapshot) { s.Balances = s.Balances[:1] }, func(c *Changes) bool { return slices.Equal(c.DeleteBalances, []string{"bob"}) }},
		{"share replaced and deleted", func(s *Snapshot) {
			s.Shares[1].Shares.AddUint64(&s.Shares[1].Shares, 1)
			s.Shares = slices.Delete(s.Shares, 2, 3)
		}, func(c *Changes) bool {
			return len(c.Shares) == 1 && c.Shares[0].Coldkey == "alice" && len(c.DeleteShares) == 1 && c.DeleteShares[0].Coldkey == "bob"
		}},
		{"pool deleted", func(s *Snapshot) { s.Pools = s.Pools[:2] }, func(c *Changes) bool { return c.DeletePools[0] == PoolKey{3, "v1"} }},
		{"neuron bonds", func(s *Snapshot) { s.Neurons[0].Bonds = nil }, func(c *Changes) bool { return len(c.Neurons) == 1 && c.Neurons[0].Bonds == nil }},
		{"neuron added", func(s *Snapshot) { s.Neurons = append(s.Neurons, NeuronRow{NetUID: 3, UID: 1}) }, func(c *Changes) bool { return len(c.Neurons) == 1 }},
		{"everything deleted", func(s *Snapshot) { s.Balances, s.Pools, s.Shares, s.Neurons = nil, nil, nil, nil }, func(c *Changes) bool {
			return len(c.DeleteBalances) == 2 && len(c.DeletePools) == 3 && len(c.DeleteShares) == 4 && len(c.DeleteNeurons) == 3
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			next := base.Clone()
			tc.mut(next)
			c := Diff(base, next)
			if !tc.check(c) {
				t.Fatalf("unexpected changes %+v", c)
			}
			got := base.Clone()
			if err := got.Apply(c); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, next) {
				t.Fatalf("Apply(Diff) = %+v, want %+v", got, next)
			}
		})
	}
}

// A state that was never sealed is snapshotted as if sealed now: its restored copy checks
// conservation from the current imbalance, and a second round trip changes nothing.
func TestSnapshotOfUnsealedState(t *testing.T) {
	st := snapFixture()
	st.sealed, st.taoOffset = false, uint256.Int{}
	st.TotalIssuance += 5 // an imbalance of its own
	s := st.Snapshot()
	if want := st.taoImbalance(); s.Globals.TAOOffset != want {
		t.Fatalf("TAOOffset %s, want the current imbalance %s", s.Globals.TAOOffset.Dec(), want.Dec())
	}
	restored, err := FromSnapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	if !restored.sealed || !reflect.DeepEqual(restored.Snapshot(), s) {
		t.Fatalf("restored state is not sealed at the snapshot's offset")
	}
	restored.TotalIssuance++
	if restored.Check() == nil {
		t.Fatalf("restored state does not check conservation")
	}
}
