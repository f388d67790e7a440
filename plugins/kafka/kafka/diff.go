package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// snapshot_diff on a topic: the load is the full snapshot; the target is
// read as a compacted topic converges (the latest message per key, none
// after a tombstone). In CommitLoad's transaction, after the snapshot's
// messages, every key live in the target and absent from the snapshot
// gets a tombstone (deletes: hard) or its latest value again with
// _dpone_deleted_at set (deletes: soft, JSON values). Keys are the
// unique_key's, as the sink writes them; max_delete_ratio guards against
// an incomplete snapshot.

// targetKeys is the converged state of a target topic's keys.
type targetKeys struct {
	// live holds every key whose latest message is a value: true when it
	// is live, false when it is soft-deleted.
	live map[string]bool
	// last is where each key's latest message is.
	last map[string]position
	low  map[int32]int64
	ends map[int32]int64
	// staged are the snapshot's keys.
	staged map[string]struct{}
}

// scanTarget reads the target's keys up to its last stable offsets.
func (l *load) scanTarget(ctx context.Context, a *admin, ps []int32, soft bool) (*targetKeys, error) {
	tk := &targetKeys{live: map[string]bool{}, last: map[string]position{}, staged: map[string]struct{}{}}
	var err error
	if tk.low, err = a.offsets(ctx, l.topic, ps, ck.EarliestOffsetSpec); err != nil {
		return nil, err
	}
	if tk.ends, err = a.offsets(ctx, l.topic, ps, ck.LatestOffsetSpec); err != nil {
		return nil, err
	}
	err = consumeRange(ctx, l.cfg, l.topic, tk.low, tk.ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		if m.Key == nil {
			return false, nil
		}
		k := string(m.Key)
		tk.last[k] = position{m.TopicPartition.Partition, int64(m.TopicPartition.Offset)}
		switch {
		case m.Value == nil:
			delete(tk.live, k)
		default:
			tk.live[k] = !(soft && softDeleted(m.Value))
		}
		return false, nil
	})
	return tk, err
}

// softDeleted reports a JSON value whose _dpone_deleted_at is set.
func softDeleted(value []byte) bool {
	if !bytes.Contains(value, []byte(`"`+sdk.DeletedAtColumn+`"`)) {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(value, &m) != nil {
		return false
	}
	v, ok := m[sdk.DeletedAtColumn]
	return ok && string(v) != "null"
}

// publishDeletes produces the deletes of the live keys the snapshot
// lacks, after checking max_delete_ratio, and returns how many.
func (l *load) publishDeletes(ctx context.Context, pr *producer, tk *targetKeys, st sdk.Strategy, headers []ck.Header) (int64, error) {
	var live int
	deleted := map[string]bool{}
	for k, isLive := range tk.live {
		if !isLive {
			continue
		}
		live++
		if _, ok := tk.staged[k]; !ok {
			deleted[k] = true
		}
	}
	if live > 0 && float64(len(deleted))/float64(live) > *st.MaxDeleteRatio {
		return 0, sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d live keys of topic %s (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise strategy.max_delete_ratio to allow it",
			len(deleted), live, l.topic, float64(len(deleted))/float64(live), *st.MaxDeleteRatio)
	}
	if len(deleted) == 0 {
		return 0, nil
	}
	if !st.SoftDeletes() {
		for k := range deleted {
			if err := pr.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.topic, Partition: ck.PartitionAny},
				Key: []byte(k), Value: nil, Headers: headers}); err != nil {
				return 0, err
			}
		}
		return int64(len(deleted)), nil
	}
	at, _ := json.Marshal(time.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	err := consumeRange(ctx, l.cfg, l.topic, tk.low, tk.ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		k := string(m.Key)
		if m.Key == nil || !deleted[k] || tk.last[k] != (position{m.TopicPartition.Partition, int64(m.TopicPartition.Offset)}) {
			return false, nil
		}
		v, err := setJSONField(m.Value, sdk.DeletedAtColumn, at)
		if err != nil {
			return false, sdk.Errorf(sdk.CodeData, "soft delete of key %s in topic %s: its latest value is not a JSON object: %v", k, l.topic, err)
		}
		return false, pr.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.topic, Partition: ck.PartitionAny},
			Key: m.Key, Value: v, Headers: headers})
	})
	return int64(len(deleted)), err
}

// setJSONField sets field name of a JSON object to raw, keeping the
// order of the other fields.
func setJSONField(value []byte, name string, raw json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(value, &m); err != nil {
		return nil, err
	}
	out := []byte{'{'}
	put := func(k string, v json.RawMessage) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(append(append(out, kb...), ':'), v...)
	}
	for _, k := range objectKeys(value) {
		if k != name {
			put(k, m[k])
		}
	}
	put(name, raw)
	return append(out, '}'), nil
}

// checkDiff refuses what snapshot_diff cannot do on a topic.
func (l *load) checkDiff(st sdk.Strategy) error {
	if l.req.Mode != sdk.ModeSnapshotDiff {
		return nil
	}
	if l.opts.Key != keyUniqueKey {
		return sdk.Errorf(sdk.CodeConfig, "mode snapshot_diff identifies rows by their message key: sink option key must be unique_key, not %s", l.opts.Key)
	}
	if st.SoftDeletes() && l.opts.Format != formatJSON {
		return sdk.Errorf(sdk.CodeConfig, "mode snapshot_diff with deletes: soft rewrites the deleted keys' JSON values: use format json, or deletes: hard (tombstones)")
	}
	return nil
}
