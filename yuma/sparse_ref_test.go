package yuma

import (
	fp "github.com/dtaod/dtaod/fixedpoint"
)

// refEpoch is a literal, allocation-heavy transcription of run_epoch.rs `epoch` (the sparse
// version the chain runs) and of the sparse math.rs functions, written independently of the
// dense port. The property tests compare Epoch against it on random subnets.

type spRow []struct {
	j uint16
	v fp.I32F32
}

type refResult struct {
	rank, trust, consensus, incentive, dividends, vtrust []uint16
	server, validator                                    []fp.I32F32
	permits                                              []bool
	bonds                                                [][]WeightEntry
}

func refWeightedMedian(stake, score []fp.I32F32, part []int, minority, lo, hi fp.I32F32) fp.I32F32 {
	n := len(part)
	if n == 0 {
		return 0
	}
	if n == 1 {
		return score[part[0]]
	}
	pivot := score[part[n/2]]
	var loStake, hiStake fp.I32F32
	var lower, upper []int
	for _, idx := range part {
		if score[idx] == pivot {
			continue
		}
		if score[idx] < pivot {
			loStake = loStake.SaturatingAdd(stake[idx])
			lower = append(lower, idx)
		} else {
			hiStake = hiStake.SaturatingAdd(stake[idx])
			upper = append(upper, idx)
		}
	}
	if lo.SaturatingAdd(loStake) <= minority && minority < hi.SaturatingSub(hiStake) {
		return pivot
	} else if minority < lo.SaturatingAdd(loStake) && len(lower) > 0 {
		return refWeightedMedian(stake, score, lower, minority, lo, lo.SaturatingAdd(loStake))
	} else if hi.SaturatingSub(hiStake) <= minority && len(upper) > 0 {
		return refWeightedMedian(stake, score, upper, minority, hi.SaturatingSub(hiStake), hi)
	}
	return pivot
}

func refNormalize(x []fp.I32F32) {
	var s fp.I32F32
	for _, v := range x {
		s += v
	}
	if s == 0 {
		return
	}
	for i := range x {
		x[i] = x[i].SafeDiv(s)
	}
}

func refColNormalize(m []spRow, n int) {
	sum := make([]fp.I32F32, n)
	for _, r := range m {
		for _, e := range r {
			sum[e.j] = sum[e.j].SaturatingAdd(e.v)
		}
	}
	for _, r := range m {
		for k := range r {
			if sum[r[k].j] != 0 {
				r[k].v = r[k].v.SafeDiv(sum[r[k].j])
			}
		}
	}
}

func refMatmul(m []spRow, v []fp.I32F32, n int) []fp.I32F32 {
	out := make([]fp.I32F32, n)
	for i, r := range m {
		for _, e := range r {
			out[e.j] = out[e.j].SaturatingAdd(v[i].SaturatingMul(e.v))
		}
	}
	return out
}

