package kafka

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// receiptsTopic holds one receipt record per committed load, written in
// the load's transaction. It has one partition, so receipts are ordered.
const receiptsTopic = "_dpone_loads"

// receipt is a committed load's record in receiptsTopic (key: load id).
type receipt struct {
	LoadID string `json:"load_id"`
	// Target is the topic loaded.
	Target string `json:"target"`
	Mode   string `json:"mode"`
	Rows   int64  `json:"rows"`
	RunID  string `json:"run_id,omitempty"`
	// Manifest and Unit name the unit that committed the load (fencing).
	Manifest string `json:"manifest,omitempty"`
	Unit     string `json:"unit,omitempty"`
	// Schema is the Arrow IPC schema of the rows' values, so a reader
	// decodes them with their exact types.
	Schema []byte `json:"schema,omitempty"`
	// Snapshot holds, for a full_refresh, the offset where the snapshot
	// begins in every partition of the target.
	Snapshot    map[string]int64 `json:"snapshot,omitempty"`
	Receipt     json.RawMessage  `json:"receipt,omitempty"`
	CommittedAt time.Time        `json:"committed_at"`
	// Publish is how the messages entered the committed transaction:
	// during_write or at_commit (direct.go).
	Publish string `json:"publish,omitempty"`
}

// receipts is what receiptsTopic holds, read_committed.
type receipts struct {
	byLoad map[string]*receipt
	// last is the latest receipt of every target with a schema;
	// lastSnap the latest full_refresh receipt of every target.
	last, lastSnap map[string]*receipt
	// scanned counts the receipt records read.
	scanned int
}

// readReceipts reads receiptsTopic to its last stable offset; an absent
// topic holds no receipts.
func readReceipts(ctx context.Context, cfg Config, a *admin) (*receipts, error) {
	return readReceiptsSince(ctx, cfg, a, time.Time{})
}

// receiptSkew is how much earlier than a load's first staged message its
// receipt's timestamp may be (clocks of different plugin hosts).
const receiptSkew = 10 * time.Minute

// readReceiptsSince reads the receipts written at or after since (all of
// them when since is zero), by the receipts' timestamps: a load's receipt
// is written after its rows were staged, so a commit or status of a
// staged load reads only the receipts since its staging, not the whole
// topic.
func readReceiptsSince(ctx context.Context, cfg Config, a *admin, since time.Time) (*receipts, error) {
	return readReceiptsFrom(ctx, cfg, a, receiptsTopic, since)
}

// readReceiptsFrom is readReceiptsSince on a receipts topic of that name.
func readReceiptsFrom(ctx context.Context, cfg Config, a *admin, receiptsTopic string, since time.Time) (*receipts, error) {
	rc := &receipts{byLoad: map[string]*receipt{}, last: map[string]*receipt{}, lastSnap: map[string]*receipt{}}
	ps, found, err := a.partitions(ctx, receiptsTopic)
	if err != nil || !found {
		return rc, err
	}
	ends, err := a.offsets(ctx, receiptsTopic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return nil, err
	}
	spec := ck.EarliestOffsetSpec
	if !since.IsZero() {
		spec = ck.NewOffsetSpecForTimestamp(since.UnixMilli())
	}
	from, err := a.offsets(ctx, receiptsTopic, ps, spec)
	if err != nil {
		return nil, err
	}
	for p, off := range from {
		if off < 0 { // nothing at or after since
			from[p] = ends[p]
		}
	}
	err = consumeRange(ctx, cfg, receiptsTopic, from, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		rc.scanned++
		var r receipt
		if json.Unmarshal(m.Value, &r) != nil || r.LoadID == "" {
			return false, nil
		}
		rc.byLoad[r.LoadID] = &r
		if len(r.Schema) > 0 {
			rc.last[r.Target] = &r
		}
		if r.Mode == "full_refresh" {
			rc.lastSnap[r.Target] = &r
		}
		return false, nil
	})
	return rc, err
}

// stagedSince is when the load's first staged message was written, less
// receiptSkew; zero (read every receipt) for an empty staging topic.
func (l *load) stagedSince(ctx context.Context, ps []int32, a *admin) (time.Time, error) {
	low, err := a.offsets(ctx, l.staging, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return time.Time{}, err
	}
	ends, err := a.offsets(ctx, l.staging, ps, ck.LatestOffsetSpec)
	if err != nil {
		return time.Time{}, err
	}
	var first time.Time
	err = consumeRange(ctx, l.cfg, l.staging, low, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		first = m.Timestamp
		return true, nil
	})
	if err != nil || first.IsZero() {
		return time.Time{}, err
	}
	return first.Add(-receiptSkew), nil
}

// schema is the value schema of topic's latest dpone load, or nil.
func (rc *receipts) schema(topic string) *arrow.Schema {
	r := rc.last[topic]
	if r == nil {
		return nil
	}
	s, err := decodeSchema(r.Schema)
	if err != nil {
		return nil
	}
	return s
}

// lastSnapshot is where topic's latest full_refresh begins by partition,
// or nil when no dpone sink published one.
func (rc *receipts) lastSnapshot(topic string) map[int32]int64 {
	r := rc.lastSnap[topic]
	if r == nil {
		return nil
	}
	out := make(map[int32]int64, len(r.Snapshot))
	for k, v := range r.Snapshot {
		if p, err := strconv.ParseInt(k, 10, 32); err == nil {
			out[int32(p)] = v
		}
	}
	return out
}
