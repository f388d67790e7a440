package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
	"github.com/dpone-go/dpone/proto/loadopts"
)

// Default lineage column names, added to every target unless the manifest
// turns them off with sink.options.lineage: false.
const (
	DefaultRunIDColumn    = loadopts.DefaultRunIDColumn
	DefaultLoadedAtColumn = loadopts.DefaultLoadedAtColumn
)

// HostSinkOptions are sink.options keys the host consumes; no connector
// gets them.
var HostSinkOptions = []string{"quality_gates"}

// hostSinkKeys are sink.options keys the host turns into protocol fields:
// lineage travels as typed options (or rebuilt in v1.0 JSON), and
// schema_evolution is decided by the host.
var hostSinkKeys = []string{"lineage", "schema_evolution"}

// sinkLoad is the unit's load in the protocol's one definition of load
// options (proto/loadopts): mode, unique key, the other sink.strategy keys
// as mode options, the resolved lineage columns, and the connector's own
// sink.options.
func sinkLoad(u *manifest.Unit, runID string, loadedAt time.Time) (loadopts.Load, error) {
	own := map[string]any{}
	for k, v := range u.Sink.Options {
		own[k] = v
	}
	for _, k := range append(hostSinkKeys, HostSinkOptions...) {
		delete(own, k)
	}
	runCol, loadedCol, err := lineageColumns(u)
	if err != nil {
		return loadopts.Load{}, err
	}
	return loadopts.Load{Mode: u.Sink.Strategy.Mode, UniqueKey: u.Sink.Strategy.UniqueKey,
		ModeOptions: u.Sink.Strategy.Extra, Options: own,
		Lineage: &loadopts.Lineage{RunID: runID, LoadedAt: loadedAt, RunIDColumn: runCol, LoadedAtColumn: loadedCol}}, nil
}

// BeginRequest builds the BeginLoad request of a unit's load into table
// for a sink with spec: typed load options for a sink that advertises
// typed_options (protocol v1.1), the v1.0 options_json otherwise. Errors
// name the unit and the manifest key at fault.
func BeginRequest(u *manifest.Unit, spec *catalog.Spec, cfg []byte, loadID string,
	table *catalog.TableRef, s *catalog.Schema, runID string, loadedAt time.Time) (*catalog.BeginLoad, error) {
	l, err := sinkLoad(u, runID, loadedAt)
	if err != nil {
		return nil, err
	}
	req := &catalog.BeginLoad{ConfigJSON: cfg, LoadID: loadID, Target: table, Schema: s}
	if req.Staging, err = stagingRequest(u.Sink.Staging); err != nil {
		return nil, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	if err := v1convert.ApplyLoad(l, req, spec.Capabilities.TypedOptions); err != nil {
		var ke *loadopts.KeyError
		if errors.As(err, &ke) {
			err = &schema.ConfigError{Path: ke.Key, Msg: ke.Msg} // reported as CONFIG
		}
		return nil, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	return req, nil
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

// SourceOptions renders a unit's source.options for a read from a source
// with spec: without the host's keys (parallel, batch_bytes) for a source
// that advertises typed_options, as they are for a v1.0 one.
func SourceOptions(u *manifest.Unit, spec *catalog.Spec) ([]byte, error) {
	b, err := loadopts.SourceOptions(u.Source.Options, spec.Capabilities.TypedOptions)
	if err != nil {
		return nil, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	return b, nil
}

// ConfigJSON renders an endpoint's resolved connection config (what
// run sends, and what recovery and abandon reach a sink with).
func ConfigJSON(e manifest.Endpoint) ([]byte, error) {
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
