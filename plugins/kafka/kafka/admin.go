package kafka

import (
	"context"
	"fmt"
	"sort"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// admin wraps an AdminClient with the config's timeout; every call passes
// a non-nil context.
type admin struct {
	cfg Config
	ac  *ck.AdminClient
}

func newAdmin(cfg Config) (*admin, error) {
	ac, err := ck.NewAdminClient(with(cfg.clientConfig(), nil))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka admin client: %w", err)
	}
	return &admin{cfg: cfg, ac: ac}, nil
}

// Close releases the client.
func (a *admin) Close() { a.ac.Close() }

// topics returns every topic with its partitions, sorted.
func (a *admin) topics(ctx context.Context) (map[string][]int32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	md, err := a.ac.GetMetadata(nil, true, a.timeoutMs(ctx))
	if err != nil {
		return nil, classify(fmt.Errorf("kafka metadata: %w", err))
	}
	out := make(map[string][]int32, len(md.Topics))
	for name, t := range md.Topics {
		if t.Error.Code() != ck.ErrNoError {
			continue
		}
		ps := make([]int32, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ps = append(ps, p.ID)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		out[name] = ps
	}
	return out, nil
}

// partitions returns a topic's partitions; found is false when it is absent.
func (a *admin) partitions(ctx context.Context, topic string) (ps []int32, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	md, err := a.ac.GetMetadata(&topic, false, a.timeoutMs(ctx))
	if err != nil {
		return nil, false, classify(fmt.Errorf("kafka metadata of topic %s: %w", topic, err))
	}
	t, ok := md.Topics[topic]
	if !ok || t.Error.Code() == ck.ErrUnknownTopicOrPart || t.Error.Code() == ck.ErrUnknownTopic || len(t.Partitions) == 0 {
		return nil, false, nil
	}
	if t.Error.Code() != ck.ErrNoError {
		return nil, false, classify(fmt.Errorf("kafka metadata of topic %s: %w", topic, t.Error))
	}
	for _, p := range t.Partitions {
		ps = append(ps, p.ID)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps, true, nil
}

// createTopic creates topic with n partitions; an existing topic is fine.
func (a *admin) createTopic(ctx context.Context, topic string, n int) error {
	return a.createTopicWith(ctx, topic, n, nil)
}

// compacted is the config of dpone's receipts and fences topics: they
// are never deleted by time (a receipt is a load's proof of commit, a
// fence a unit's generation), and compaction keeps each key's latest
// record (a load's receipt, a unit's highest generation).
var compacted = map[string]string{"cleanup.policy": "compact"}

// createTopicWith creates topic with n partitions and config; an existing
// topic is fine (its config is left as it is).
func (a *admin) createTopicWith(ctx context.Context, topic string, n int, config map[string]string) error {
	res, err := a.ac.CreateTopics(ctx, []ck.TopicSpecification{{Topic: topic, NumPartitions: n, ReplicationFactor: a.cfg.ReplicationFactor, Config: config}},
		ck.SetAdminOperationTimeout(a.cfg.timeout))
	if err != nil {
		return classify(fmt.Errorf("create topic %s: %w", topic, err))
	}
	for _, r := range res {
		if c := r.Error.Code(); c != ck.ErrNoError && c != ck.ErrTopicAlreadyExists {
			return classify(fmt.Errorf("create topic %s: %w", topic, r.Error))
		}
	}
	return a.waitTopic(ctx, topic)
}

// waitTopic waits until the metadata lists topic.
func (a *admin) waitTopic(ctx context.Context, topic string) error {
	deadline := time.Now().Add(a.cfg.timeout)
	for {
		_, ok, err := a.partitions(ctx, topic)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return sdk.Errorf(sdk.CodeUnavailable, "topic %s: created but not in the metadata after %s", topic, a.cfg.timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// deleteTopic deletes topic; an absent topic is fine.
func (a *admin) deleteTopic(ctx context.Context, topic string) error {
	res, err := a.ac.DeleteTopics(ctx, []string{topic}, ck.SetAdminOperationTimeout(a.cfg.timeout))
	if err != nil {
		return classify(fmt.Errorf("delete topic %s: %w", topic, err))
	}
	for _, r := range res {
		if c := r.Error.Code(); c != ck.ErrNoError && c != ck.ErrUnknownTopicOrPart && c != ck.ErrUnknownTopic {
			return classify(fmt.Errorf("delete topic %s: %w", topic, r.Error))
		}
	}
	return nil
}

// offsets lists one offset per partition of topic by spec (ck.LatestOffsetSpec:
// the last stable offset, read_committed; EarliestOffsetSpec; or a
// timestamp in milliseconds).
func (a *admin) offsets(ctx context.Context, topic string, ps []int32, spec ck.OffsetSpec) (map[int32]int64, error) {
	req := make(map[ck.TopicPartition]ck.OffsetSpec, len(ps))
	for _, p := range ps {
		req[ck.TopicPartition{Topic: &topic, Partition: p}] = spec
	}
	res, err := a.ac.ListOffsets(ctx, req, ck.SetAdminIsolationLevel(ck.IsolationLevelReadCommitted),
		ck.SetAdminRequestTimeout(a.cfg.timeout))
	if err != nil {
		return nil, classify(fmt.Errorf("list offsets of topic %s: %w", topic, err))
	}
	out := make(map[int32]int64, len(ps))
	for tp, info := range res.ResultInfos {
		if info.Error.Code() != ck.ErrNoError {
			return nil, classify(fmt.Errorf("list offsets of topic %s partition %d: %w", topic, tp.Partition, info.Error))
		}
		out[tp.Partition] = int64(info.Offset)
	}
	return out, nil
}

// timeoutMs is the config's timeout, shortened to ctx's deadline.
func (a *admin) timeoutMs(ctx context.Context) int {
	d := a.cfg.timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = max(time.Until(dl), time.Millisecond)
	}
	return int(d / time.Millisecond)
}
