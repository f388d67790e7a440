package main

import "slices"

// disturbedFactor: a round whose pipe took longer than this many times the
// fastest pipe of the benchmark run (at the same size) ran on a busy
// machine; its runs are flagged, and ratios should be read with that.
const disturbedFactor = 1.3

// markDisturbed flags every run of a round whose psql pipe was slower than
// disturbedFactor × the fastest pipe among the rounds. all[i] holds the
// runs of sel[i], one per round, in round order.
func markDisturbed(sel []scenario, all [][]measurement) {
	pi := slices.IndexFunc(sel, func(s scenario) bool { return s.Name == "psql_pipe" })
	if pi < 0 || len(all[pi]) == 0 {
		return
	}
	fastest := all[pi][0].WallSecs
	for _, m := range all[pi] {
		fastest = min(fastest, m.WallSecs)
	}
	for r, m := range all[pi] {
		if m.WallSecs <= disturbedFactor*fastest {
			continue
		}
		for i := range all {
			if r < len(all[i]) {
				all[i][r].Disturbed = true
			}
		}
	}
}

// spread is the smallest and largest value.
func spread(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 0
	}
	return slices.Min(v), slices.Max(v)
}
