// Package loadopts is the one definition of the options a host sends with
// a load (BeginLoadRequest: mode, unique key, mode options, lineage, the
// connector's own sink.options) and with a read (ReadRequest.options_json).
// The host builds requests here, the SDK reads them back here, and the
// certification suite builds its requests with the same code, so the three
// cannot drift.
//
// Protocol v1.1 carries load options as typed fields (BeginLoadRequest.load)
// to connectors that advertise the typed_options capability, and strips
// host keys from every options_json sent to them. Connectors without the
// capability (built on an SDK before v1.1) get the v1.0 layout: "strategy"
// and "lineage" blocks inside options_json, host source keys passed
// through.
package loadopts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Typed reports whether a connector with caps reads v1.1 typed options.
func Typed(caps *connectorv1.Capabilities) bool { return caps.GetTypedOptions() }

// Load is what a load asks of the sink, as the manifest says it.
type Load struct {
	// Mode is sink.strategy.mode.
	Mode string
	// UniqueKey is sink.strategy.unique_key.
	UniqueKey []string
	// ModeOptions are the other sink.strategy keys (deletes,
	// max_delete_ratio, where, partition_by, and scd2's tracked_columns,
	// valid_from, valid_to, is_current, hard_deletes).
	ModeOptions map[string]any
	// Lineage names the lineage columns; nil or both column names empty
	// when lineage is off.
	Lineage *Lineage
	// Options are the connector's own sink.options, host keys removed.
	Options map[string]any
}

// Default lineage column names: every target gets them unless the manifest
// renames them (sink.options.lineage: {run_id_column, loaded_at_column})
// or turns lineage off (lineage: false).
const (
	DefaultRunIDColumn    = "_dpone_run_id"
	DefaultLoadedAtColumn = "_dpone_loaded_at"
)

// Lineage is the run id and load time a target gets as constant columns.
type Lineage struct {
	RunID    string
	LoadedAt time.Time
	// RunIDColumn and LoadedAtColumn name the columns; "" leaves one out.
	RunIDColumn    string
	LoadedAtColumn string
}

// Mode option keys (sink.strategy), the only ones protocol v1.1 carries.
const (
	KeyDeletes        = "deletes"
	KeyMaxDeleteRatio = "max_delete_ratio"
	KeyWhere          = "where"
	KeyPartitionBy    = "partition_by"
	// scd2 (protocol v1.3).
	KeyTrackedColumns = "tracked_columns"
	KeyValidFrom      = "valid_from"
	KeyValidTo        = "valid_to"
	KeyIsCurrent      = "is_current"
	KeyHardDeletes    = "hard_deletes"
)

// ModeOptionKeys lists the mode option keys, sorted.
var ModeOptionKeys = []string{KeyDeletes, KeyHardDeletes, KeyIsCurrent, KeyMaxDeleteRatio, KeyPartitionBy,
	KeyTrackedColumns, KeyValidFrom, KeyValidTo, KeyWhere}

// Apply sets req's mode, unique key and options as a connector expects
// them: typed (v1.1, typed_options) or inside options_json (v1.0). Errors
// name the manifest key at fault.
func (l Load) Apply(req *connectorv1.BeginLoadRequest, typed bool) error {
	req.Mode, req.UniqueKey = l.Mode, l.UniqueKey
	if !typed {
		b, err := l.legacyJSON()
		if err != nil {
			return err
		}
		req.OptionsJson, req.Load = b, nil
		return nil
	}
	mo, err := ModeOptions(l.ModeOptions)
	if err != nil {
		return err
	}
	own, err := marshalObject(l.Options)
	if err != nil {
		return fmt.Errorf("sink.options: %w", err)
	}
	req.OptionsJson = own
	req.Load = &connectorv1.LoadOptions{Lineage: l.Lineage.proto(), ModeOptions: mo}
	return nil
}

