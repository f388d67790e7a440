package sdk

import (
	"context"
	"encoding/json"

	"github.com/apache/arrow-go/v18/arrow"
)

// Spec describes a connector: who it is and what it claims. Claims that are
// not methods (load modes, incremental strategies) live here; claims that
// are methods are found by type assertion (see Checker, Partitioner, ...).
type Spec struct {
	// Name is the connector's short name: the binary is dpone-connector-<Name>.
	Name string
	// Version is the connector's semantic version (e.g. 1.2.0).
	Version     string
	Description string
	// ConfigSchema is the JSON Schema of the connector's config object.
	ConfigSchema string
	// SourceOptionsSchema is the JSON Schema of the source.options a Read
	// takes; OptionsSchema derives it from the options struct, so the
	// schema and the decoder cannot drift. The host refuses unknown keys
	// and mistyped values with it before any I/O. Empty: not published.
	SourceOptionsSchema string
	// SinkOptionsSchema is the JSON Schema of the connector's own
	// sink.options (OptionsSchema of the struct BeginLoad decodes them
	// into). The host refuses unknown keys and mistyped values with it at
	// plan time, before any I/O. Empty: not published (BeginLoad checks).
	SinkOptionsSchema string
	// SinkModes lists the strategy.mode values a Destination implements
	// (full_refresh, incremental_append, incremental_merge, ...).
	SinkModes []string
	// IncrementalStrategies lists the source.options.incremental_strategy
	// values a Source implements (column, xmin, ...).
	IncrementalStrategies []string
	// AtomicReceipts is true when CommitLoad records its receipt in the same
	// transaction as the data, so LoadStatus is exact after a crash.
	AtomicReceipts bool
	// Transactions is true when CommitLoad publishes atomically.
	Transactions bool
	// Fencing is true when the Destination honours LoadRequest.Fence:
	// BeginLoad and LoadStatus raise the target's fence, and CommitLoad
	// refuses a stale generation in its transaction (see Fence).
	Fencing bool
	// SchemaOps lists the changes a SchemaApplier renders; nil means all
	// of them. A destination that creates absent targets itself (its
	// BeginLoad knows options ApplySchema does not receive) leaves
	// OpCreateTable out, and the host then does not create them before
	// staging.
	SchemaOps []SchemaOp
	// CursorRange is true when the Source honours ReadRequest.CursorRange
	// on its incremental_column (rendering CursorBounds.Upper), so dpone
	// backfill can read it chunk by chunk. Without it, the host refuses a
	// backfill of the source's units and the SDK refuses a ranged Read.
	CursorRange bool
	// StagingTypes lists the sink.staging types ("local", "s3", "gcs") a
	// Destination loads from (LoadRequest.Staging); plan refuses the
	// others. StagingRequired: the Destination loads only that way, and
	// plan refuses a unit without sink.staging.
	StagingTypes    []string
	StagingRequired bool
}

// Connector is what a plugin's factory returns. It must implement Source,
// Destination or both; everything else is optional. A Connector that also
// implements io.Closer is closed by Serve when the host is done with the
// plugin (a graceful shutdown; a killed plugin closes nothing), e.g. to
// checkpoint a database file; without it, the process just exits.
type Connector interface {
	Spec() Spec
}

// Factory makes a Connector. Serve calls it once per plugin process.
type Factory func() Connector

// TableRef names a table in a source or target: namespace is the schema,
// dataset or directory, empty when the system has none.
type TableRef struct {
	Namespace string
	Name      string
}

// Stream is one readable table of a Source.
type Stream struct {
	Name      string
	Namespace string
	// Schema of the stream. Field metadata may carry logical types that Arrow
	// cannot express (see MetaLogical).
	Schema           *arrow.Schema
	PrimaryKey       []string
	CursorCandidates []string
	RowEstimate      int64
	ByteEstimate     int64
	// PayloadFormats lists the native payload formats a full Read of the
	// stream can emit besides Arrow (see PayloadSource); nil when none.
	PayloadFormats []string
}

// ReadMode is how much of a stream a Read returns.
type ReadMode int

// Read modes.
const (
	ReadFull ReadMode = iota + 1
	ReadIncremental
)

