package yuma

import (
	"fmt"
	"testing"
)

// Reproductions of subtensor pallets/subtensor/src/tests/epoch.rs. Setups mirror the Rust tests
// (registration block, stakes, the blocks weights are set at, the epochs run); the expected
// numbers are the tests' assert_eq! values. Where a test only asserts some outputs, the
// "trace" rows are the values the test's own comments record from the chain's log.

// test_1_graph: one neuron with a self-weight earns no rank, trust, consensus, incentive or
// dividends.
func TestChain1Graph(t *testing.T) {
	s := newSim([]uint64{1}, 0)
	s.setWeights(0, 1, []uint16{0}, []uint16{65535})
	out := s.epoch(1)
	for name, v := range map[string]uint16{"rank": out.Rank[0], "trust": out.Trust[0], "consensus": out.Consensus[0], "incentive": out.Incentive[0], "dividends": out.Dividends[0]} {
		expectU16(t, name, v, 0)
	}
}

// test_10_graph: ten neurons with stake 1 and self-weights only: the self-weights are masked,
// emission falls back to stake, 1e9 * floor(2^32/10)/2^32 = 99999999 each.
func TestChain10Graph(t *testing.T) {
	stakes := make([]uint64, 10)
	for i := range stakes {
		stakes[i] = 1
	}
	s := newSim(stakes, 0)
	for i := 0; i < 10; i++ {
		s.setWeights(i, 1, []uint16{uint16(i)}, []uint16{65535})
	}
	out := s.epoch(1)
	e := emission(out)
	for i := 0; i < 10; i++ {
		expectU16(t, "rank", out.Rank[i], 0)
		expectU16(t, "trust", out.Trust[i], 0)
		expectU16(t, "consensus", out.Consensus[i], 0)
		expectU16(t, "incentive", out.Incentive[i], 0)
		expectU16(t, "dividends", out.Dividends[i], 0)
		expectU64(t, fmt.Sprint("emission ", i), e[i], 99999999)
	}
}

// test_512_graph: 512 neurons, 64 validators of 328_125_000_000_000 rao set equal weights
// (u16::MAX/512 = 127, stored max-upscaled to 65535) on the 448 servers, with and without server
// self-weights, for each interleaving; three epochs at block 1.
func TestChain512Graph(t *testing.T) {
	const n, nv, stake = 512, 64, 328_125_000_000_000
	for interleave := 0; interleave < 3; interleave++ {
		for _, serverSelf := range []bool{false, true} {
			validators, servers := distributeNodes(nv, n, interleave)
			stakes := make([]uint64, n)
			for _, v := range validators {
				stakes[v] = stake
			}
			s := newSim(stakes, 0)
			s.in.MaxAllowedValidators = nv
			s.epoch(0) // first epoch sets the permits
			w := make([]uint16, len(servers))
			for i := range w {
				w[i] = 65535 / n
			}
			for _, v := range validators {
				s.setWeights(int(v), 1, servers, w)
			}
			if serverSelf {
				for _, sv := range servers {
					s.setWeights(int(sv), 1, []uint16{sv}, []uint16{65535})
				}
			}
			var out *Output
			for e := 0; e < 3; e++ {
				out = s.epoch(1)
			}
			em := emission(out)
			server, validator := int(servers[0]), int(validators[0])
			for _, v := range validators {
				expectU16(t, "validator rank", out.Rank[v], 0)
				expectU16(t, "validator trust", out.Trust[v], 0)
				expectU16(t, "validator consensus", out.Consensus[v], 0)
				expectU16(t, "validator incentive", out.Incentive[v], 0)
				expectU16(t, "validator dividends", out.Dividends[v], 1023) // floor(65535/64)
				expectU64(t, "validator emission", em[v], 7812500)          // 1e9/2/64
				expectU16(t, "bond on validator", s.bond(int(v), validator), 0)
				expectU16(t, "bond on server", s.bond(int(v), server), 65535)
			}
			for _, sv := range servers {
				expectU16(t, "server rank", out.Rank[sv], 146) // floor(65535/448)
				expectU16(t, "server trust", out.Trust[sv], 65535)
				expectU16(t, "server consensus", out.Consensus[sv], 146)
				expectU16(t, "server incentive", out.Incentive[sv], 146)
				expectU16(t, "server dividends", out.Dividends[sv], 0)
				expectU64(t, "server emission", em[sv], 1116071) // floor(1e9/2/448)
				expectU16(t, "server bond", s.bond(int(sv), server), 0)
			}
		}
	}
}

