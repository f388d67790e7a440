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

// results is what bench/results/<date>.json holds.
type results struct {
	Date      string `json:"date"`
	Commit    string `json:"commit"`
	CPUs      int    `json:"cpus"`
	PGVersion string `json:"postgres_version"`
	Setup     string `json:"setup"`
	Rows      int64  `json:"rows"`
	Runs      int    `json:"runs"`
	// CopyBytes is the size of bench_src's binary COPY stream; MB/s
	// divides it (scaled to the row count) by the wall time.
	CopyBytes int64     `json:"copy_bytes"`
	Results   []summary `json:"results"`
	// RSSScaling compares the peak RSS of host+plugins at two table sizes.
	RSSScaling []scaling `json:"rss_scaling,omitempty"`
}

// summary is one scenario at one size: medians of its runs.
type summary struct {
	Scenario   string     `json:"scenario"`
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
	// Failed counts runs that failed (merge scenarios only; see
	// measurement.Failed).
	Failed int           `json:"failed_runs,omitempty"`
	All    []measurement `json:"runs"`
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
	sum := summary{Scenario: s.Name, Rows: n, All: ms}
	var walls, hcpu, pcpu []float64
	peaks := map[string]float64{}
	for _, m := range ms {
		if m.Failed != "" {
			sum.Failed++
		}
		walls, hcpu = append(walls, m.WallSecs), append(hcpu, m.HostCPU)
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
	sum.RowsPerSec = float64(n) / sum.WallSecs
	sum.MBPerSec = float64(r.CopyBytes) * float64(n) / float64(r.Rows) / 1e6 / sum.WallSecs
	r.Results = append(r.Results, sum)
}

// finish fills the ratios to the pipe and the RSS comparison.
func (r *results) finish() {
	r.Date, r.CPUs = time.Now().UTC().Format("2006-01-02"), runtime.NumCPU()
	pipe := map[int64]float64{}
	for _, s := range r.Results {
		if s.Scenario == "psql_pipe" {
			pipe[s.Rows] = s.WallSecs
		}
	}
	for i := range r.Results {
		if p := pipe[r.Results[i].Rows]; p > 0 {
			r.Results[i].Ratio = r.Results[i].WallSecs / p
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
	fmt.Fprintf(&b, "\ndpone bench  %s  commit %s  PostgreSQL %s  %d CPUs  median of %d runs\n", r.Date, r.Commit, r.PGVersion, r.CPUs, r.Runs)
	fmt.Fprintf(&b, "%-13s %9s %8s %11s %7s %7s %9s %-40s %9s %9s\n", "scenario", "rows", "wall s", "rows/s", "MB/s", "ratio", "host MB", "plugins peak MB", "total MB", "cpu s")
	for _, s := range r.Results {
		var pl []string
		for _, p := range s.Plugins {
			pl = append(pl, fmt.Sprintf("%s=%.0f", strings.TrimPrefix(p.Name, "dpone-connector-"), p.PeakMB))
		}
		host, plugins := fmt.Sprintf("%.0f", s.HostPeakMB), strings.Join(pl, " ")
		if s.Scenario == "psql_pipe" {
			host, plugins = "-", "(psql processes)"
		}
		if s.Failed > 0 {
			plugins = fmt.Sprintf("%s (%d of %d runs FAILED)", plugins, s.Failed, len(s.All))
		}
		fmt.Fprintf(&b, "%-13s %9d %8.2f %11.0f %7.1f %6.2fx %9s %-40s %9.0f %9.1f\n", s.Scenario, s.Rows, s.WallSecs, s.RowsPerSec, s.MBPerSec, s.Ratio,
			host, plugins, s.TotalMB, s.HostCPU+s.PluginCPU)
	}
	for _, s := range r.RSSScaling {
		fmt.Fprintf(&b, "peak RSS %-13s %d rows: %.0f MB   %d rows: %.0f MB\n", s.Scenario, s.SmallRows, s.SmallMB, s.Rows, s.MB)
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
	path := filepath.Join(dir, r.Date+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

func procsLine(ps []procPeak) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s=%.0fMB/%.1fcpu-s", strings.TrimPrefix(p.Name, "dpone-connector-"), p.PeakMB, p.CPUSecs))
	}
	return strings.Join(out, " ")
}
