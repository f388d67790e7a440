package catalog

// SourceMode is a way a source can read a stream.
type SourceMode int

// Source modes.
const (
	SourceModeUnspecified SourceMode = iota
	SourceModeFull
	SourceModeIncremental
)

// Capabilities is what a connector declared it can do, as data (STYLE §2).
type Capabilities struct {
	Source      bool
	Destination bool
	SourceModes []SourceMode
	// Sink load modes, as in the manifest's strategy.mode.
	SinkModes []string
	// Source incremental strategies (column, xmin, ...).
	IncrementalStrategies []string
	ParallelPartitions    bool
	AtomicReceipts        bool
	DescribeTarget        bool
	ApplySchema           bool
	Check                 bool
	Transactions          bool
	LoadStatus            bool
	// Schema operations ApplySchema can render (add_column, widen_type, ...).
	SchemaOps      []string
	DescribeStream bool
	// The connector reads typed load options and receives only its own
	// keys in options JSON (protocol v1.1).
	TypedOptions bool
	// The sink reads the load an ApplySchema is for and, when its schema
	// ops leave out create_table, renders on a dry-run create the
	// statements that create the target at commit (protocol v1.3).
	LoadSchema bool
	// The sink honours a load's fence atomically with its commit.
	Fencing bool
	// Native payload formats the source can emit for the streams that
	// list them, and those the sink accepts in Write (protocol v1.2).
	SourcePayloadFormats []string
	SinkPayloadFormats   []string
	// PayloadHandoff: a Read and a Write of the same plugin process can
	// pass payloads in memory (protocol v1.4).
	PayloadHandoff bool
	// The source reads a cursor range (protocol v1.3): dpone backfill.
	CursorRange bool
	// StagingTypes are the sink.staging types the sink loads from;
	// StagingRequired: it loads only through object storage.
	StagingTypes    []string
	StagingRequired bool
}

// Spec is a connector's answer to GetSpec.
type Spec struct {
	Name            string
	Version         string
	ProtocolVersion int32
	// JSON Schema of the connector's config.
	ConfigSchemaJSON string
	Description      string
	// JSON Schema of source.options.
	SourceOptionsSchemaJSON string
	// SinkOptionsSchemaJSON is the JSON Schema of the connector's own
	// sink.options ("" when it publishes none).
	SinkOptionsSchemaJSON string
	SDKVersion            string
	Capabilities          Capabilities
}

// Stream is one stream a source discovered.
type Stream struct {
	Name             string
	Namespace        string
	Schema           *Schema
	PrimaryKey       []string
	CursorCandidates []string
	RowEstimate      int64
	ByteEstimate     int64
	// PayloadFormats are the native payload formats a full read of the
	// stream can emit besides Arrow (protocol v1.2).
	PayloadFormats []string
}

// String is the mode's lowercase name: full, incremental (unspecified
// for the zero value and modes this host does not know).
func (m SourceMode) String() string {
	switch m {
	case SourceModeFull:
		return "full"
	case SourceModeIncremental:
		return "incremental"
	}
	return "unspecified"
}

// GetSchema returns s's schema, nil for nil.
func (s *Stream) GetSchema() *Schema {
	if s == nil {
		return nil
	}
	return s.Schema
}

// Target is a sink's answer to DescribeTarget.
type Target struct {
	// Exists is false when the table is absent; then Schema is nil.
	Exists     bool
	Schema     *Schema
	PrimaryKey []string
}

// GetName returns s's name, "" for nil.
func (s *Stream) GetName() string {
	if s == nil {
		return ""
	}
	return s.Name
}

// GetNamespace returns s's namespace, "" for nil.
func (s *Stream) GetNamespace() string {
	if s == nil {
		return ""
	}
	return s.Namespace
}
