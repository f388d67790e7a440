package plan

import (
	"fmt"
	"slices"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	"github.com/dpone-go/dpone/host/manifest"
	"github.com/dpone-go/dpone/host/schema"
)

// deletedAtColumn marks the rows snapshot_diff soft-deletes (the SDK's
// sdk.DeletedAtColumn; the host does not import the SDK).
const deletedAtColumn = "_dpone_deleted_at"

// keyedModes create their target with the unique key as primary key.
var keyedModes = map[string]bool{"incremental_merge": true, "snapshot_diff": true}

// createsTargets reports whether the host creates a sink's absent targets
// before staging (ApplySchema with create_table): the sink applies schema
// changes, speaks typed options, and its schema ops (when it lists them)
// include create_table.
func createsTargets(caps catalog.Capabilities) bool {
	return caps.ApplySchema && caps.TypedOptions &&
		(len(caps.SchemaOps) == 0 || slices.Contains(caps.SchemaOps, "create_table"))
}

// LoadSchema is the schema the sink stages: the source's, with renamed
// columns when evolution routes values into new columns.
func LoadSchema(ev *schema.Evolution, src *catalog.Schema) (*catalog.Schema, error) {
	if ev == nil || len(ev.Renames) == 0 {
		return src, nil
	}
	as, err := v1convert.ArrowSchema(src)
	if err != nil {
		return nil, err
	}
	return v1convert.SchemaFromArrow(ev.RenameSchema(as))
}

// targetFields are the columns of a table the unit creates: the loaded
// columns (keys NOT NULL), then the host's columns (lineage, the
// soft-delete stamp, scd2's history columns). A source column named like a host column is
// replaced by it: the load sets it.
func targetFields(u *manifest.Unit, load *catalog.Schema) ([]*catalog.Field, error) {
	runCol, loadedCol, err := lineageColumns(u)
	if err != nil {
		return nil, err
	}
	var host []*catalog.Field
	if runCol != "" {
		host = append(host, &catalog.Field{Name: runCol, Nullable: true,
			Type: &catalog.LogicalType{Kind: catalog.KindString}})
	}
	if loadedCol != "" {
		host = append(host, &catalog.Field{Name: loadedCol, Nullable: true,
			Type: &catalog.LogicalType{Kind: catalog.KindTimestamp, Precision: 6, WithTimeZone: true}})
	}
	if u.Sink.Strategy.Mode == "snapshot_diff" && u.Sink.Strategy.Extra["deletes"] == "soft" {
		host = append(host, &catalog.Field{Name: deletedAtColumn, Nullable: true,
			Type: &catalog.LogicalType{Kind: catalog.KindTimestamp, Precision: 6, WithTimeZone: true}})
	}
	host = append(host, scd2Fields(u)...)
	hostNames := map[string]bool{}
	for _, f := range host {
		hostNames[f.GetName()] = true
	}
	var out []*catalog.Field
	for _, f := range keysNotNull(u, load.GetFields()) {
		if !hostNames[f.GetName()] {
			out = append(out, f)
		}
	}
	return append(out, host...), nil
}

// createTable is the change that creates a unit's absent target: every
// column the load will write, and the unique key as primary key for the
// modes that upsert on it.
func createTable(u *manifest.Unit, table *catalog.TableRef, load *catalog.Schema) (*catalog.SchemaChange, error) {
	fields, err := targetFields(u, load)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%w: source %s has no columns to create target %s.%s from", ErrConfig,
			tableName(u.Source.Table), table.GetNamespace(), table.GetName())
	}
	ch := &catalog.SchemaChange{Op: catalog.OpCreateTable,
		Field: &catalog.Field{Name: table.GetName(), Type: &catalog.LogicalType{
			Kind: catalog.KindStruct, Fields: fields}}}
	ch.PrimaryKey = createdKey(u, load)
	return ch, nil
}

// createdKey is the primary key of a target the unit creates: unique_key
// for the modes that upsert or converge by it, and for full_refresh (a
// copy of the source) unique_key or else the source's primary key (the
// fields' primary_key_position, set only when the read holds the whole
// key). Append-like modes keep history, so their targets get none. The
// in-tree sinks apply the same rule when they create a target at commit.
func createdKey(u *manifest.Unit, load *catalog.Schema) []string {
	mode, key := u.Sink.Strategy.Mode, u.Sink.Strategy.UniqueKey
	switch {
	case keyedModes[mode]:
		return key
	case mode == "full_refresh" && len(key) > 0:
		return key
	case mode == "full_refresh":
		return sourceKey(load.GetFields())
	}
	return nil
}

// sourceKey is the primary key the source declared on fields, in key
// order; nil unless every position from 1 up is present exactly once.
func sourceKey(fields []*catalog.Field) []string {
	byPos := map[int32]string{}
	for _, f := range fields {
		if p := f.GetPrimaryKeyPosition(); p > 0 {
			if _, dup := byPos[p]; dup {
				return nil
			}
			byPos[p] = f.GetName()
		}
	}
	out := make([]string, 0, len(byPos))
	for i := int32(1); i <= int32(len(byPos)); i++ {
		name, ok := byPos[i]
		if !ok {
			return nil
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// producedSchema is the schema of the unit's target after its load, as a
// later unit reading it will see it.
func producedSchema(u *manifest.Unit, load *catalog.Schema) (*catalog.Schema, error) {
	fields, err := targetFields(u, load)
	if err != nil {
		return nil, err
	}
	return &catalog.Schema{Fields: fields}, nil
}
