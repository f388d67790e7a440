package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// results is what .dpone/bench/bench-<time>.json holds.
type results struct {
	Date      string `json:"date"`
	Commit    string `json:"commit"`
	CPUs      int    `json:"cpus"`
	PGVersion string `json:"postgres_version"`
	Setup     string `json:"setup"`
	// PGSettings are the server's settings that bear on bulk loads, read
	// once: every scenario, the psql pipe and dpone alike, runs against
	// this one server with these settings.
	PGSettings string `json:"postgres_settings"`
	Rows       int64  `json:"rows"`
	Runs       int    `json:"runs"`
	// CopyBytes is the size of bench_src's binary COPY stream; MB/s
	// divides it (scaled to the row count) by the wall time.
	CopyBytes int64 `json:"copy_bytes"`
	// Baseline is BENCH_BASELINE: the build the @base twins ran.
	Baseline string    `json:"baseline,omitempty"`
	Results  []summary `json:"results"`
	// RSSScaling compares the peak RSS of host+plugins at two table sizes.
	RSSScaling []scaling `json:"rss_scaling,omitempty"`
}

// summary is one scenario at one size: medians of its runs.
type summary struct {
	Scenario   string     `json:"scenario"`
	Source     string     `json:"source,omitempty"`
	Rows       int64      `json:"rows"`
	WallSecs   float64    `json:"median_wall_s"`
	RowsPerSec float64    `json:"rows_per_s"`
	MBPerSec   float64    `json:"mb_per_s"`
	Ratio      float64    `json:"ratio_to_psql_pipe"`
	HostPeakMB float64    `json:"host_peak_rss_mb"`
	Plugins    []procPeak `json:"plugins_peak_rss_mb"`
	TotalMB    float64    `json:"total_peak_rss_mb"`
	HostCPU    float64    `json:"host_cpu_s"`
	PluginCPU  float64    `json:"plugins_cpu_s"`
	// MinWall and MaxWall are the spread of the runs' wall times.
	MinWall float64 `json:"min_wall_s"`
	MaxWall float64 `json:"max_wall_s"`
	// ClientCPU, ServerCPU and TotalCPU are medians over the runs (see
	// measurement); CPURatio is TotalCPU over the pipe's.
	ClientCPU float64 `json:"median_client_cpu_s"`
	ServerCPU float64 `json:"median_server_cpu_s"`
	TotalCPU  float64 `json:"median_total_cpu_s"`
	CPURatio  float64 `json:"cpu_ratio_to_psql_pipe"`
	// RatioPK and CPURatioPK compare a scenario loading a PostgreSQL
	// table that gets a primary key (pg_to_pg*, files_to_pg: the source
	// has one) with psql_pipe_pk, the pipe doing the same work.
	RatioPK    float64 `json:"ratio_to_psql_pipe_pk,omitempty"`
	CPURatioPK float64 `json:"cpu_ratio_to_psql_pipe_pk,omitempty"`
	// BrokerCPU is the median of the Kafka broker's CPU seconds (part of
	// ServerCPU; Kafka scenarios).
	BrokerCPU float64 `json:"median_broker_cpu_s,omitempty"`
	// Loops compare a Kafka scenario with the client's own loops at the
	// same size (kafkaLoops).
	Loops []loopRatio `json:"loop_ratios,omitempty"`
	// VsBaseline compares the scenario with its @base twin (BENCH_BASELINE).
	VsBaseline *baselineRatio `json:"vs_baseline,omitempty"`
	// ExtendShare is the median share of the target's COPY backend samples
	// waiting on the relation extension lock (PostgreSQL sinks).
	ExtendShare float64 `json:"median_extend_lock_share,omitempty"`
	// Disturbed counts runs in rounds flagged as disturbed.
	Disturbed int `json:"disturbed_runs,omitempty"`
	// Failed counts runs that failed (merge scenarios only; see
	// measurement.Failed).
	Failed int           `json:"failed_runs,omitempty"`
	All    []measurement `json:"runs"`
}

