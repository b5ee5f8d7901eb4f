package node

import "testing"

func TestDevGenesisParses(t *testing.T) {
	g, err := ParseGenesis(DevGenesis(), "dtaod-dev")
	if err != nil {
		t.Fatal(err)
	}
	st, err := g.State()
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Subnets) != 8 || len(st.Free) != 4 {
		t.Fatalf("dev genesis: %d subnets, %d funded accounts", len(st.Subnets), len(st.Free))
	}
	for _, s := range st.Subnets {
		if len(s.Neurons) != 8 {
			t.Fatalf("netuid %d: %d neurons", s.NetUID, len(s.Neurons))
		}
	}
}
