package pools

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
)

// neuronFixture is a subnet with three neurons (uids 0-2) registered at blocks 10, 20, 30, with
// pruning scores 500, 100, 100, and room for max uids.
func neuronFixture(maxUIDs uint16) (*State, *dtaod.Params, *Subnet) {
	st, p := fixture()
	s := st.Subnet(1)
	s.MaxAllowedUIDs, s.MaxAllowedValidators = maxUIDs, 2
	s.Neurons = []Neuron{
		{Hotkey: "v0", Coldkey: "alice", RegisteredAt: 10, LastUpdate: 10, PruningScore: 500, ValidatorPermit: true},
		{Hotkey: "m1", Coldkey: "carol", RegisteredAt: 20, LastUpdate: 20, PruningScore: 100},
		{Hotkey: "m2", Coldkey: "carol", RegisteredAt: 30, LastUpdate: 30, PruningScore: 100},
	}
	return st, p, s
}

func TestRegisterNeuron(t *testing.T) {
	cases := []struct {
		name    string
		maxUIDs uint16
		height  dtaod.Block
		immune  uint64
		order   Order
		wantErr error
		wantUID uint16
	}{
		{"appends the next uid", 4, 5000, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 1}, nil, 3},
		// Full: m1 and m2 tie on score 100 outside immunity; m1 registered earlier is pruned.
		{"full: lowest score, earliest registered", 3, 5000, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 1}, nil, 1},
		// At block 4120 m1 (registered 20) is immune until 4116 only: not immune; m2 (30) is immune
		// until 4126, so m1 is still the one pruned; at 4110 both are immune, and v0 (10) is not:
		// v0 is pruned although its score is higher.
		{"full: immunity protects", 3, 4110, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 1}, nil, 0},
		{"full: all immune, lowest score among them", 3, 100, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 1}, nil, 1},
		{"already registered", 4, 5000, 4096, Order{Coldkey: "alice", Hotkey: "m1", NetUID: 1}, dtaod.ErrAlreadyRegistered, 0},
		{"unknown subnet", 4, 5000, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 9}, dtaod.ErrSubnetNotFound, 0},
		{"no slots", 0, 5000, 4096, Order{Coldkey: "alice", Hotkey: "new", NetUID: 1}, dtaod.ErrNoNeuronSlot, 0},
		{"cannot pay the burn", 4, 5000, 4096, Order{Coldkey: "nobody", Hotkey: "new", NetUID: 1}, dtaod.ErrInsufficientBalance, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, p, s := neuronFixture(tc.maxUIDs)
			p.ImmunityPeriod = tc.immune
			st.Height = tc.height
			before := st.Clone()
			o := tc.order
			o.Kind = RegisterNeuron
			r, err := st.Apply(p, &o)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !reflect.DeepEqual(st, before) {
					t.Fatalf("err %v (want %v), state changed: %v", err, tc.wantErr, !reflect.DeepEqual(st, before))
				}
				return
			}
			if err != nil || r.UID != tc.wantUID {
				t.Fatalf("uid %d err %v, want uid %d", r.UID, err, tc.wantUID)
			}
			n := s.Neurons[r.UID]
			if n.Hotkey != "new" || n.RegisteredAt != tc.height || n.Weights != nil || n.Bonds != nil || n.PruningScore != 0 {
				t.Fatalf("slot not reset: %+v", n)
			}
			if r.TAO != p.RegistrationBurn || st.Free["alice"] != before.Free["alice"]-p.RegistrationBurn ||
				st.TotalIssuance != before.TotalIssuance-p.RegistrationBurn {
				t.Fatalf("burn: receipt %d, free %d, issuance %d", r.TAO, st.Free["alice"], st.TotalIssuance)
			}
			if err := st.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSetWeights(t *testing.T) {
	w := func(pairs ...uint16) []Weight {
		var out []Weight
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Weight{UID: pairs[i], Value: pairs[i+1]})
		}
		return out
	}
	cases := []struct {
		name    string
		hotkey  string
		netuid  dtaod.NetUID
		weights []Weight
		height  dtaod.Block
		wantErr error
		want    []Weight // stored, max-upscaled and sorted
	}{
		// 1:3 max-upscales to 21845:65535 (65535*1/3 = 21845 exactly); given out of order.
		{"stores max-upscaled, sorted", "v0", 1, w(2, 3, 1, 1), 200, nil, w(1, 21845, 2, 65535)},
		{"rounds half up", "v0", 1, w(1, 1, 2, 2), 200, nil, w(1, 32768, 2, 65535)},
		{"not registered", "zz", 1, w(1, 1), 200, dtaod.ErrNotRegistered, nil},
		{"no permit", "m1", 1, w(2, 1), 200, dtaod.ErrNoValidatorPermit, nil},
		{"no permit, self weight only: allowed", "m1", 1, w(1, 7), 200, nil, w(1, 65535)},
		{"too many", "v0", 1, w(0, 1, 1, 1, 2, 1, 3, 1), 200, dtaod.ErrInvalidWeights, nil},
		{"rate limited", "v0", 1, w(1, 1), 109, dtaod.ErrRateLimited, nil},
		{"unknown uid", "v0", 1, w(1, 1, 5, 1), 200, dtaod.ErrInvalidUID, nil},
		{"duplicate uid", "v0", 1, w(1, 1, 1, 2), 200, dtaod.ErrInvalidWeights, nil},
		{"all zero", "v0", 1, w(1, 0, 2, 0), 200, dtaod.ErrInvalidWeights, nil},
		{"empty", "v0", 1, nil, 200, dtaod.ErrInvalidWeights, nil},
		{"unknown subnet", "v0", 9, w(1, 1), 200, dtaod.ErrSubnetNotFound, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, p, s := neuronFixture(4)
			st.Height = tc.height
			before := st.Clone()
			r, err := st.Apply(p, &Order{Kind: SetWeights, Hotkey: tc.hotkey, NetUID: tc.netuid, Weights: tc.weights})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !reflect.DeepEqual(st, before) {
					t.Fatalf("err %v (want %v), state changed: %v", err, tc.wantErr, !reflect.DeepEqual(st, before))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := s.Neurons[r.UID]
			if !reflect.DeepEqual(n.Weights, tc.want) || n.LastUpdate != tc.height {
				t.Fatalf("stored %v at %d, want %v at %d", n.Weights, n.LastUpdate, tc.want, tc.height)
			}
		})
	}
}

