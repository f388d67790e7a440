package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is dpone's durable state. Implementations are safe for concurrent
// use by several goroutines; several processes may open the same storage.
// Returned slices and blobs belong to the caller.
type Store interface {
	// StartRun records a new run. Run.Status defaults to RunRunning.
	// A run id that exists already returns ErrExists.
	StartRun(ctx context.Context, r Run) error
	// FinishRun sets a run's final status, finish time, JSON summary and
	// error message. An unknown run id returns ErrNotFound.
	FinishRun(ctx context.Context, runID string, status RunStatus, finished time.Time, summary []byte, errMsg string) error
	// Runs lists runs, newest first; limit <= 0 means all.
	Runs(ctx context.Context, limit int) ([]Run, error)
	// Run returns one run or ErrNotFound.
	Run(ctx context.Context, id string) (Run, error)
	// AbandonDeadRuns marks abandoned every run still "running" whose
	// process is gone (killed with kill -9, or the machine crashed) and
	// returns their ids. Only processes on this host can be checked.
	AbandonDeadRuns(ctx context.Context) ([]string, error)
	// AbandonRun marks one run abandoned with a reason, if it is still
	// "running"; otherwise it does nothing.
	AbandonRun(ctx context.Context, runID, reason string) error

	// Checkpoint returns a stream's checkpoint, or ErrNotFound when the
	// stream has none (never loaded, or reset).
	Checkpoint(ctx context.Context, stream StreamKey) (Checkpoint, error)
	// Checkpoints lists every checkpoint ordered by manifest, then unit.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)

	// RecordPending records a load as pending, with the checkpoint that
	// becomes the stream's state once the sink committed. Call it before
	// the sink's CommitLoad. A load id that exists already returns ErrExists.
	RecordPending(ctx context.Context, l Load) error
	// SetPendingCheckpoint replaces a pending load's checkpoint: a load
	// is recorded before its data is staged (so a crash leaves a record to
	// abort) and gets its checkpoint once the source finished. A load that
	// is not pending returns ErrLoadState; an unknown one ErrNotFound.
	SetPendingCheckpoint(ctx context.Context, loadID string, checkpoint []byte) error
	// MarkCommitted, in one transaction, marks a pending load committed
	// and, when the load carries a checkpoint, makes it the stream's
	// checkpoint with the version incremented. Committing a committed load
	// again is a no-op; committing an aborted load returns ErrLoadState;
	// an unknown load returns ErrNotFound.
	MarkCommitted(ctx context.Context, loadID string) error
	// MarkAborted marks a pending load aborted with a reason; the stream's
	// checkpoint does not move. Aborting an aborted load is a no-op;
	// aborting a committed one returns ErrLoadState.
	MarkAborted(ctx context.Context, loadID, reason string) error
	// PendingLoads lists loads still pending, oldest first.
	PendingLoads(ctx context.Context) ([]Load, error)
	// Loads lists loads, newest first, as the filter says.
	Loads(ctx context.Context, f LoadFilter) ([]Load, error)
	// Load returns one load or ErrNotFound.
	Load(ctx context.Context, id string) (Load, error)

	// SetCheckpoint sets a stream's checkpoint by hand (nil state resets
	// it: the stream has no checkpoint afterwards) and records an audit
	// event with the reason.
	SetCheckpoint(ctx context.Context, stream StreamKey, state []byte, reason string) error
	// History lists a stream's audit events (commits, sets, resets),
	// newest first; limit <= 0 means all.
	History(ctx context.Context, stream StreamKey, limit int) ([]Event, error)

	// Lock takes the lock named unitKey for runID for ttl. A lock held by
	// another run and not expired returns an ErrLocked; an expired lock is
	// taken over; a lock held by the same run id is taken over too (a
	// resumed run). Holders call Lock.Refresh before the ttl passes.
	Lock(ctx context.Context, unitKey, runID string, ttl time.Duration) (Lock, error)
	// LockGeneration is the generation of the lock's latest holder (live
	// or not); ErrNotFound when the lock was never taken.
	LockGeneration(ctx context.Context, unitKey string) (int64, error)

	// Close releases the store's connections.
	Close() error
}