// ReadRequest is one Read call.
type ReadRequest struct {
	Config json.RawMessage
	// Namespace (schema, dataset) of the stream, empty when none.
	Namespace string
	Stream    string
	Columns   []string
	Mode      ReadMode
	// PriorState is the last committed checkpoint of this stream, or nil.
	PriorState []byte
	// Partition is a descriptor returned by Partitioner, or nil for all.
	Partition []byte
	// Options are the connector's own keys of the manifest's
	// source.options, JSON; host keys (parallel, batch_bytes) never
	// appear here.
	Options json.RawMessage
	// CursorRange, when set, asks for the rows whose cursor column
	// (incremental_column) lies in [Lower, Upper) and no others (not the
	// NULL cursors): one chunk of dpone backfill, a full read without a
	// prior state. Only a source whose Spec sets CursorRange gets one;
	// sdk.NewCursor applies it (CursorBounds.Upper).
	CursorRange *CursorRange
}

// CursorRange is a half-open slice of the cursor column, its bounds as
// literals of the cursor's type, the way a column checkpoint spells its
// cursor: "10000", "2024-01-01", "2024-01-01 06:00:00" (with "+00:00" for
// a time-zone-aware cursor). The source casts them to the column's type.
type CursorRange struct {
	Lower, Upper string
}

// Source reads streams.
//
// Read sends the stream's schema (RecordWriter.Schema, or implicitly with
// the first Write), then records, with Checkpoint calls whenever the records
// before them are a consistent resume point. Read must return promptly after
// ctx is cancelled. Calls may be concurrent for different streams.
type Source interface {
	Connector
	Discover(ctx context.Context, config json.RawMessage, selector []string) ([]Stream, error)
	Read(ctx context.Context, req ReadRequest, out RecordWriter) error
}

// LoadRequest identifies a load. Every Destination call gets the whole of
// it, so a restarted plugin can resume, commit or abort a load it did not
// begin: staging names must derive from LoadID (see StagingName).
type LoadRequest struct {
	Config    json.RawMessage
	LoadID    string
	Target    TableRef
	Schema    *arrow.Schema
	Mode      string
	UniqueKey []string
	// Load holds the host's lineage columns and mode options, typed
	// (Strategy checks the mode options).
	Load LoadOptions
	// Options are the connector's own keys of the manifest's sink.options,
	// JSON; host keys (lineage, schema_evolution, ...) never appear here.
	Options json.RawMessage
	// Fence names the load's unit and its lock generation (see Fence).
	Fence Fence
	// Staging is the unit's object-storage staging area (sink.staging),
	// nil when the manifest sets none; sent only to a Destination that
	// lists its type in Spec.StagingTypes.
	Staging *Staging
	// Writers is how many Write streams the host opens for the load at
	// once (one per parallel partition); 0 when it does not say (hosts
	// before protocol v1.5). A hint for a faster path when it is 1: a
	// load must stay correct whatever it says, and Write may still be
	// called again (a run resuming a load).
	Writers int
}

// WriteResult reports what Write staged.
type WriteResult struct {
	Rows  int64
	Bytes int64
}

// CommitResult reports what CommitLoad changed in the target.
type CommitResult struct {
	RowsInserted int64
	RowsUpdated  int64
	RowsDeleted  int64
}

// Destination loads data, staging first and in two phases:
// BeginLoad creates staging, Write fills it (may be called more than once,
// also concurrently for parallel partitions), CommitLoad publishes into the
// target atomically, AbortLoad drops staging. CommitLoad of a load already
// committed must succeed without changing the target again (idempotent) or
// fail; it must never apply twice.
type Destination interface {
	Connector
	BeginLoad(ctx context.Context, req LoadRequest) (staging string, err error)
	Write(ctx context.Context, req LoadRequest, records RecordReader) (WriteResult, error)
	CommitLoad(ctx context.Context, req LoadRequest, receipt json.RawMessage) (CommitResult, error)
	AbortLoad(ctx context.Context, req LoadRequest) error
}

// RecordReader yields the records the host sent to Write. The returned
// record is valid until the next call to Next; Next returns io.EOF at the end.
type RecordReader interface {
	Schema() *arrow.Schema
	Next() (arrow.RecordBatch, error)
}

// Arrow field metadata keys that carry what Arrow types cannot say.
const (
	// MetaLogical marks a utf8 field as a uuid or json logical type.
	MetaLogical = "dpone.logical"
	// MetaNative records the source's own type name, e.g. numeric(18,4).
	MetaNative = "dpone.native"
	// MetaMaxLength records a declared string or binary length.
	MetaMaxLength = "dpone.max_length"
)

// Values of MetaLogical.
const (
	LogicalUUID = "uuid"
	LogicalJSON = "json"
)
