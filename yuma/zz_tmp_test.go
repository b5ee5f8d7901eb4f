package yuma

import "testing"

func BenchmarkTmpMedian(b *testing.B) {
	in := benchInput()
	var out Output
	Epoch(in, &out)
	ws := &out.ws
	C := len(ws.cols)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		weightedMedianCol(out.ActiveStakeFixed, ws.rowOf, ws.w, len(in.StakeWeight), 1, C, 1<<31, ws.cons, &ws.med)
	}
}

func TestTmpCount(t *testing.T) {
	in := benchInput()
	var out Output
	Epoch(in, &out)
	ws := &out.ws
	sc := &ws.med
	k := len(sc.stake)
	steps, rounds := 0, 0
	n := len(in.StakeWeight)
	for c := 0; c < len(ws.cols); c++ {
		for p, r := range sc.rows {
			sc.keys[p] = uint64(ws.w[int(r)*n+c])<<keyBits | uint64(p)
		}
		cur, other := &sc.keys, &sc.keysTmp
		m := k
		var lo, hi = int64(0), int64(Sum(sc.stake))
		minority := int64(Sum(sc.stake)) - int64(1<<31)
		for m > 1 {
			rounds++
			steps += m
			pk := cur[m/2]
			a, cc := cur[0], cur[m-1]
			if a > pk { a, pk = pk, a }
			pk = max(a, min(pk, cc))
			pk &^= 255
			nl, nu := 0, 0
			var ls, hs int64
			for _, e := range cur[:m] {
				if e < pk { other[nl] = e; nl++; ls += int64(sc.keyStake[e&255]) } else if e > pk|255 { cur[nu] = e; nu++; hs += int64(sc.keyStake[e&255]) }
			}
			le, he := lo+ls, hi-hs
			if le <= minority && minority < he { break }
			if minority < le { hi = le; cur, other = other, cur; m = nl } else { lo = he; m = nu }
		}
	}
	t.Logf("k=%d cols=%d rounds/col=%.2f steps/col=%.1f", k, len(ws.cols), float64(rounds)/256, float64(steps)/256)
}
