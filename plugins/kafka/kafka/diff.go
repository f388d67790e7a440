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

// targetKeys is a target topic's keys as the commit sees them: the
// target's keyed messages and the snapshot's keys, spilled to disk by key
// hash (spill.go) and compared one bucket at a time, so memory stays about
// one bucket's keys (spillPerBucket) however many keys the topic holds.
type targetKeys struct {
	spill *keySpill
	seq   int64
}

// keyState is a key's latest target message in one bucket and whether
// the snapshot has the key.
type keyState struct {
	kind   byte
	seq    int64
	value  []byte
	staged bool
}

// scanTarget spills the target's keyed messages up to its last stable
// offsets (for soft deletes with the latest values, which a soft delete
// publishes again).
func (l *load) scanTarget(ctx context.Context, a *admin, ps []int32, soft bool) (*targetKeys, error) {
	low, err := a.offsets(ctx, l.topic, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return nil, err
	}
	ends, err := a.offsets(ctx, l.topic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return nil, err
	}
	var n int64
	for p, e := range ends {
		n += max(e-low[p], 0)
	}
	sp, err := newKeySpill(n)
	if err != nil {
		return nil, sdk.WithCode(sdk.CodeInternal, err)
	}
	tk := &targetKeys{spill: sp}
	err = consumeRange(ctx, l.cfg, l.topic, low, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		if m.Key == nil {
			return false, nil
		}
		tk.seq++
		r := spillRec{kind: recLive, seq: tk.seq}
		switch {
		case m.Value == nil:
			r.kind = recTombstone
		case soft && softDeleted(m.Value):
			r.kind = recSoftDeleted
		case soft:
			r.value = m.Value
		}
		return false, tk.spill.add(m.Key, r)
	})
	if err != nil {
		sp.close()
		return nil, err
	}
	return tk, nil
}

// stage records a key of the snapshot.
func (tk *targetKeys) stage(key []byte) error {
	return tk.spill.add(key, spillRec{kind: recStaged})
}

func (tk *targetKeys) close() { tk.spill.close() }

// diff counts the keys live in the target and, of those, the ones the
// snapshot lacks, calling fn (when not nil) with each of these and its
// latest value (soft deletes only). Bucket by bucket: a bucket holds the
// target's records first, then the snapshot's.
func (tk *targetKeys) diff(fn func(key, value []byte) error) (live, deleted int, err error) {
	for b := range tk.spill.buckets() {
		m := map[string]*keyState{}
		err := tk.spill.each(b, func(key []byte, r spillRec) error {
			e := m[string(key)]
			if r.kind == recStaged {
				if e != nil {
					e.staged = true
				}
				return nil
			}
			if e == nil {
				e = &keyState{}
				m[string(key)] = e
			}
			if r.seq >= e.seq {
				e.kind, e.seq, e.value = r.kind, r.seq, append(e.value[:0], r.value...)
			}
			return nil
		})
		if err != nil {
			return 0, 0, sdk.WithCode(sdk.CodeInternal, err)
		}
		for k, e := range m {
			if e.kind != recLive {
				continue
			}
			live++
			if e.staged {
				continue
			}
			deleted++
			if fn != nil {
				if err := fn([]byte(k), e.value); err != nil {
					return 0, 0, err
				}
			}
		}
	}
	return live, deleted, nil
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
	live, deleted, err := tk.diff(nil)
	if err != nil {
		return 0, err
	}
	if live > 0 && float64(deleted)/float64(live) > *st.MaxDeleteRatio {
		return 0, sdk.Errorf(sdk.CodeData, "mode snapshot_diff: would delete %d of %d live keys of topic %s (ratio %.3f > max_delete_ratio %g): is the source snapshot complete? raise strategy.max_delete_ratio to allow it",
			deleted, live, l.topic, float64(deleted)/float64(live), *st.MaxDeleteRatio)
	}
	if deleted == 0 {
		return 0, nil
	}
	at, _ := json.Marshal(time.Now().UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano))
	msg := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.topic, Partition: ck.PartitionAny}, Headers: headers}
	_, _, err = tk.diff(func(key, value []byte) error {
		msg.Key, msg.Value = key, nil
		if st.SoftDeletes() {
			v, err := setJSONField(value, sdk.DeletedAtColumn, at)
			if err != nil {
				return sdk.Errorf(sdk.CodeData, "soft delete of key %s in topic %s: its latest value is not a JSON object: %v", key, l.topic, err)
			}
			msg.Value = v
		}
		return pr.produce(ctx, msg)
	})
	return int64(deleted), err
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
