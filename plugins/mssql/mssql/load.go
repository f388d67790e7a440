package mssql

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// sinkModes lists every mode CommitLoad implements; plan refuses others.
var sinkModes = []string{sdk.ModeFullRefresh, sdk.ModeAppend, sdk.ModeMerge,
	sdk.ModeReplace, sdk.ModePartitionReplace, sdk.ModeSnapshotDiff, sdk.ModeSCD2}

// seqColumn numbers staged rows so a merge keeps the last row of a key.
const seqColumn = "_dpone_seq"

// SinkOptions are the SQL Server sink's own keys of sink.options: the bulk
// copy's TDS options.
type SinkOptions struct {
	// Tablock takes a bulk update lock on staging (faster; staging is the
	// load's own table). Default true.
	Tablock *bool `json:"tablock" doc:"bulk copy into staging with TABLOCK (default true)"`
	// KeepNulls keeps NULLs instead of column defaults. Default true.
	KeepNulls *bool `json:"keep_nulls" doc:"keep NULLs instead of column defaults (default true)"`
	// CheckConstraints checks staging's constraints during the copy.
	CheckConstraints bool `json:"check_constraints" doc:"check staging's constraints during the bulk copy"`
}

// load is a LoadRequest resolved to quoted names.
type load struct {
	req       sdk.LoadRequest
	namespace []string // database (optional) and schema, unquoted
	target    string   // quoted, qualified
	staging   string   // quoted, qualified
	receipts  string   // quoted, qualified _dpone_loads
	targetKey string   // the receipt's target: namespace.name unquoted
	opts      SinkOptions
	strategy  sdk.Strategy
}

// resolveLoad checks a LoadRequest; modes are checked only when checkMode
// (AbortLoad and LoadStatus work whatever the mode).
func resolveLoad(req sdk.LoadRequest, checkMode bool) (*load, error) {
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: target table name is empty")
	}
	ns, err := splitName(req.Target.Namespace)
	if err != nil {
		return nil, err
	}
	if len(ns) > 2 {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: namespace %q has more than database.schema", req.Target.Namespace)
	}
	l := &load{req: req, namespace: ns}
	if l.target, err = qualified(req.Target.Namespace, req.Target.Name); err != nil {
		return nil, err
	}
	l.staging, _ = qualified(req.Target.Namespace, sdk.StagingName(req.LoadID))
	l.receipts, _ = qualified(req.Target.Namespace, "_dpone_loads")
	l.targetKey = strings.Join(append(slices.Clone(ns), req.Target.Name), ".")
	if err := sdk.DecodeOptions(req.Options, &l.opts, "mssql sink options"); err != nil {
		return nil, err
	}
	if lg := req.Load.Lineage; lg != nil && lg.LoadedAtColumn != "" && lg.LoadedAt == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: lineage.loaded_at is empty")
	}
	if lg := req.Load.Lineage; lg != nil && lg.LoadedAt != "" {
		// A datetimeoffset literal takes at most seven fractional digits
		// (the host sends up to nine): every statement gets 100 ns.
		at, err := time.Parse(time.RFC3339Nano, lg.LoadedAt)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: lineage.loaded_at %q is not an RFC 3339 time", lg.LoadedAt)
		}
		c := *lg
		c.LoadedAt = at.UTC().Truncate(100 * time.Nanosecond).Format(time.RFC3339Nano)
		l.req.Load.Lineage = &c
	}
	if !checkMode {
		return l, nil
	}
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "mssql sink: mode %q is not supported (supported: %s)", req.Mode, strings.Join(sinkModes, ", "))
	}
	if l.strategy, err = req.Strategy(); err != nil {
		return nil, err
	}
	if (req.Mode == sdk.ModeMerge || req.Mode == sdk.ModeSnapshotDiff) && len(req.UniqueKey) == 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql sink: %s needs strategy.unique_key", req.Mode)
	}
	return l, nil
}

// schemaName is the target's schema (the last namespace part).
func (l *load) schemaName() string { return l.namespace[len(l.namespace)-1] }

// database is the target's database part of a three-part name, or "".
func (l *load) database() string {
	if len(l.namespace) == 2 {
		return l.namespace[0]
	}
	return ""
}

// objectName is the unquoted-safe argument OBJECT_ID takes for a table.
func (l *load) objectName(table string) string {
	return literal(strings.Join(bracketAll(append(slices.Clone(l.namespace), table)), "."))
}

func bracketAll(parts []string) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = ident(p)
	}
	return out
}

// loadedFields are the load's Arrow fields (from the request's schema).
func (l *load) loadedFields() []arrow.Field {
	if l.req.Schema == nil {
		return nil
	}
	return l.req.Schema.Fields()
}

// receiptJSON is the receipt text stored with the load.
func receiptJSON(r json.RawMessage) string {
	if len(r) == 0 {
		return "{}"
	}
	return string(r)
}
