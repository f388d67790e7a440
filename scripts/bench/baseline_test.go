package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// TestWithBaseline: every scenario that runs dpone from PostgreSQL or
// files gets its @base twin right after it, running the baseline's
// binaries into the same target through the same manifest; pipes, loops,
// REST and Kafka scenarios do not.
func TestWithBaseline(t *testing.T) {
	sel := []scenario{{Name: "psql_pipe", Pipe: true}, {Name: "pg_to_pg", Source: "postgres", Sink: "postgres"},
		{Name: "duckdb_ctas", Sink: "duckdb"}, {Name: "files_to_duckdb", Source: "file", Sink: "duckdb"},
		{Name: "rest_to_duckdb", Source: "rest", Sink: "duckdb"}, {Name: "pg_to_kafka", Source: "postgres", Sink: "kafka"}}
	if got := withBaseline(sel, ""); !slices.Equal(names(got), names(sel)) {
		t.Errorf("no baseline: got %v", names(got))
	}
	got := withBaseline(sel, "/b/bin")
	want := []string{"psql_pipe", "pg_to_pg", "pg_to_pg@base", "duckdb_ctas", "files_to_duckdb", "files_to_duckdb@base", "rest_to_duckdb", "pg_to_kafka"}
	if !slices.Equal(names(got), want) {
		t.Fatalf("got %v, want %v", names(got), want)
	}
	twin, orig := got[2], got[1]
	if twin.Bin != "/b/bin" || orig.Bin != "" {
		t.Errorf("twin runs %q, original %q: want /b/bin and the checkout's", twin.Bin, orig.Bin)
	}
	if twin.targetTable("bench_src") != orig.targetTable("bench_src") ||
		manifest(twin, "bench_src") != manifest(orig, "bench_src") {
		t.Errorf("the twin loads %s with a manifest of its own: want the original's target and manifest", twin.targetTable("bench_src"))
	}
	if strings.Contains(manifest(twin, "bench_src"), baselineSuffix) {
		t.Error("the twin's manifest names the suffix")
	}
}

func names(s []scenario) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Name)
	}
	return out
}

// TestVsBaseline: the ratio of the medians and the median of the rounds'
// own ratios; a round both ran while the machine was busy counts once,
// as a ratio near one.
func TestVsBaseline(t *testing.T) {
	m := func(wall, cpu float64) measurement { return measurement{WallSecs: wall, TotalCPU: cpu} }
	r := &results{Results: []summary{
		{Scenario: "pg_to_pg", Rows: 5, All: []measurement{m(12, 20), m(18, 30), m(12.2, 20)}},
		{Scenario: "pg_to_pg@base", Rows: 5, All: []measurement{m(13, 21), m(19, 31), m(13.2, 21)}},
	}}
	for i := range r.Results {
		s := &r.Results[i]
		var w, c []float64
		for _, x := range s.All {
			w, c = append(w, x.WallSecs), append(c, x.TotalCPU)
		}
		s.WallSecs, s.TotalCPU = median(w), median(c)
	}
	r.finish()
	v := r.Results[0].VsBaseline
	if v == nil {
		t.Fatal("pg_to_pg has no comparison with its baseline twin")
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(v.Ratio, 12.2/13.2) || !near(v.RoundRatio, 12.2/13.2) || !near(v.CPURatio, 20.0/21) || !near(v.RoundCPURatio, 20.0/21) {
		t.Errorf("got %+v", *v)
	}
	if r.Results[1].VsBaseline != nil {
		t.Error("the twin is compared with a twin of its own")
	}
	if !strings.Contains(r.table(), "pg_to_pg                      5 vs pg_to_pg@base") {
		t.Errorf("the report does not print the comparison:\n%s", r.table())
	}
}
