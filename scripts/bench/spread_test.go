package main

import "testing"

func TestMarkDisturbed(t *testing.T) {
	sel := []scenario{{Name: "psql_pipe", Pipe: true}, {Name: "pg_to_pg"}}
	pipe := func(wall, cpu float64) measurement { return measurement{WallSecs: wall, TotalCPU: cpu} }
	for _, tc := range []struct {
		name  string
		pipes []measurement
		want  []bool
	}{
		{"quiet", []measurement{pipe(10.0, 17.7), pipe(10.2, 17.2), pipe(10.3, 18.0)}, []bool{false, false, false}},
		{"slow wall", []measurement{pipe(10.0, 17.7), pipe(13.5, 18.0), pipe(10.3, 18.0)}, []bool{false, true, false}},
		// The rounds of 2026-12-06 06:28: the second round's pipe was
		// within 1.3x of the fastest but needed 1.3x its CPU.
		{"slow cpu", []measurement{pipe(17.76, 29.1), pipe(15.31, 26.1), pipe(11.84, 20.4)}, []bool{true, true, false}},
		{"no cpu measured", []measurement{pipe(10.0, 0), pipe(10.5, 0)}, []bool{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dpone := make([]measurement, len(tc.pipes))
			all := [][]measurement{append([]measurement(nil), tc.pipes...), dpone}
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
