package storetest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/dtaod/dtaod/pools"
	"github.com/dtaod/dtaod/store"
)

// TestRangeFields: rangeFields names every uint64 field (TAO, Alpha, Block, plain uint64) of
// what a store holds, except those that keep their whole range and the heights that must equal
// the block's; and every name it lists is a real field.
func TestRangeFields(t *testing.T) {
	fullRange := []string{"pools.SubnetRow.MovingPrice", "pools.SubnetRow.VolumeHi", "pools.SubnetRow.VolumeLo",
		"store.PoolSnapshot.MovingPrice", "store.PoolSnapshot.VolumeHi", "store.PoolSnapshot.VolumeLo"}
	blockHeights := []string{"store.BlockHeader.Height", "store.IncludedOrder.Block", "store.LedgerEntry.Block",
		"store.PoolSnapshot.Block"}
	listed := map[string]bool{}
	for _, f := range rangeFields {
		if listed[f.name] {
			t.Errorf("rangeFields lists %s twice", f.name)
		}
		listed[f.name] = true
		if (f.state == nil) == (f.block == nil) {
			t.Errorf("rangeFields: %s must set exactly one of state and block", f.name)
		}
	}
	found := map[string]bool{}
	for _, v := range []any{store.BlockHeader{}, store.Order{}, store.IncludedOrder{}, store.Receipt{},
		store.LedgerEntry{}, pools.Entry{}, store.PoolSnapshot{}, pools.Globals{}, pools.SubnetRow{},
		pools.BalanceRow{}, pools.PoolRow{}, pools.ShareRow{}, pools.NeuronRow{}} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if sf.Type.Kind() != reflect.Uint64 {
				continue
			}
			name := typ.String() + "." + sf.Name
			found[name] = true
			if !listed[name] && !slices.Contains(fullRange, name) && !slices.Contains(blockHeights, name) {
				t.Errorf("%s (%s) is neither in rangeFields nor known to keep its whole range", name, sf.Type)
			}
		}
	}
	for name := range listed {
		if !found[name] {
			t.Errorf("rangeFields lists %s, which is not a uint64 field", name)
		}
	}
}
