package catalog

// ReadRequest asks a source for one stream's rows: what `dpone plan`
// resolves and `dpone run` sends.
type ReadRequest struct {
	// ConfigJSON is the source's resolved connection config.
	ConfigJSON []byte
	Namespace  string
	Stream     string
	// Columns to read; empty means all.
	Columns []string
	Mode    SourceMode
	// PriorState is the checkpoint an incremental read resumes from.
	PriorState []byte
	// Partition is one descriptor from Partition (nil: the whole stream).
	Partition []byte
	// OptionsJSON are the source's options as the connector takes them.
	OptionsJSON []byte
	// BatchBytes is the batch size the host asks for (0: the plugin's).
	BatchBytes int64
	// PayloadFormat asks for a native payload format the stream lists
	// (protocol v1.2); "" means Arrow.
	PayloadFormat string
	// PayloadHandoff, with PayloadFormat, has the plugin pass the
	// payloads in memory to the Write of its own process whose
	// WriteHandoff is the same id (protocol v1.4,
	// Capabilities.PayloadHandoff); the stream's batches then carry rows
	// and HandoffBytes only.
	PayloadHandoff string
	// CursorRange, when set, reads only the rows whose cursor lies in
	// [Lower, Upper) (protocol v1.3, a backfill chunk).
	CursorRange *CursorRange
}

// CursorRange is a half-open slice of a source's cursor column, its bounds
// as literals of the cursor's type (see the protocol's CursorRange).
type CursorRange struct {
	Lower, Upper string
}

// Clone returns a copy of r that can be changed without changing r (the
// byte slices are shared: nothing changes them in place).
func (r *ReadRequest) Clone() *ReadRequest {
	if r == nil {
		return nil
	}
	c := *r
	c.Columns = append([]string(nil), r.Columns...)
	if r.CursorRange != nil {
		rng := *r.CursorRange
		c.CursorRange = &rng
	}
	return &c
}

// PartitionRequest asks a source for Count partition descriptors of a
// stream, for parallel reads from one snapshot.
type PartitionRequest struct {
	ConfigJSON  []byte
	Namespace   string
	Stream      string
	Count       int32
	OptionsJSON []byte
	PriorState  []byte
}

// MessageKind says which part of a ReadMessage is set.
type MessageKind int

// Read message kinds.
const (
	MessageUnspecified MessageKind = iota
	MessageSchema
	MessageBatch
	MessageCheckpoint
	MessageProgress
	MessageLog
)

var messageNames = [...]string{MessageSchema: "schema", MessageBatch: "batch",
	MessageCheckpoint: "checkpoint", MessageProgress: "progress", MessageLog: "log"}

func (k MessageKind) String() string {
	if k <= MessageUnspecified || int(k) >= len(messageNames) {
		return "unspecified"
	}
	return messageNames[k]
}

// ReadMessage is one message of a read, in order: the schema (first, once),
// then batches, checkpoints (valid after the batches before them),
// progress and logs. Kind says which field is set. It is a value so that
// receiving a batch allocates nothing beyond what the transport did.
type ReadMessage struct {
	Kind       MessageKind
	Schema     *Schema
	Batch      Batch
	Checkpoint []byte
	Progress   Progress
	Log        Log
}

// Batch is one Arrow record batch as an Arrow IPC stream. The host
// forwards ArrowIPC to the sink untouched unless a host step needs the
// values; nobody changes the bytes in place.
type Batch struct {
	ArrowIPC []byte
	Rows     int64
	// Payload holds the rows in the read's native payload format instead
	// of ArrowIPC (protocol v1.2), forwarded to the sink as it came.
	Payload []byte
	// HandoffBytes is the size of a payload the plugin passed in process
	// to the load's Write (ReadRequest.PayloadHandoff): the batch carries
	// no bytes, the host only counts it.
	HandoffBytes int64
}

// Progress is a source's count of what it read so far and its estimate.
type Progress struct {
	Rows         int64
	Bytes        int64
	RowsEstimate int64
}

// LogLevel is the severity of a connector's log message.
type LogLevel int

// Log levels, in increasing severity.
const (
	LogUnspecified LogLevel = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
)

var levelNames = [...]string{LogDebug: "debug", LogInfo: "info", LogWarn: "warn", LogError: "error"}

func (l LogLevel) String() string {
	if l <= LogUnspecified || int(l) >= len(levelNames) {
		return "unspecified"
	}
	return levelNames[l]
}

// Log is a message a connector logged during a read.
type Log struct {
	Level   LogLevel
	Message string
}
