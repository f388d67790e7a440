package main

import "slices"

// disturbedFactor: a round whose pipe (or another of referenceScenarios)
// took longer than this many times its fastest run in the benchmark run
// (at the same size) ran on a busy machine; its runs are flagged, and
// ratios should be read with that.
const disturbedFactor = 1.3

// disturbedCPUFactor: a round whose pipe took more than this many times
// the least CPU any round's pipe took (psql and PostgreSQL, the same
// work every round) ran on a slowed machine, even when its wall time
// stayed under disturbedFactor: on 2026-12-06 the pipe's CPU went 17.6 →
// 22.9 → 26.0 s over three rounds while only the slowest round's wall
// was flagged. Quiet rounds stay within about 5% of each other.
const disturbedCPUFactor = 1.2

// referenceScenarios are the rounds' canaries: the same work every round,
// run at the round's start (psql_pipe) and later in it (psql_pipe_pk,
// right before the pg_to_pg scenarios), so a machine that turns busy
// in the middle of a round is seen too. The loops and clients dpone's
// other connectors are compared with are canaries as well: a round in
// which one of them was slow is flagged, with the ratio it gave.
var referenceScenarios = []string{"psql_pipe", "psql_pipe_pk", "duckdb_ctas", "rest_plain_loop",
	"kafka_produce_loop", "kafka_replay_loop", "kafka_replay_avro_loop", "kafka_consume_loop", "clickhouse_native_client"}

// markDisturbed flags every run of a round in which a reference scenario
// was slower than disturbedFactor × its fastest run among the rounds, or
// took more than disturbedCPUFactor × its least CPU. all[i] holds the
// runs of sel[i], one per round, in round order.
func markDisturbed(sel []scenario, all [][]measurement) {
	for _, name := range referenceScenarios {
		pi := slices.IndexFunc(sel, func(s scenario) bool { return s.Name == name })
		if pi < 0 || len(all[pi]) == 0 {
			continue
		}
		fastest, leastCPU := all[pi][0].WallSecs, all[pi][0].TotalCPU
		for _, m := range all[pi] {
			fastest, leastCPU = min(fastest, m.WallSecs), min(leastCPU, m.TotalCPU)
		}
		for r, m := range all[pi] {
			if m.WallSecs <= disturbedFactor*fastest && (leastCPU <= 0 || m.TotalCPU <= disturbedCPUFactor*leastCPU) {
				continue
			}
			for i := range all {
				if r < len(all[i]) {
					all[i][r].Disturbed = true
				}
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