// distributeNodes is the test's distribute_nodes; interleave 2 (random in Rust) uses a fixed
// permutation here since the expected values do not depend on the order.
func distributeNodes(nv, n, interleave int) (validators, servers []uint16) {
	switch interleave {
	case 0:
		return seq(0, nv), seq(nv, n)
	case 1:
		for i := 0; i < n; i++ {
			if i%(n/nv) == 0 {
				validators = append(validators, uint16(i))
			} else {
				servers = append(servers, uint16(i))
			}
		}
		return
	}
	perm := make([]uint16, n)
	for i := range perm {
		perm[i] = uint16((i*7919 + 13) % n) // 7919 is prime, coprime with n
	}
	return perm[:nv], perm[nv:]
}

// test_bonds: 4 validators of stake 1..4 weight 4 servers 0.1..0.4; then one by one they switch to
// self-weights, then validator 3 weights server 4 only. Bonds penalty u16::MAX as the test sets.
func TestChainBonds(t *testing.T) {
	s := newSim([]uint64{1, 2, 3, 4, 0, 0, 0, 0}, 0)
	s.in.MaxAllowedValidators = 8
	s.epoch(0)
	for uid := 0; uid < 4; uid++ {
		s.setWeights(uid, 1, seq(4, 8), []uint16{65535 / 4, 65535 / 2, (65535 / 4) * 3, 65535})
	}
	steps := []struct {
		block    uint64
		before   func()
		col      int
		bonds    [4]uint16
		emission []uint64 // trace from the test's comments
	}{
		{1, nil, 4, [4]uint16{16383, 32767, 49151, 65535},
			[]uint64{49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272}},
		{2, func() { s.setWeights(0, 1, []uint16{0}, []uint16{65535}) }, 4, [4]uint16{14582, 32767, 49151, 65535},
			[]uint64{44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272}},
		{3, func() { s.setWeights(1, 2, []uint16{1}, []uint16{65535}) }, 4, [4]uint16{12603, 28321, 49151, 65535},
			[]uint64{40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272}},
		{4, func() { s.setWeights(2, 3, []uint16{2}, []uint16{65535}) }, 7, [4]uint16{12602, 28320, 49150, 65535},
			[]uint64{99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0}},
		{5, func() { s.setWeights(2, 4, []uint16{7}, []uint16{65535}) }, 7, [4]uint16{10951, 24609, 49150, 65535},
			[]uint64{36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000}},
		{6, nil, 7, [4]uint16{9559, 21482, 49150, 65535},
			[]uint64{32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000}},
		{7, nil, 7, [4]uint16{8376, 18824, 49150, 65535},
			[]uint64{29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		out := s.epoch(st.block)
		for v := 0; v < 4; v++ {
			expectU16(t, fmt.Sprintf("block %d bond[%d][%d]", st.block, v, st.col), s.bond(v, st.col), st.bonds[v])
		}
		e := emission(out)
		for i, want := range st.emission {
			expectU64(t, fmt.Sprintf("block %d emission[%d]", st.block, i), e[i], want)
		}
	}
}

// test_active_stake: two validators, two servers, stake 1 each; validator 1 goes inactive after
// the activity cutoff and comes back.
func TestChainActiveStake(t *testing.T) {
	s := newSim([]uint64{1, 1, 1, 1}, 0)
	s.in.MaxAllowedValidators = 4
	s.epoch(0)
	for uid := 0; uid < 2; uid++ {
		s.setWeights(uid, 1, seq(2, 4), []uint16{65535 / 2, 65535 / 2})
	}
	out := s.epoch(1)
	e := emission(out)
	for uid := 0; uid < 4; uid++ {
		if uid < 2 {
			expectU16(t, "dividends", out.Dividends[uid], 32767)
		}
		expectU64(t, "emission", e[uid], 250000000)
	}
	for v := 0; v < 2; v++ {
		expectU16(t, "bond on validator", s.bond(v, 0), 0)
		expectU16(t, "bond on validator", s.bond(v, 1), 0)
		expectU16(t, "bond on server", s.bond(v, 2), 65535)
		expectU16(t, "bond on server", s.bond(v, 3), 65535)
	}

	s.setWeights(0, 5002, seq(2, 4), []uint16{65535 / 2, 65535 / 2})
	out = s.epoch(5002) // uid 1: last update 1 + 5000 < 5002, inactive
	e = emission(out)
	expectU16(t, "dividends 0", out.Dividends[0], 36044)
	expectU64(t, "emission 0", e[0], 274999999)
	expectU16(t, "dividends 1", out.Dividends[1], 29490)
	expectU64(t, "emission 1", e[1], 224999999)
	for j := 2; j < 4; j++ {
		expectU16(t, "bond 0", s.bond(0, j), 65535)
		expectU16(t, "bond 1", s.bond(1, j), 53619)
	}

	s.setWeights(1, 5002, seq(2, 4), []uint16{65535 / 2, 65535 / 2})
	out = s.epoch(5003)
	e = emission(out)
	expectU16(t, "dividends 0", out.Dividends[0], 35716)
	expectU64(t, "emission 0", e[0], 272501132)
	expectU16(t, "dividends 1", out.Dividends[1], 29818)
	expectU64(t, "emission 1", e[1], 227498866)
	for j := 2; j < 4; j++ {
		expectU16(t, "bond 0", s.bond(0, j), 65535)
		expectU16(t, "bond 1", s.bond(1, j), 54712)
	}
}

// test_outdated_weights: server uid 3 is replaced at block 1; validator 1's weights and bonds on
// it are outdated, validator 0 updates its weights at block 2.
func TestChainOutdatedWeights(t *testing.T) {
	s := newSim([]uint64{1, 1, 1, 1}, 0)
	s.in.MaxAllowedValidators = 4
	s.epoch(0)
	for uid := 0; uid < 2; uid++ {
		s.setWeights(uid, 1, seq(2, 4), []uint16{2 * (65535 / 3), 65535 / 3})
	}
	for uid := 2; uid < 4; uid++ {
		s.setWeights(uid, 1, []uint16{uint16(uid)}, []uint16{65535})
	}
	if got := s.in.Weights[0][1].Value; got != 32768 { // 21845 * (65535/43690 = 1.5) = 32767.5, rounded up
		t.Fatalf("stored weight %d", got)
	}
	e := emission(s.epoch(1))
	for i, want := range []uint64{250000000, 250000000, 333331637, 166668361} { // trace
		expectU64(t, fmt.Sprint("block 1 emission ", i), e[i], want)
	}
	s.register(3, 1, 0)
	s.setWeights(0, 2, seq(2, 4), []uint16{2 * (65535 / 3), 65535 / 3})
	out := s.epoch(2)
	e = emission(out)
	expectU16(t, "dividends 0", out.Dividends[0], 32767)
	expectU64(t, "emission 0", e[0], 250000000)
	expectU16(t, "bond[0][2]", s.bond(0, 2), 65535)
	expectU16(t, "bond[0][3]", s.bond(0, 3), 65535)
	for i, want := range []uint64{250000000, 250000000, 500000000, 0} { // trace
		expectU64(t, fmt.Sprint("block 2 emission ", i), e[i], want)
	}
}

// test_zero_weights: no weights, only self-weights, outdated weights: the fallback pays all to
// the validator; fresh weights split the emission in half.
func TestChainZeroWeights(t *testing.T) {
	s := newSim([]uint64{1, 0}, 0)
	check := func(block uint64, want []uint64) {
		t.Helper()
		e := emission(s.epoch(block))
		for i := range want {
			expectU64(t, fmt.Sprintf("block %d emission %d", block, i), e[i], want[i])
		}
	}
	check(0, []uint64{1000000000, 0})
	s.setWeights(1, 1, []uint16{1}, []uint16{65535})
	check(1, []uint64{1000000000, 0})
	s.setWeights(0, 2, []uint16{1}, []uint16{65535})
	s.register(1, 2, 0)
	check(2, []uint64{1000000000, 0})
	s.setWeights(0, 3, []uint16{1}, []uint16{65535})
	check(3, []uint64{500000000, 500000000})
}

// test_validator_permits: the top-k stakes hold the permits, and lose them when servers stake
// more.
func TestChainValidatorPermits(t *testing.T) {
	for interleave := 0; interleave < 3; interleave++ {
		for _, nn := range [][2]int{{2, 1}, {4, 2}, {8, 4}} {
			n, nv := nn[0], nn[1]
			for assignment := 0; assignment <= 1; assignment++ {
				validators, servers := distributeNodes(nv, n, interleave)
				stake := make([]uint64, n)
				for _, v := range validators {
					stake[v] = 1
					if assignment == 1 {
						stake[v] = uint64(v) + uint64(n)
					}
				}
				for _, sv := range servers {
					if assignment == 1 {
						stake[sv] = uint64(sv)
					}
				}
				s := newSim(stake, 0)
				s.in.MaxAllowedValidators = uint16(nv)
				s.epoch(0)
				for _, v := range validators {
					if !s.in.ValidatorPermit[v] {
						t.Errorf("n=%d validator %d has no permit", n, v)
					}
				}
				for _, sv := range servers {
					if s.in.ValidatorPermit[sv] {
						t.Errorf("n=%d server %d has a permit", n, sv)
					}
					s.alpha[sv] += 2 * uint64(n)
				}
				s.epoch(1)
				for _, v := range validators {
					if s.in.ValidatorPermit[v] {
						t.Errorf("n=%d validator %d kept its permit", n, v)
					}
				}
				for _, sv := range servers {
					if !s.in.ValidatorPermit[sv] {
						t.Errorf("n=%d server %d got no permit", n, sv)
					}
				}
			}
		}
	}
}
