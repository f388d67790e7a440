package sdk

import (
	"context"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow"
)

// Checker verifies a config: credentials, reachability, permissions.
// Without it, Check succeeds whenever the config is valid JSON.
type Checker interface {
	Check(ctx context.Context, config json.RawMessage) error
}

// Partitioner splits a stream into n descriptors that Read accepts in
// ReadRequest.Partition; together they cover the stream exactly once,
// ideally from one consistent snapshot. Without it, the host reads each
// stream with a single Read.
type Partitioner interface {
	Partition(ctx context.Context, req ReadRequest, n int) ([][]byte, error)
}

// TargetDescriber reports a target table's current schema; exists is false
// when the table is absent. Without it, the host cannot plan schema
// evolution and assumes the destination creates what it needs in BeginLoad.
type TargetDescriber interface {
	DescribeTarget(ctx context.Context, config json.RawMessage, table TableRef) (schema *arrow.Schema, primaryKey []string, exists bool, err error)
}

// SchemaOp is a schema change the host asks a destination to render.
type SchemaOp int

// Schema operations.
const (
	OpCreateTable SchemaOp = iota + 1
	OpAddColumn
	OpWidenType
	OpDropNotNull
)

// String names the operation as capabilities list it.
func (o SchemaOp) String() string {
	switch o {
	case OpCreateTable:
		return "create_table"
	case OpAddColumn:
		return "add_column"
	case OpWidenType:
		return "widen_type"
	case OpDropNotNull:
		return "drop_not_null"
	}
	return "unknown"
}

// SchemaChange is one change to a target table. For OpWidenType, From is the
// type before the change; for OpCreateTable, Field is unused and Schema
// holds the whole table.
type SchemaChange struct {
	Op     SchemaOp
	Field  arrow.Field
	From   arrow.DataType
	Schema *arrow.Schema
	// PrimaryKey is, for OpCreateTable, the columns of the table's primary
	// key in order; empty means none.
	PrimaryKey []string
}

// SchemaApplier renders schema changes as the destination's DDL and, unless
// dryRun, applies them. The host decides what changes; the plugin decides how.
// Without it, the host refuses schema changes on an existing target.
type SchemaApplier interface {
	ApplySchema(ctx context.Context, config json.RawMessage, table TableRef, changes []SchemaChange, dryRun bool) (ddl []string, err error)
}

// SchemaRequest asks a destination to render, and unless DryRun apply,
// schema changes to Table.
type SchemaRequest struct {
	Config  json.RawMessage
	Table   TableRef
	Changes []SchemaChange
	DryRun  bool
	// For is the load the changes are made for: its Mode, UniqueKey, Load
	// options and the connector's own sink Options, with Target = Table
	// (no LoadID, Schema or Fence). Zero (Mode "") when the changes belong
	// to no load (a quarantine table) or the host predates protocol v1.3.
	For LoadRequest
}

// LoadSchemaApplier is a SchemaApplier that sees the load its changes are
// for (protocol v1.3): a destination whose physical design follows the
// load's mode and its sink options (engine, sorting key, partitioning,
// clustering) renders the CREATE it really runs. When a connector
// implements it, the SDK calls it instead of SchemaApplier.ApplySchema.
//
// A destination whose Spec.SchemaOps leave out create_table creates absent
// targets itself at commit; for plans, the host sends it a dry-run
// OpCreateTable, which it answers with the statements its commit runs for
// that load (and must then run exactly those).
type LoadSchemaApplier interface {
	ApplySchemaFor(ctx context.Context, req SchemaRequest) (ddl []string, err error)
}

// LoadState is what a destination knows about a load.
type LoadState int

// Load states.
const (
	LoadUnknown LoadState = iota + 1
	LoadStaged
	LoadCommitted
)

// LoadStatuser answers whether a load was committed, from the receipt the
// destination wrote with it. Without it, the host cannot resolve a load left
// pending by a crash and aborts it (which is safe only for idempotent modes).
type LoadStatuser interface {
	LoadStatus(ctx context.Context, req LoadRequest) (LoadState, error)
}

// StreamDescriber returns the stream a Read with req would produce (its
// schema and keys) without reading rows; plans use it. Implement it when
// Read's schema depends on ReadRequest.Options (a query, a file glob,
// column overrides), which Discover cannot see. Without it, the host plans
// from Discover.
type StreamDescriber interface {
	DescribeStream(ctx context.Context, req ReadRequest) (Stream, error)
}

// TypeLossReporter says when a destination's type for a column cannot hold
// every value of the column's Arrow type exactly (nanoseconds kept as
// microseconds, a decimal wider than the target allows): it returns a
// short note, or "" when the mapping is lossless. The SDK asks it for every
// column ApplySchema renders and sends the notes with the DDL, so plans
// show them. Without it, plans show no notes.
type TypeLossReporter interface {
	TypeLoss(field arrow.Field) string
}
