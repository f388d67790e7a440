package main

import "testing"

func TestMarkDisturbed(t *testing.T) {
	sel := []scenario{{Name: "psql_pipe", Pipe: true}, {Name: "psql_pipe_pk", Pipe: true}, {Name: "pg_to_pg"}}
	pipe := func(wall, cpu float64) measurement { return measurement{WallSecs: wall, TotalCPU: cpu} }
	for _, tc := range []struct {
		name  string
		pipes []measurement
		keyed []measurement // psql_pipe_pk; nil: as quiet as the pipe
		want  []bool
	}{
		{"quiet", []measurement{pipe(10.0, 17.7), pipe(10.2, 17.2), pipe(10.3, 18.0)}, nil, []bool{false, false, false}},
		{"slow wall", []measurement{pipe(10.0, 17.7), pipe(13.5, 18.0), pipe(10.3, 18.0)}, nil, []bool{false, true, false}},
		// The rounds of 2026-12-06 06:28: the second round's pipe was
		// within 1.3x of the fastest but needed 1.3x its CPU.
		{"slow cpu", []measurement{pipe(17.76, 29.1), pipe(15.31, 26.1), pipe(11.84, 20.4)}, nil, []bool{true, true, false}},
		{"no cpu measured", []measurement{pipe(10.0, 0), pipe(10.5, 0)}, nil, []bool{false, false}},
		// 2026-12-06 07:00: round 3's pipe was quiet (10.89 s, 18.0
		// CPU-s), its keyed pipe, run later, was not (25.3 CPU-s
		// against 19.8).
		{"busy later in the round", []measurement{pipe(10.69, 18.4), pipe(10.95, 18.6), pipe(10.89, 18.0)},
			[]measurement{pipe(13.66, 19.8), pipe(13.70, 20.1), pipe(15.12, 25.3)}, []bool{false, false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keyed := tc.keyed
			if keyed == nil {
				keyed = tc.pipes
			}
			dpone := make([]measurement, len(tc.pipes))
			all := [][]measurement{append([]measurement(nil), tc.pipes...), append([]measurement(nil), keyed...), dpone}
			markDisturbed(sel, all)
			for r, want := range tc.want {
				for i := range all {
					if got := all[i][r].Disturbed; got != want {
						t.Errorf("scenario %s round %d: disturbed %v, want %v", sel[i].Name, r+1, got, want)
					}
				}
			}
		})
	}
}

// TestLoopRoundsFlagged: the loops dpone's connectors are measured
// against (the same work every round) flag their round too: on
// 2026-12-06 the replay loop's third round took 23.29 s against
// 17.4–17.9 while the pipes stayed quiet, and its ratio went unflagged.
func TestLoopRoundsFlagged(t *testing.T) {
	for _, loop := range []string{"kafka_replay_loop", "kafka_replay_avro_loop", "kafka_consume_loop", "kafka_produce_loop",
		"rest_plain_loop", "duckdb_ctas", "clickhouse_native_client"} {
		sel := []scenario{{Name: "psql_pipe", Pipe: true}, {Name: loop}, {Name: "pg_to_kafka"}}
		m := func(wall, cpu float64) measurement { return measurement{WallSecs: wall, TotalCPU: cpu} }
		all := [][]measurement{
			{m(10.0, 17.7), m(10.2, 17.2), m(10.3, 18.0)},
			{m(17.4, 20.1), m(17.9, 20.4), m(23.29, 21.0)},
			{m(22.0, 30.0), m(22.6, 30.2), m(22.4, 30.1)},
		}
		markDisturbed(sel, all)
		for i := range all {
			for r, want := range []bool{false, false, true} {
				if got := all[i][r].Disturbed; got != want {
					t.Errorf("%s: scenario %s round %d: disturbed %v, want %v", loop, sel[i].Name, r+1, got, want)
				}
			}
		}
	}
}
