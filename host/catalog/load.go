package catalog

// BeginLoad is a load's request to a sink: what `dpone plan` resolves and
// `dpone run` sends to BeginLoad, and with every later call of the same
// load (Write, CommitLoad, AbortLoad, LoadStatus), so that a restarted
// plugin can still find its staging.
type BeginLoad struct {
	// ConfigJSON is the sink's resolved connection config.
	ConfigJSON []byte
	// LoadID is chosen by the host; staging names derive from it.
	LoadID string
	Target *TableRef
	Schema *Schema
	// Mode is sink.strategy.mode; UniqueKey sink.strategy.unique_key.
	Mode      string
	UniqueKey []string
	// OptionsJSON are the sink's options: its own keys for a sink that
	// reads typed options, the v1.0 layout (strategy, lineage) otherwise.
	OptionsJSON []byte
	// Load are the typed load options (nil for a sink without
	// typed_options).
	Load *LoadOptions
	// FenceGeneration is the run's lock generation; ManifestID and UnitID
	// name the fence; SharedTarget says other units load the same target.
	FenceGeneration int64
	ManifestID      string
	UnitID          string
	SharedTarget    bool
	// PayloadFormat is the native payload format proposed at BeginLoad and,
	// once the sink accepted it, the format of the load's Write streams
	// (protocol v1.2); "" means Arrow.
	PayloadFormat string
	// Staging is the unit's object-storage staging area (sink.staging),
	// nil when it has none.
	Staging *Staging
	// Writers is how many Write streams the run opens for the load at
	// once, one per partition of its read (protocol v1.5); 0: not said.
	Writers int
}

// Staging is an object-storage staging area: where a sink that loads
// from files writes a load's Parquet parts and checksum manifest.
type Staging struct {
	// Type is local, s3 or gcs.
	Type   string
	Bucket string
	Prefix string
	Keep   bool
	// Endpoint and Region address an S3 API or GCS other than the cloud's.
	Endpoint string
	Region   string
	// CredentialsJSON are the staging connection's resolved fields (a
	// JSON object), nil for the environment's default credentials. A
	// secret: plan shows it removed and state never keeps it.
	CredentialsJSON []byte
}

// Clone returns a copy of b whose own fields can be changed without
// changing b (the schema, options and byte slices are shared: nothing
// changes them in place).
func (b *BeginLoad) Clone() *BeginLoad {
	if b == nil {
		return nil
	}
	c := *b
	if b.Target != nil {
		t := *b.Target
		c.Target = &t
	}
	c.UniqueKey = append([]string(nil), b.UniqueKey...)
	if b.Staging != nil {
		s := *b.Staging
		c.Staging = &s
	}
	return &c
}

// GetTarget returns b's target, nil for nil.
func (b *BeginLoad) GetTarget() *TableRef {
	if b == nil {
		return nil
	}
	return b.Target
}

// LoadOptions are the typed options of a load (protocol v1.1).
type LoadOptions struct {
	// Lineage is nil when the target gets no lineage columns.
	Lineage     *Lineage
	ModeOptions *ModeOptions
}

// Lineage is the run id and load time a target gets as constant columns.
type Lineage struct {
	RunID string
	// LoadedAt is RFC 3339 in UTC.
	LoadedAt string
	// RunIDColumn and LoadedAtColumn name the columns; "" leaves one out.
	RunIDColumn    string
	LoadedAtColumn string
}

// ModeOptions are the load mode's own options (sink.strategy keys).
type ModeOptions struct {
	// Deletes is snapshot_diff's "hard" or "soft".
	Deletes string
	// MaxDeleteRatio guards snapshot_diff (nil: the sink's default).
	MaxDeleteRatio *float64
	// Where is replace's predicate.
	Where string
	// PartitionBy are partition_replace's columns.
	PartitionBy []string
	// TrackedColumns are scd2's versioned columns (empty: every loaded
	// column but the key); ValidFrom, ValidTo and IsCurrent name its
	// history columns ("" = the sink's default); HardDeletes is "close" or
	// "ignore" ("" = ignore).
	TrackedColumns []string
	ValidFrom      string
	ValidTo        string
	IsCurrent      string
	HardDeletes    string
}

// WriteResult is what a sink staged from one Write stream.
type WriteResult struct {
	Rows  int64
	Bytes int64
}

// CommitResult is what a sink's commit changed in the target.
type CommitResult struct {
	RowsInserted int64
	RowsUpdated  int64
	RowsDeleted  int64
}

// LoadState is a sink's answer to LoadStatus.
type LoadState int

// Load states.
const (
	LoadStateUnspecified LoadState = iota
	// LoadStateUnknown: the sink has no trace of the load.
	LoadStateUnknown
	// LoadStateStaged: staging exists, the target did not commit it.
	LoadStateStaged
	// LoadStateCommitted: the target committed the load (its receipt).
	LoadStateCommitted
)

var loadStateNames = [...]string{LoadStateUnknown: "unknown", LoadStateStaged: "staged", LoadStateCommitted: "committed"}

func (s LoadState) String() string {
	if s <= LoadStateUnspecified || int(s) >= len(loadStateNames) {
		return "unspecified"
	}
	return loadStateNames[s]
}
