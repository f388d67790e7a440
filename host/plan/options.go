package plan

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dpone-go/dpone/host/manifest"
)

// Default lineage column names, added to every target unless the manifest
// turns them off with sink.options.lineage: false.
const (
	DefaultRunIDColumn    = "_dpone_run_id"
	DefaultLoadedAtColumn = "_dpone_loaded_at"
)

// HostSinkOptions are sink.options keys the host consumes; they are not
// sent to the sink.
var HostSinkOptions = []string{"quality_gates"}

// hostSourceOptions are source.options keys the host consumes itself; they
// are still passed to the plugin, which must accept them.
var hostSourceOptions = map[string]bool{"parallel": true, "batch_bytes": true}

// lineage is the host-added block of sink options (see the plugin contract).
type lineage struct {
	RunID          string `json:"run_id"`
	LoadedAt       string `json:"loaded_at"`
	RunIDColumn    string `json:"run_id_column"`
	LoadedAtColumn string `json:"loaded_at_column"`
}

// sinkOptions renders the options sent to the sink: the manifest's
// sink.options with "lineage" replaced by the resolved lineage block, plus
// "strategy": the whole sink.strategy block (mode options such as deletes,
// where, partition_by travel there).
func sinkOptions(u *manifest.Unit, runID string, loadedAt time.Time) ([]byte, error) {
	opts := map[string]any{}
	for k, v := range u.Sink.Options {
		opts[k] = v
	}
	for _, k := range HostSinkOptions {
		delete(opts, k)
	}
	runCol, loadedCol, err := lineageColumns(u)
	if err != nil {
		return nil, err
	}
	opts["lineage"] = lineage{RunID: runID, LoadedAt: loadedAt.UTC().Format(time.RFC3339Nano),
		RunIDColumn: runCol, LoadedAtColumn: loadedCol}
	strategy := map[string]any{}
	for k, v := range u.Sink.Strategy.Extra {
		strategy[k] = v
	}
	strategy["mode"] = u.Sink.Strategy.Mode
	if len(u.Sink.Strategy.UniqueKey) > 0 {
		strategy["unique_key"] = u.Sink.Strategy.UniqueKey
	}
	opts["strategy"] = strategy
	return json.Marshal(opts)
}

// lineageColumns returns the lineage column names of a unit's target:
// the defaults, renamed by sink.options.lineage: {run_id_column,
// loaded_at_column}, or both "" with lineage: false.
func lineageColumns(u *manifest.Unit) (runCol, loadedCol string, err error) {
	runCol, loadedCol = DefaultRunIDColumn, DefaultLoadedAtColumn
	switch v := u.Sink.Options["lineage"].(type) {
	case nil:
	case bool:
		if !v {
			return "", "", nil
		}
	case map[string]any:
		for k, val := range v {
			s, _ := val.(string)
			switch k {
			case "run_id_column":
				runCol = s
			case "loaded_at_column":
				loadedCol = s
			default:
				return "", "", fmt.Errorf("unit %s: sink.options.lineage: unknown key %q (want run_id_column, loaded_at_column, or lineage: false)", u.ID, k)
			}
		}
	default:
		return "", "", fmt.Errorf("unit %s: sink.options.lineage must be false or a map, got %T", u.ID, v)
	}
	return runCol, loadedCol, nil
}

// sourceOptions renders source.options as JSON.
func sourceOptions(u *manifest.Unit) ([]byte, error) {
	if len(u.Source.Options) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(u.Source.Options)
}

// configJSON renders an endpoint's resolved connection config.
func configJSON(e manifest.Endpoint) ([]byte, error) {
	if len(e.Config) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(e.Config)
}

// fullReadModes need the whole source on every run: full_refresh replaces
// the target, snapshot_diff deletes what the source no longer has.
var fullReadModes = map[string]bool{"full_refresh": true, "snapshot_diff": true}

// Incremental reports whether the unit reads incrementally: the source
// names an incremental strategy and the sink mode works on increments.
func Incremental(u *manifest.Unit) bool {
	s, _ := u.Source.Options["incremental_strategy"].(string)
	return s != "" && !fullReadModes[u.Sink.Strategy.Mode]
}

// batchBytes is source.options.batch_bytes, or 0 for the plugin default.
func batchBytes(u *manifest.Unit) int64 {
	switch v := u.Source.Options["batch_bytes"].(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case float64:
		return int64(v)
	}
	return 0
}

// parallelism reads source.options.parallel: a positive number of
// partitions, or "auto" / absent (0: decide from the row estimate).
func parallelism(u *manifest.Unit) (int, error) {
	switch v := u.Source.Options["parallel"].(type) {
	case nil:
		return 0, nil
	case string:
		if v == "auto" {
			return 0, nil
		}
	case int:
		if v > 0 {
			return v, nil
		}
	case float64:
		if v > 0 && v == float64(int(v)) {
			return int(v), nil
		}
	}
	return 0, fmt.Errorf("unit %s: source.options.parallel: want a positive number of partitions or \"auto\", got %v", u.ID, u.Source.Options["parallel"])
}