func (lg *Lineage) proto() *connectorv1.Lineage {
	if lg == nil || (lg.RunIDColumn == "" && lg.LoadedAtColumn == "") {
		return nil
	}
	return &connectorv1.Lineage{RunId: lg.RunID, LoadedAt: formatTime(lg.LoadedAt),
		RunIdColumn: lg.RunIDColumn, LoadedAtColumn: lg.LoadedAtColumn}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ModeOptions converts the mode options of sink.strategy (manifest values)
// to their protocol message. An unknown key or a value of the wrong type is
// an error naming it.
func ModeOptions(m map[string]any) (*connectorv1.ModeOptions, error) {
	if len(m) == 0 {
		return &connectorv1.ModeOptions{}, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("sink.strategy: %w", err)
	}
	return decodeModeOptions(raw)
}

// legacyStrategy is the v1.0 "strategy" block: mode, unique key and the
// mode options.
type legacyStrategy struct {
	Mode           string          `json:"mode,omitempty"`
	UniqueKey      []string        `json:"unique_key,omitempty"`
	Deletes        string          `json:"deletes,omitempty"`
	MaxDeleteRatio *float64        `json:"max_delete_ratio,omitempty"`
	Where          string          `json:"where,omitempty"`
	PartitionBy    json.RawMessage `json:"partition_by,omitempty"`
	TrackedColumns json.RawMessage `json:"tracked_columns,omitempty"`
	ValidFrom      string          `json:"valid_from,omitempty"`
	ValidTo        string          `json:"valid_to,omitempty"`
	IsCurrent      string          `json:"is_current,omitempty"`
	HardDeletes    string          `json:"hard_deletes,omitempty"`
}

// legacyLineage is the v1.0 "lineage" block.
type legacyLineage struct {
	RunID          string `json:"run_id"`
	LoadedAt       string `json:"loaded_at"`
	RunIDColumn    string `json:"run_id_column"`
	LoadedAtColumn string `json:"loaded_at_column"`
}

// legacyJSON renders the v1.0 options_json: the connector's own options
// plus "lineage" and "strategy" (the whole sink.strategy block, unknown
// mode options passed through as v1.0 hosts did).
func (l Load) legacyJSON() ([]byte, error) {
	opts := make(map[string]any, len(l.Options)+2)
	for k, v := range l.Options {
		opts[k] = v
	}
	lg := legacyLineage{}
	if l.Lineage != nil {
		lg = legacyLineage{RunID: l.Lineage.RunID, LoadedAt: formatTime(l.Lineage.LoadedAt),
			RunIDColumn: l.Lineage.RunIDColumn, LoadedAtColumn: l.Lineage.LoadedAtColumn}
	}
	opts["lineage"] = lg
	strategy := make(map[string]any, len(l.ModeOptions)+2)
	for k, v := range l.ModeOptions {
		strategy[k] = v
	}
	strategy["mode"] = l.Mode
	if len(l.UniqueKey) > 0 {
		strategy["unique_key"] = l.UniqueKey
	}
	opts["strategy"] = strategy
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, fmt.Errorf("sink options: %w", err)
	}
	return b, nil
}

// FromJSON reads a v1.0 options_json (from a host before v1.1): it returns
// the load options typed, and the connector's own options with the host's
// keys (strategy, lineage, schema_evolution) removed; own is nil when none
// are left.
func FromJSON(raw []byte) (load *connectorv1.LoadOptions, own []byte, err error) {
	load = &connectorv1.LoadOptions{ModeOptions: &connectorv1.ModeOptions{}}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return load, nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("sink options: want a JSON object: %w", err)
	}
	if s, ok := m["strategy"]; ok && string(s) != "null" {
		if load.ModeOptions, err = decodeModeOptions(s); err != nil {
			return nil, nil, err
		}
	}
	if b, ok := m["lineage"]; ok && string(b) != "null" {
		var lg legacyLineage
		if err := strictDecode(b, &lg); err != nil {
			return nil, nil, fmt.Errorf("sink options: lineage: %w", err)
		}
		if lg.RunIDColumn != "" || lg.LoadedAtColumn != "" {
			load.Lineage = &connectorv1.Lineage{RunId: lg.RunID, LoadedAt: lg.LoadedAt,
				RunIdColumn: lg.RunIDColumn, LoadedAtColumn: lg.LoadedAtColumn}
		}
	}
	for _, k := range []string{"strategy", "lineage", "schema_evolution"} {
		delete(m, k)
	}
	if len(m) == 0 {
		return load, nil, nil
	}
	own, err = json.Marshal(m)
	return load, own, err
}

