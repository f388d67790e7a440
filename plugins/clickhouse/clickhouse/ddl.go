package clickhouse

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// jsonComment marks a String column that holds json text, so the source
// reads it back as json.
const jsonComment = "dpone.logical=json"

// versionColumn is the version of the ReplacingMergeTree targets the sink
// creates (incremental_merge, snapshot_diff): a UInt64 each publish sets
// on its rows, larger for a later publish, so the row kept for a key is
// the newest published one whatever the order of the parts. Readers
// through dpone do not see it.
const versionColumn = "_dpone_version"

// Lineage column types.
const (
	runIDType    = "String"
	loadedAtType = "DateTime64(6, 'UTC')"
	// deletedAtType is snapshot_diff's soft-delete stamp (NULL: live).
	deletedAtType = "Nullable(DateTime64(6, 'UTC'))"
)

// orderBy is the sorting key of a target the load creates: order_by, else
// the key LoadRequest.CreatedKey gives, else none (tuple()).
func (l *load) orderBy() []string {
	if len(l.opts.OrderBy) > 0 {
		return l.opts.OrderBy
	}
	return l.req.CreatedKey()
}

// engine is the target's engine: the engine option, else
// ReplacingMergeTree versioned by versionColumn for a replacing merge and
// snapshot_diff (a snapshot with a key twice keeps one row per key where
// dpone reads, with FINAL), else MergeTree. An engine option of plain
// ReplacingMergeTree is taken as that default, versioned too.
func (l *load) engine() string {
	if l.versioned() {
		return "ReplacingMergeTree(" + versionColumn + ")"
	}
	if l.opts.Engine != "" {
		return l.opts.Engine
	}
	return "MergeTree"
}

// versioned reports whether a target the load creates carries
// versionColumn.
func (l *load) versioned() bool {
	switch strings.ReplaceAll(l.opts.Engine, " ", "") {
	case "":
		return l.req.Mode == sdk.ModeMerge && l.opts.Merge == mergeReplacing || l.req.Mode == sdk.ModeSnapshotDiff
	case "ReplacingMergeTree", "ReplacingMergeTree()":
		return true
	}
	return false
}

// createDDL renders the CREATE TABLE of a target (or of the staging table
// that becomes it): the load's columns, the lineage columns, the physical
// design of the sink options, and comment.
func (l *load) createDDL(table, comment string) (string, error) {
	return l.createDDLEngine(table, comment, l.engine())
}

// createDDLEngine is createDDL with another engine (a versioned target's
// staging is a plain MergeTree, versioned.go).
func (l *load) createDDLEngine(table, comment, engine string) (string, error) {
	key := l.orderBy()
	for _, k := range append(slices.Clone(key), l.opts.PrimaryKey...) {
		if len(l.req.Schema.FieldIndices(k)) == 0 {
			return "", sdk.Errorf(sdk.CodeConfig, "clickhouse sink: order_by/primary_key column %q is not in the load's schema", k)
		}
	}
	defs := make([]string, 0, l.req.Schema.NumFields()+2)
	for _, f := range l.req.Schema.Fields() {
		// Keys are never Nullable: the sorting, primary and partition
		// keys (ClickHouse refuses Nullable there), and the unique key,
		// which dpone plan takes as NOT NULL in every mode.
		notNull := slices.Contains(key, f.Name) || slices.Contains(l.opts.PrimaryKey, f.Name) ||
			slices.Contains(l.partitionBy(), f.Name) || slices.Contains(l.req.UniqueKey, f.Name)
		t, err := columnType(f, notNull, slices.Contains(l.opts.LowCardinality, f.Name))
		if err != nil {
			return "", err
		}
		if v, _ := f.Metadata.GetValue(sdk.MetaLogical); v == sdk.LogicalJSON {
			t += " COMMENT " + literal(jsonComment)
		}
		defs = append(defs, quote(f.Name)+" "+t)
	}
	if lg := l.lineage(); lg != nil {
		defs = append(defs, quote(lg.RunIDColumn)+" "+runIDType, quote(lg.LoadedAtColumn)+" "+loadedAtType)
	}
	if l.strategy.SoftDeletes() {
		defs = append(defs, quote(sdk.DeletedAtColumn)+" "+deletedAtType)
	}
	if l.versioned() {
		defs = append(defs, quote(versionColumn)+" UInt64")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (%s) ENGINE = %s", qualified(l.db, table), strings.Join(defs, ", "), engine)
	switch len(key) {
	case 1:
		fmt.Fprintf(&b, " ORDER BY %s", quote(key[0]))
	case 0:
		b.WriteString(" ORDER BY tuple()")
	default:
		fmt.Fprintf(&b, " ORDER BY (%s)", columnList(key))
	}
	switch {
	case l.opts.PartitionBy != "":
		fmt.Fprintf(&b, " PARTITION BY %s", l.opts.PartitionBy)
	case len(l.partitionBy()) == 1:
		fmt.Fprintf(&b, " PARTITION BY %s", quote(l.partitionBy()[0]))
	case len(l.partitionBy()) > 1:
		fmt.Fprintf(&b, " PARTITION BY (%s)", columnList(l.partitionBy()))
	}
	if len(l.opts.PrimaryKey) > 0 {
		fmt.Fprintf(&b, " PRIMARY KEY (%s)", columnList(l.opts.PrimaryKey))
	}
	if l.opts.TTL != "" {
		fmt.Fprintf(&b, " TTL %s", l.opts.TTL)
	}
	b.WriteString(l.opts.settingsClause())
	if comment != "" {
		fmt.Fprintf(&b, " COMMENT %s", literal(comment))
	}
	return b.String(), nil
}

// partitionBy is partition_replace's partition columns (nil for other
// modes): the target is partitioned by exactly them, so REPLACE PARTITION
// swaps the partitions a load holds.
func (l *load) partitionBy() []string {
	if l.req.Mode != sdk.ModePartitionReplace {
		return nil
	}
	return l.strategy.PartitionBy
}