// loopRatio is a scenario's wall and total CPU over a client loop's.
type loopRatio struct {
	Loop     string  `json:"loop"`
	Ratio    float64 `json:"ratio"`
	CPURatio float64 `json:"cpu_ratio"`
}

// baselineRatio is a scenario over its baseline twin: the ratio of the
// medians, and the median of the rounds' own ratios (each round ran both,
// one right after the other, so a busy round weighs on both alike).
type baselineRatio struct {
	Ratio         float64 `json:"ratio"`
	CPURatio      float64 `json:"cpu_ratio"`
	RoundRatio    float64 `json:"median_round_ratio"`
	RoundCPURatio float64 `json:"median_round_cpu_ratio"`
}

// vsBaseline compares s with its twin base.
func vsBaseline(s, base summary) *baselineRatio {
	if base.WallSecs <= 0 || base.TotalCPU <= 0 {
		return nil
	}
	v := &baselineRatio{Ratio: s.WallSecs / base.WallSecs, CPURatio: s.TotalCPU / base.TotalCPU}
	var walls, cpus []float64
	for r := range min(len(s.All), len(base.All)) {
		if b := base.All[r]; b.WallSecs > 0 && b.TotalCPU > 0 {
			walls = append(walls, s.All[r].WallSecs/b.WallSecs)
			cpus = append(cpus, s.All[r].TotalCPU/b.TotalCPU)
		}
	}
	if len(walls) > 0 {
		v.RoundRatio, v.RoundCPURatio = median(walls), median(cpus)
	}
	return v
}

// kafkaLoops are the client loops each Kafka scenario compares with.
var kafkaLoops = map[string][]string{
	"pg_to_kafka":      {"kafka_produce_loop", "kafka_replay_loop"},
	"pg_to_kafka_avro": {"kafka_produce_loop", "kafka_replay_avro_loop"},
	"kafka_to_pg":      {"kafka_consume_loop"},
}