// decodeModeOptions decodes a strategy block; mode and unique_key are
// allowed (v1.0 sent them there) and ignored: the request's fields rule.
func decodeModeOptions(raw []byte) (*connectorv1.ModeOptions, error) {
	var s legacyStrategy
	if err := strictDecode(raw, &s); err != nil {
		if k, ok := unknownKey(err); ok {
			return nil, &KeyError{Key: "sink.strategy." + k, Msg: "unknown key (mode options: " + strings.Join(ModeOptionKeys, ", ") + ")"}
		}
		return nil, &KeyError{Key: "sink.strategy", Msg: err.Error()}
	}
	mo := &connectorv1.ModeOptions{Deletes: s.Deletes, MaxDeleteRatio: s.MaxDeleteRatio, Where: s.Where,
		ValidFromColumn: s.ValidFrom, ValidToColumn: s.ValidTo, IsCurrentColumn: s.IsCurrent, HardDeletes: s.HardDeletes}
	var err error
	if mo.PartitionBy, err = columnNames(KeyPartitionBy, s.PartitionBy); err != nil {
		return nil, err
	}
	if mo.TrackedColumns, err = columnNames(KeyTrackedColumns, s.TrackedColumns); err != nil {
		return nil, err
	}
	return mo, nil
}

// columnNames decodes a column name or a list of them (nil when absent).
func columnNames(key string, raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, &KeyError{Key: "sink.strategy." + key, Msg: "want a column name or a list of them"}
	}
	return many, nil
}

func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// unknownKey extracts the key of encoding/json's unknown field error.
func unknownKey(err error) (string, bool) {
	k, ok := strings.CutPrefix(err.Error(), "unknown field ")
	return strings.Trim(k, `"`), ok
}

// KeyError is a manifest value the options cannot carry: Key is the
// dotted manifest key (sink.strategy.partition_by), Msg what is wrong.
type KeyError struct {
	Key string
	Msg string
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Msg }

// HostSourceKeys are source.options keys the host consumes itself
// (parallel: partitioned reads; batch_bytes: ReadRequest.batch_bytes).
var HostSourceKeys = []string{"parallel", "batch_bytes"}

// SourceOptions renders source.options as a read's options_json: without
// the host's keys for a typed connector, as they are for a v1.0 one.
func SourceOptions(opts map[string]any, typed bool) ([]byte, error) {
	if typed {
		own := make(map[string]any, len(opts))
		for k, v := range opts {
			own[k] = v
		}
		for _, k := range HostSourceKeys {
			delete(own, k)
		}
		opts = own
	}
	if len(opts) == 0 {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, fmt.Errorf("source.options: %w", err)
	}
	return b, nil
}

// OwnSourceOptions removes the host's keys from a read's options_json, for
// a connector served by a host before v1.1 (which passed them through).
// Options without them, or that are not a JSON object, come back as they
// are: the connector's own decoding reports what is wrong.
func OwnSourceOptions(raw []byte) []byte {
	found := false
	for _, k := range HostSourceKeys {
		found = found || bytes.Contains(raw, []byte(`"`+k+`"`))
	}
	if !found {
		return raw
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return raw
	}
	for _, k := range HostSourceKeys {
		delete(m, k)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	return b
}

// marshalObject renders m as a JSON object ({} when empty).
func marshalObject(m map[string]any) ([]byte, error) {
	if len(m) == 0 {
		return []byte("{}"), nil
	}
	return json.Marshal(m)
}