// Lock is a held unit lock. Its methods are safe for concurrent use.
type Lock interface {
	// Key is the lock's unit key.
	Key() string
	// RunID is the holder.
	RunID() string
	// Expires is when the lock lapses unless refreshed.
	Expires() time.Time
	// Generation grows with every new holder of the unit's lock (takeover,
	// re-take after release, a resumed run): a holder whose generation is
	// no longer the latest lost the lock. Loads carry it to the sink, which
	// refuses a commit with a stale one (fencing).
	Generation() int64
	// Refresh extends the lock to now+ttl; ErrLockLost when the lock
	// expired and someone else took it, or it was released.
	Refresh(ctx context.Context, ttl time.Duration) error
	// Release frees the lock; releasing twice, or a lock taken over, is a
	// no-op.
	Release(ctx context.Context) error
}

// StreamKey names a stream's state: the manifest id and the load unit,
// e.g. {"shop_landing", "public.orders"}.
type StreamKey struct {
	Manifest string `json:"manifest"`
	Unit     string `json:"unit"`
}

// String returns "manifest/unit".
func (k StreamKey) String() string { return k.Manifest + "/" + k.Unit }

// Checkpoint is a stream's committed state.
type Checkpoint struct {
	Stream StreamKey
	// State is the connector's opaque blob (usually JSON).
	State []byte
	// Version starts at 1 and grows by one with every change.
	Version   int64
	UpdatedAt time.Time
	// RunID and LoadID name the load that committed it ("" when set by hand).
	RunID, LoadID string
}

// Load statuses.
const (
	LoadPending   = "pending"
	LoadCommitted = "committed"
	LoadAborted   = "aborted"
)

// Load is one two-phase load into a sink.
type Load struct {
	ID, RunID string
	Stream    StreamKey
	// Target is the sink table ("namespace.table").
	Target string
	Mode   string
	// Checkpoint becomes the stream's state on MarkCommitted (nil: the
	// stream's state does not move).
	Checkpoint []byte
	// Begin holds the load's LoadRecord (sink, connection id, the
	// BeginLoad request without config or options): never a secret.
	Begin  []byte
	Status string
	// Reason says why a load was aborted.
	Reason               string
	CreatedAt, UpdatedAt time.Time
}

// RunStatus is a run's outcome.
type RunStatus string

// Run statuses.
const (
	RunRunning     RunStatus = "running"
	RunSucceeded   RunStatus = "ok"
	RunFailed      RunStatus = "failed"
	RunPartial     RunStatus = "partial"
	RunInterrupted RunStatus = "interrupted"
	// RunAbandoned is a run whose process died without finishing it
	// (kill -9, a crash); recovery marks it so.
	RunAbandoned RunStatus = "abandoned"
)

// LoadFilter selects loads for Store.Loads; zero fields select all.
type LoadFilter struct {
	// Status is LoadPending, LoadCommitted or LoadAborted.
	Status string
	// Stream limits the loads to one stream.
	Stream *StreamKey
	// Limit bounds the count (<= 0: all).
	Limit int
}

// Run is one `dpone run`.
type Run struct {
	ID, Manifest, Status  string
	StartedAt, FinishedAt time.Time
	Args                  []string
	// Summary is the run's JSON summary (nil until finished).
	Summary []byte
	Error   string
}

// Event kinds in a stream's history.
const (
	EventCommit = "commit"
	EventSet    = "set"
	EventReset  = "reset"
)

// Event is one change of a stream's checkpoint.
type Event struct {
	ID     int64
	At     time.Time
	Kind   string
	Stream StreamKey
	// Version is the checkpoint version after the change (0 after a reset).
	Version       int64
	RunID, LoadID string
	Before, After []byte
	Reason        string
}

var (
	// ErrNotFound reports a missing run, load or checkpoint.
	ErrNotFound = errors.New("not found")
	// ErrExists reports a run or load id recorded already.
	ErrExists = errors.New("already exists")
	// ErrLoadState reports a load transition that is not allowed, such as
	// committing an aborted load.
	ErrLoadState = errors.New("load state does not allow this")
	// ErrLockLost reports a lock that expired and was taken over, or was
	// released.
	ErrLockLost = errors.New("lock lost")
	// ErrSchemaTooNew reports a state store migrated by a newer dpone.
	ErrSchemaTooNew = errors.New("state schema is newer than this dpone")
)

// ErrLocked is returned by Store.Lock when another live run holds the lock.
type ErrLocked struct {
	Unit    string
	HeldBy  string // run id of the holder
	Since   time.Time
	Expires time.Time
}

func (e ErrLocked) Error() string {
	return fmt.Sprintf("unit %s is locked by run %s since %s (expires %s)",
		e.Unit, e.HeldBy, e.Since.UTC().Format(time.RFC3339), e.Expires.UTC().Format(time.RFC3339))
}