func refEpoch(in *Input) refResult {
	n := in.N()
	inactive := make([]bool, n)
	for i, u := range in.LastUpdate {
		s := u + in.ActivityCutoff
		if s < u {
			s = ^uint64(0)
		}
		inactive[i] = s < in.Block
	}
	s64 := append([]fp.I64F64(nil), in.StakeWeight...)
	var sum64 fp.I64F64
	for _, v := range s64 {
		sum64 = sum64.Add(v)
	}
	stake := make([]fp.I32F32, n)
	for i := range s64 {
		if !sum64.IsZero() {
			s64[i] = s64[i].SafeDiv(sum64)
		}
		stake[i] = s64[i].SaturatingToI32F32()
	}
	// is_topk: stable ascending sort of indices by stake, clear the first n-k
	permits := make([]bool, n)
	for i := range permits {
		permits[i] = true
	}
	if k := int(in.MaxAllowedValidators); n >= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		for a := 1; a < n; a++ { // insertion sort is stable
			for b := a; b > 0 && stake[idx[b]] < stake[idx[b-1]]; b-- {
				idx[b], idx[b-1] = idx[b-1], idx[b]
			}
		}
		for _, i := range idx[:n-k] {
			permits[i] = false
		}
	}
	active := append([]fp.I32F32(nil), stake...)
	for i := range active {
		if inactive[i] || !in.ValidatorPermit[i] {
			active[i] = 0
		}
	}
	refNormalize(active)

	weights := make([]spRow, n)
	for i := 0; i < n; i++ {
		if !in.ValidatorPermit[i] {
			continue
		}
		for _, e := range in.Weights[i] {
			if int(e.UID) >= n || int(e.UID) == i || in.LastUpdate[i] <= in.BlockAtRegistration[e.UID] {
				continue
			}
			weights[i] = append(weights[i], struct {
				j uint16
				v fp.I32F32
			}{e.UID, fp.I32F32FromU16(e.Value)})
		}
		var s fp.I32F32
		for _, e := range weights[i] {
			s += e.v
		}
		if s > 0 {
			for k := range weights[i] {
				weights[i][k].v = weights[i][k].v.SafeDiv(s)
			}
		}
	}
	preranks := refMatmul(weights, active, n)
	kappa := fp.I32F32FromU16(in.Kappa).SafeDiv(fp.U16Max)

	var useStake []fp.I32F32
	for _, s := range active {
		if s > 0 {
			useStake = append(useStake, s)
		}
	}
	refNormalize(useStake)
	var stakeSum fp.I32F32
	for _, s := range useStake {
		stakeSum += s
	}
	minority := stakeSum.SaturatingSub(kappa)
	useScore := make([][]fp.I32F32, n)
	for c := range useScore {
		useScore[c] = make([]fp.I32F32, len(useStake))
	}
	k := 0
	for r := 0; r < n; r++ {
		if active[r] <= 0 {
			continue
		}
		for _, e := range weights[r] {
			useScore[e.j][k] = e.v
		}
		k++
	}
	consensus := make([]fp.I32F32, n)
	part := make([]int, len(useStake))
	for i := range part {
		part[i] = i
	}
	for c := 0; c < n; c++ {
		consensus[c] = refWeightedMedian(useStake, useScore[c], part, minority, 0, stakeSum)
	}
	clipped := make([]spRow, n)
	vtrust := make([]fp.I32F32, n)
	for i, r := range weights {
		for _, e := range r {
			if consensus[e.j] < e.v {
				if 0 < consensus[e.j] {
					clipped[i] = append(clipped[i], struct {
						j uint16
						v fp.I32F32
					}{e.j, consensus[e.j]})
				}
			} else {
				clipped[i] = append(clipped[i], e)
			}
		}
		for _, e := range clipped[i] {
			vtrust[i] += e.v
		}
	}
	ranks := refMatmul(clipped, active, n)
	trust := make([]fp.I32F32, n)
	for i := range trust {
		if preranks[i] != 0 {
			trust[i] = ranks[i].SafeDiv(preranks[i])
		}
	}
	refNormalize(ranks)
	incentive := ranks

	penalty := fp.I32F32FromU16(in.BondsPenalty).SafeDiv(fp.U16Max)
	wfb := make([][]fp.I32F32, n) // interpolate_sparse works on dense rows
	for i := 0; i < n; i++ {
		row1, row2 := make([]fp.I32F32, n), make([]fp.I32F32, n)
		for _, e := range weights[i] {
			row1[e.j] = e.v
		}
		for _, e := range clipped[i] {
			row2[e.j] = e.v
		}
		switch penalty {
		case 0:
			wfb[i] = row1
		case fp.I32F32One:
			wfb[i] = row2
		default:
			wfb[i] = make([]fp.I32F32, n)
			for j := range row1 {
				v := row1[j].SaturatingAdd(penalty.SaturatingMul(row2[j].SaturatingSub(row1[j])))
				if v > 0 {
					wfb[i][j] = v
				}
			}
		}
	}
	bonds := make([]spRow, n)
	for i := 0; i < n; i++ {
		for _, e := range in.Bonds[i] {
			if int(e.UID) >= n || in.LastUpdate[i] <= in.BlockAtRegistration[e.UID] {
				continue
			}
			bonds[i] = append(bonds[i], struct {
				j uint16
				v fp.I32F32
			}{e.UID, fp.I32F32FromU16(e.Value)})
		}
	}
	refColNormalize(bonds, n)
	delta := make([]spRow, n)
	for i := range wfb {
		for j, v := range wfb[i] {
			if v != 0 {
				delta[i] = append(delta[i], struct {
					j uint16
					v fp.I32F32
				}{uint16(j), v.SaturatingMul(active[i])})
			}
		}
	}
	refColNormalize(delta, n)
	alpha := emaAlpha(in.BondsMovingAverage)
	ema := make([]spRow, n)
	for i := 0; i < n; i++ {
		row := make([]fp.I32F32, n)
		for _, e := range delta[i] {
			row[e.j] = row[e.j].SaturatingAdd(alpha.SaturatingMul(e.v))
		}
		for _, e := range bonds[i] {
			row[e.j] = row[e.j].SaturatingAdd(fp.I32F32One.SaturatingSub(alpha).SaturatingMul(e.v))
		}
		for j, v := range row {
			if v > 0 {
				ema[i] = append(ema[i], struct {
					j uint16
					v fp.I32F32
				}{uint16(j), v})
			}
		}
	}
	refColNormalize(ema, n)
	dividends := make([]fp.I32F32, n)
	for i, r := range ema {
		for _, e := range r {
			dividends[i] = dividends[i].SaturatingAdd(incentive[e.j].SaturatingMul(e.v))
		}
	}
	refNormalize(dividends)

	var esum fp.I32F32
	for i := range incentive {
		esum += incentive[i].SaturatingAdd(dividends[i])
	}
	server, validator := append([]fp.I32F32(nil), incentive...), append([]fp.I32F32(nil), dividends...)
	if esum != 0 {
		for i := range server {
			server[i], validator[i] = server[i].SafeDiv(esum), validator[i].SafeDiv(esum)
		}
	} else {
		var as fp.I32F32
		for _, v := range active {
			as += v
		}
		if as == 0 {
			copy(validator, stake)
		} else {
			copy(validator, active)
		}
	}

	colMax := make([]fp.I32F32, n)
	for _, r := range ema {
		for _, e := range r {
			if colMax[e.j] < e.v {
				colMax[e.j] = e.v
			}
		}
	}
	res := refResult{server: server, validator: validator, permits: permits, bonds: make([][]WeightEntry, n)}
	for i := 0; i < n; i++ {
		switch {
		case permits[i]:
			res.bonds[i] = []WeightEntry{}
			for _, e := range ema[i] {
				v := e.v
				if colMax[e.j] != 0 {
					v = v.SafeDiv(colMax[e.j])
				}
				res.bonds[i] = append(res.bonds[i], WeightEntry{e.j, fp.FixedProportionToU16(v)})
			}
		case in.ValidatorPermit[i]:
			res.bonds[i] = []WeightEntry{}
		default:
			res.bonds[i] = append([]WeightEntry{}, in.Bonds[i]...)
		}
	}
	for _, p := range []struct {
		dst *[]uint16
		src []fp.I32F32
	}{{&res.rank, ranks}, {&res.trust, trust}, {&res.consensus, consensus}, {&res.incentive, incentive}, {&res.dividends, dividends}, {&res.vtrust, vtrust}} {
		*p.dst = make([]uint16, n)
		for i, v := range p.src {
			(*p.dst)[i] = fp.FixedProportionToU16(v)
		}
	}
	return res
}