type scaling struct {
	Scenario  string  `json:"scenario"`
	SmallRows int64   `json:"small_rows"`
	SmallMB   float64 `json:"small_total_peak_rss_mb"`
	Rows      int64   `json:"rows"`
	MB        float64 `json:"total_peak_rss_mb"`
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// add summarises the runs of s at n rows. Peaks are the maximum over runs;
// times are medians.
func (r *results) add(s scenario, n int64, ms []measurement) {
	sum := summary{Scenario: s.Name, Source: s.Source, Rows: n, All: ms}
	var walls, hcpu, pcpu, ccpu, scpu, tcpu, bcpu, ext []float64
	peaks := map[string]float64{}
	for _, m := range ms {
		if m.Failed != "" {
			sum.Failed++
		}
		if m.Disturbed {
			sum.Disturbed++
		}
		walls, hcpu = append(walls, m.WallSecs), append(hcpu, m.HostCPU)
		ccpu, scpu, tcpu = append(ccpu, m.ClientCPU), append(scpu, m.ServerCPU), append(tcpu, m.TotalCPU)
		ext, bcpu = append(ext, m.ExtendShare), append(bcpu, m.BrokerCPU)
		sum.HostPeakMB = max(sum.HostPeakMB, m.HostPeakMB)
		total, cpu := m.HostPeakMB, 0.0
		byName := map[string]float64{}
		for _, p := range m.Procs {
			byName[p.Name] += p.PeakMB
			total += p.PeakMB
			cpu += p.CPUSecs
		}
		for k, v := range byName {
			peaks[k] = max(peaks[k], v)
		}
		pcpu = append(pcpu, cpu)
		sum.TotalMB = max(sum.TotalMB, total)
	}
	for _, k := range slices.Sorted(maps.Keys(peaks)) {
		sum.Plugins = append(sum.Plugins, procPeak{Name: k, PeakMB: peaks[k]})
	}
	sum.WallSecs, sum.HostCPU, sum.PluginCPU = median(walls), median(hcpu), median(pcpu)
	sum.MinWall, sum.MaxWall = spread(walls)
	sum.ClientCPU, sum.ServerCPU, sum.TotalCPU = median(ccpu), median(scpu), median(tcpu)
	sum.ExtendShare, sum.BrokerCPU = median(ext), median(bcpu)
	sum.RowsPerSec = float64(n) / sum.WallSecs
	sum.MBPerSec = float64(r.CopyBytes) * float64(n) / float64(r.Rows) / 1e6 / sum.WallSecs
	r.Results = append(r.Results, sum)
}

// finish fills the ratios to the pipe and the RSS comparison.
func (r *results) finish() {
	r.Date, r.CPUs = time.Now().UTC().Format("2006-01-02"), runtime.NumCPU()
	pipe, pipeCPU := map[int64]float64{}, map[int64]float64{}
	for _, s := range r.Results {
		if s.Scenario == "psql_pipe" {
			pipe[s.Rows], pipeCPU[s.Rows] = s.WallSecs, s.TotalCPU
		}
	}
	pk, pkCPU := map[int64]float64{}, map[int64]float64{}
	for _, s := range r.Results {
		if s.Scenario == "psql_pipe_pk" {
			pk[s.Rows], pkCPU[s.Rows] = s.WallSecs, s.TotalCPU
		}
	}
	byName := map[string]summary{}
	for _, s := range r.Results {
		byName[fmt.Sprint(s.Scenario, "/", s.Rows)] = s
	}
	for i := range r.Results {
		s := &r.Results[i]
		if base, ok := byName[fmt.Sprint(s.Scenario, baselineSuffix, "/", s.Rows)]; ok {
			s.VsBaseline = vsBaseline(*s, base)
		}
		for _, name := range kafkaLoops[s.Scenario] {
			if l, ok := byName[fmt.Sprint(name, "/", s.Rows)]; ok && l.WallSecs > 0 && l.TotalCPU > 0 {
				s.Loops = append(s.Loops, loopRatio{Loop: name, Ratio: s.WallSecs / l.WallSecs, CPURatio: s.TotalCPU / l.TotalCPU})
			}
		}
	}
	for i := range r.Results {
		if s := &r.Results[i]; strings.HasPrefix(s.Scenario, "pg_to_pg") && pk[s.Rows] > 0 && pkCPU[s.Rows] > 0 {
			s.RatioPK, s.CPURatioPK = s.WallSecs/pk[s.Rows], s.TotalCPU/pkCPU[s.Rows]
		}
		if p := pipe[r.Results[i].Rows]; p > 0 {
			r.Results[i].Ratio = r.Results[i].WallSecs / p
		}
		if p := pipeCPU[r.Results[i].Rows]; p > 0 {
			r.Results[i].CPURatio = r.Results[i].TotalCPU / p
		}
	}
	for _, big := range r.Results {
		if big.Rows != r.Rows || big.Scenario == "psql_pipe" {
			continue
		}
		for _, small := range r.Results {
			if small.Scenario == big.Scenario && small.Rows < big.Rows {
				r.RSSScaling = append(r.RSSScaling, scaling{Scenario: big.Scenario, SmallRows: small.Rows, SmallMB: small.TotalMB, Rows: big.Rows, MB: big.TotalMB})
			}
		}
	}
}

func (r *results) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\ndpone bench  %s  commit %s  PostgreSQL %s  %d CPUs  median of %d interleaved runs (spread min-max)\n", r.Date, r.Commit, r.PGVersion, r.CPUs, r.Runs)
	fmt.Fprintf(&b, "one PostgreSQL server for every scenario (the psql pipe and dpone alike): %s\n", r.PGSettings)
	fmt.Fprintf(&b, "cpu s = every process: the command's tree (dpone host + plugins, or psql) + the servers: PostgreSQL (backends and background) and, in Kafka scenarios, the broker\n")
	fmt.Fprintf(&b, "%-22s %8s %7s %13s %10s %6s %7s %16s %6s %7s %-34s %8s %s\n", "scenario", "rows", "wall s", "spread s", "rows/s", "MB/s", "ratio",
		"cpu s (cl+srv)", "total", "cpu x", "peak RSS MB (host, plugins)", "total MB", "")
	for _, s := range r.Results {
		var pl []string
		for _, p := range s.Plugins {
			pl = append(pl, fmt.Sprintf("%s=%.0f", strings.TrimPrefix(p.Name, "dpone-connector-"), p.PeakMB))
		}
		procs := fmt.Sprintf("host=%.0f %s", s.HostPeakMB, strings.Join(pl, " "))
		if s.Source == "" { // the pipe, duckdb-ctas: the command and its children
			procs = strings.TrimSpace(fmt.Sprintf("cmd=%.0f %s", s.HostPeakMB, strings.Join(pl, " ")))
		}
		var flags []string
		if s.ExtendShare > 0 {
			flags = append(flags, fmt.Sprintf("COPY waits on extend lock %.0f%%", 100*s.ExtendShare))
		}
		if s.Disturbed > 0 {
			flags = append(flags, fmt.Sprintf("%d of %d runs DISTURBED", s.Disturbed, len(s.All)))
		}
		if s.BrokerCPU > 0 {
			flags = append(flags, fmt.Sprintf("broker %.1f cpu-s", s.BrokerCPU))
		}
		if s.Failed > 0 {
			flags = append(flags, fmt.Sprintf("%d of %d runs FAILED", s.Failed, len(s.All)))
		}
		fmt.Fprintf(&b, "%-22s %8d %7.2f %6.2f-%-6.2f %10.0f %6.1f %6.2fx %7.1f+%-8.1f %6.1f %6.2fx %-34s %8.0f %s\n", s.Scenario, s.Rows, s.WallSecs,
			s.MinWall, s.MaxWall, s.RowsPerSec, s.MBPerSec, s.Ratio, s.ClientCPU, s.ServerCPU, s.TotalCPU, s.CPURatio,
			procs, s.TotalMB, strings.Join(flags, "; "))
	}
	for _, s := range r.Results {
		if v := s.VsBaseline; v != nil {
			fmt.Fprintf(&b, "%-22s %8d vs %s (BENCH_BASELINE %s): wall %.3fx, cpu %.3fx; median of the rounds' own ratios: wall %.3fx, cpu %.3fx\n",
				s.Scenario, s.Rows, s.Scenario+baselineSuffix, r.Baseline, v.Ratio, v.CPURatio, v.RoundRatio, v.RoundCPURatio)
		}
	}
	for _, s := range r.Results {
		if s.RatioPK > 0 {
			fmt.Fprintf(&b, "%-22s %8d vs psql_pipe_pk (the same primary key, built after the rows): wall %.2fx, cpu %.2fx\n", s.Scenario, s.Rows, s.RatioPK, s.CPURatioPK)
		}
	}
	for _, s := range r.Results {
		for _, l := range s.Loops {
			fmt.Fprintf(&b, "%-22s %8d vs %s (the client's own loop): wall %.2fx, cpu %.2fx\n", s.Scenario, s.Rows, l.Loop, l.Ratio, l.CPURatio)
		}
	}
	for _, s := range r.RSSScaling {
		fmt.Fprintf(&b, "peak RSS %-22s %d rows: %.0f MB   %d rows: %.0f MB\n", s.Scenario, s.SmallRows, s.SmallMB, s.Rows, s.MB)
	}
	return b.String()
}

func (r *results) write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-"+time.Now().UTC().Format("20060102T150405Z")+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

func procsLine(ps []procPeak) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s=%.0fMB/%.1fcpu-s", strings.TrimPrefix(p.Name, "dpone-connector-"), p.PeakMB, p.CPUSecs))
	}
	return strings.Join(out, " ")
}
