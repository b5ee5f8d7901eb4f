package pools

import (
	"reflect"
	"testing"

	"github.com/dtaod/dtaod"
)

// snapWithParams is s with Params set to p.
func snapWithParams(s *Snapshot, p dtaod.Params) *Snapshot {
	s.Params = &p
	return s
}

// TestSnapshotParams: Params are part of the hash (every field, and being set at all), of
// Diff and Apply (set, changed, back to the genesis params), and of Clone; a snapshot without
// params hashes as it always did (TestSnapshotHashGolden pins that).
func TestSnapshotParams(t *testing.T) {
	base := snapFixture().Snapshot()
	withP := snapWithParams(base.Clone(), dtaod.DefaultParams())
	if base.Hash() == withP.Hash() {
		t.Fatal("setting params does not change the hash")
	}
	zero := snapWithParams(base.Clone(), dtaod.Params{})
	if zero.Hash() == base.Hash() || zero.Hash() == withP.Hash() {
		t.Fatal("zero params hash like no params or like the defaults")
	}

	// Every field of Params changes the hash and gives a non-empty Diff.
	typ := reflect.TypeOf(dtaod.Params{})
	for i := 0; i < typ.NumField(); i++ {
		mut := withP.Clone()
		f := reflect.ValueOf(mut.Params).Elem().Field(i)
		switch f.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint64:
			f.SetUint(f.Uint() ^ 1)
		default:
			t.Fatalf("%s: no mutation for kind %s", typ.Field(i).Name, f.Kind())
		}
		name := "Params." + typ.Field(i).Name
		if mut.Hash() == withP.Hash() {
			t.Errorf("%s: hash unchanged", name)
		}
		c := Diff(withP, mut)
		if c.Empty() || c.Params == nil || c.Params.To == nil || *c.Params.To != *mut.Params {
			t.Errorf("%s: Diff %+v", name, c.Params)
		}
	}

	// Diff and Apply: set, change, reset to genesis, unchanged.
	changed := dtaod.DefaultParams()
	changed.StakingFee = 7
	steps := []struct {
		name string
		to   *dtaod.Params
	}{
		{"set", &dtaod.Params{}},
		{"changed", &changed},
		{"unchanged", &changed},
		{"back to genesis", nil},
		{"still genesis", nil},
	}
	prev := base.Clone()
	for _, s := range steps {
		next := prev.Clone()
		next.Params = copyParams(s.to)
		next.Globals.Height++
		c := Diff(prev, next)
		if unchanged := paramsEqual(prev.Params, next.Params); unchanged != (c.Params == nil) {
			t.Fatalf("%s: Diff params %+v (unchanged %v)", s.name, c.Params, unchanged)
		}
		got := prev.Clone()
		if err := got.Apply(c); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, next) || got.Hash() != next.Hash() {
			t.Fatalf("%s: Apply(Diff) gives params %v, want %v", s.name, got.Params, next.Params)
		}
		if c.Params != nil && c.Params.To != nil {
			c.Params.To.StakingFee++ // the applied snapshot keeps its own copy
			if *got.Params == *c.Params.To {
				t.Fatalf("%s: Apply shares the change's params", s.name)
			}
		}
		prev = next
	}

	// Clone copies the params; the state ignores them.
	c := withP.Clone()
	c.Params.StakingFee++
	if withP.Params.StakingFee == c.Params.StakingFee {
		t.Fatal("Clone shares Params")
	}
	st, err := FromSnapshot(withP)
	if err != nil {
		t.Fatal(err)
	}
	if st.Snapshot().Params != nil || st.Snapshot().Hash() != base.Hash() {
		t.Fatal("a state rebuilt from a snapshot with params should snapshot without them")
	}
	if !Diff(base, base.Clone()).Empty() {
		t.Fatal("equal snapshots have a non-empty Diff")
	}
}
