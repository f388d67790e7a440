package kafka

import (
	"context"
	"encoding/json"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// The sink fences loads (sdk.Fence). The _dpone_fences topic (one
// partition) keeps, per manifest and unit, records of the generations
// seen; the highest is the fence. Kafka has no row lock, so the atomicity
// comes from the transactional producer: BeginLoad and LoadStatus raise
// the fence, and CommitLoad checks it, inside a transaction of the
// (unit, target)'s transactional.id, and they read the fence only after
// InitTransactions. Whichever of a stale run's commit and a newer run's
// raise initializes second fences the other's producer: either the stale
// commit is refused by the producer fence, or it reads the newer fence
// and refuses itself.
const fencesTopic = "_dpone_fences"

// fenceRecord is one record of fencesTopic (key: manifest/unit).
type fenceRecord struct {
	Manifest   string `json:"manifest"`
	Unit       string `json:"unit"`
	Generation int64  `json:"generation"`
}

// currentFence is the highest generation recorded for the load's unit
// (0 when none), read_committed.
func (l *load) currentFence(ctx context.Context, a *admin) (int64, error) {
	ps, found, err := a.partitions(ctx, fencesTopic)
	if err != nil || !found {
		return 0, err
	}
	low, err := a.offsets(ctx, fencesTopic, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return 0, err
	}
	ends, err := a.offsets(ctx, fencesTopic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return 0, err
	}
	var cur int64
	f := l.req.Fence
	err = consumeRange(ctx, l.cfg, fencesTopic, low, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		var r fenceRecord
		if json.Unmarshal(m.Value, &r) == nil && r.Manifest == f.Manifest && r.Unit == f.Unit {
			cur = max(cur, r.Generation)
		}
		return false, nil
	})
	return cur, err
}

// checkFence runs inside a transaction (after InitTransactions): it
// fails when the unit's fence is higher than the load's generation and
// records the load's generation when it is higher than the fence.
func (l *load) checkFence(ctx context.Context, a *admin, pr *producer) error {
	f := l.req.Fence
	if !f.Set() {
		return nil
	}
	cur, err := l.currentFence(ctx, a)
	if err != nil {
		return err
	}
	if cur > f.Generation {
		return f.StaleError(l.req.LoadID, cur)
	}
	if cur == f.Generation {
		return nil
	}
	b, _ := json.Marshal(fenceRecord{Manifest: f.Manifest, Unit: f.Unit, Generation: f.Generation})
	topic := fencesTopic
	return pr.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: 0},
		Key: []byte(f.Manifest + "/" + f.Unit), Value: b})
}

// raiseFence raises the unit's fence to the load's generation in a
// transaction of its own (BeginLoad, LoadStatus); a higher fence is a
// stale error. Without a fence in the request it does nothing.
func (l *load) raiseFence(ctx context.Context, a *admin) error {
	pr, err := l.raiseFenceKeep(ctx, a)
	if pr != nil {
		pr.close()
	}
	return err
}

// raiseFenceKeep is raiseFence returning the transactional producer it
// used, ready for the load's next transaction (nil without a fence). The
// caller closes it.
func (l *load) raiseFenceKeep(ctx context.Context, a *admin) (*producer, error) {
	if !l.req.Fence.Set() {
		return nil, nil
	}
	if err := a.createTopicWith(ctx, fencesTopic, 1, compacted); err != nil {
		return nil, err
	}
	return l.transactKeep(ctx, func(pr *producer) error {
		if err := l.checkFence(ctx, a, pr); err != nil {
			return err
		}
		return pr.flush(ctx)
	})
}

// checkSharedTarget refuses a target whose receipts name another manifest
// or unit, unless the load's unit set shared_target.
func (l *load) checkSharedTarget(rc *receipts) error {
	f := l.req.Fence
	if f.Manifest == "" || f.SharedTarget {
		return nil
	}
	for _, r := range rc.byLoad {
		if r.Target == l.topic && r.Manifest != "" && (r.Manifest != f.Manifest || r.Unit != f.Unit) {
			return f.SharedTargetError(l.topic, r.Manifest, r.Unit)
		}
	}
	return nil
}