// TestLockCost: spec section 8 with the chain's numbers: the first lock is the minimum... then
// last x 2, decaying by last/interval per block, never below the minimum.
func TestLockCost(t *testing.T) {
	p := dtaod.DefaultParams()
	p.NetworkMinLock = 100 * dtaod.RaoPerTAO
	p.NetworkLockReductionInterval = 1000
	cases := []struct {
		name      string
		last      dtaod.TAO
		lastBlock dtaod.Block
		now       dtaod.Block
		want      dtaod.TAO
	}{
		{"never locked: the minimum", 0, 0, 50, 100 * dtaod.RaoPerTAO},
		{"no lock block yet: x1", 500 * dtaod.RaoPerTAO, 0, 0, 500 * dtaod.RaoPerTAO},
		{"just locked: x2", 500 * dtaod.RaoPerTAO, 10, 10, 1000 * dtaod.RaoPerTAO},
		// 100 blocks later: 1000 - 100 * 500/1000 = 950 TAO.
		{"decays linearly", 500 * dtaod.RaoPerTAO, 10, 110, 950 * dtaod.RaoPerTAO},
		{"floors at the minimum", 500 * dtaod.RaoPerTAO, 10, 10_000, 100 * dtaod.RaoPerTAO},
	}
	for _, tc := range cases {
		st := NewState()
		st.NetworkLastLock, st.NetworkLastLockBlock = tc.last, tc.lastBlock
		if got := st.LockCost(&p, tc.now); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestRegisterSubnet(t *testing.T) {
	st, p := fixture()
	p.NetworkMinLock = 100 * dtaod.RaoPerTAO
	st.NetworkLastLock, st.NetworkLastLockBlock = 300*dtaod.RaoPerTAO, 50
	st.Height = 50 // cost = 600 TAO
	before := st.Clone()
	r, err := st.Apply(p, &Order{Kind: RegisterSubnet, Coldkey: "alice", Hotkey: "own"})
	if err != nil {
		t.Fatal(err)
	}
	s := st.Subnet(r.NetUID)
	if r.NetUID != 6 || r.TAO != 600*dtaod.RaoPerTAO || s == nil {
		t.Fatalf("netuid %d, paid %d", r.NetUID, r.TAO)
	}
	if s.TAOIn != 100*dtaod.RaoPerTAO || uint64(s.AlphaIn) != 100*dtaod.RaoPerTAO || s.OwnerColdkey != "alice" ||
		len(s.Neurons) != 1 || s.Neurons[0].Hotkey != "own" || s.RegisteredAt != 50 {
		t.Fatalf("subnet %+v", s)
	}
	if st.TotalIssuance != before.TotalIssuance-500*dtaod.RaoPerTAO || st.Free["alice"] != before.Free["alice"]-600*dtaod.RaoPerTAO {
		t.Fatalf("the lock beyond the pool must be burned: issuance %d", st.TotalIssuance)
	}
	if st.NetworkLastLock != 600*dtaod.RaoPerTAO || st.NetworkLastLockBlock != 50 {
		t.Fatal("the lock is not recorded for the next cost")
	}
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	p.SubnetLimit = 6
	before = st.Clone()
	if _, err := st.Apply(p, &Order{Kind: RegisterSubnet, Coldkey: "alice", Hotkey: "x"}); !errors.Is(err, dtaod.ErrSubnetLimit) || !reflect.DeepEqual(st, before) {
		t.Fatalf("at the limit: %v", err)
	}
	p.SubnetLimit = 128
	if _, err := st.Apply(p, &Order{Kind: RegisterSubnet, Coldkey: "carol", Hotkey: "x"}); !errors.Is(err, dtaod.ErrInsufficientBalance) || !reflect.DeepEqual(st, before) {
		t.Fatalf("unaffordable: %v", err)
	}
}
