package kafka

import (
	"context"
	"fmt"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// newConsumer makes a read_committed consumer that is assigned partitions
// explicitly: it joins no group and commits nothing.
func newConsumer(cfg Config) (*ck.Consumer, error) {
	c, err := ck.NewConsumer(with(cfg.clientConfig(), ck.ConfigMap{
		"group.id":                 "dpone-" + cfg.ClientID,
		"enable.auto.commit":       false,
		"enable.auto.offset.store": false,
		"isolation.level":          "read_committed",
		"auto.offset.reset":        "earliest",
		"enable.partition.eof":     false,
		"fetch.wait.max.ms":        10,
	}))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka consumer: %w", err)
	}
	return c, nil
}

// positionEvery is how many messages pass between position checks.
const positionEvery = 4096

// pollMs is how long a Poll waits for a message before the read checks
// its positions again: a partition whose range ends in a transaction
// marker (every transactional topic: receipts, fences, the sink's
// targets) is done only when the position passes it, which no message
// announces, so this is the delay at the end of every such read.
const pollMs = 5

// consumeRange reads topic's partitions from the offsets in from up to
// the end offsets in ends, calling fn for each message in order per
// partition. next is updated with the offset after each message fn saw
// and, when a partition is done, with the consumer's position (past any
// transaction markers). A partition is done when its position reaches its
// end: messages are never counted. fn returning stop ends the read early.
func consumeRange(ctx context.Context, cfg Config, topic string, from, ends, next map[int32]int64,
	fn func(m *ck.Message) (stop bool, err error)) error {
	pending := map[int32]bool{}
	var assign []ck.TopicPartition
	for p, off := range from {
		next[p] = off
		if off < ends[p] {
			pending[p] = true
			assign = append(assign, ck.TopicPartition{Topic: &topic, Partition: p, Offset: ck.Offset(off)})
		}
	}
	if len(pending) == 0 {
		return nil
	}
	c, err := newConsumer(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Assign(assign); err != nil {
		return classify(fmt.Errorf("assign partitions of topic %s: %w", topic, err))
	}
	checkPositions := func() error {
		var tps []ck.TopicPartition
		for p := range pending {
			tps = append(tps, ck.TopicPartition{Topic: &topic, Partition: p})
		}
		pos, err := c.Position(tps)
		if err != nil {
			return classify(fmt.Errorf("positions in topic %s: %w", topic, err))
		}
		for _, tp := range pos {
			if off := int64(tp.Offset); off >= 0 && off >= ends[tp.Partition] {
				next[tp.Partition] = max(next[tp.Partition], ends[tp.Partition])
				delete(pending, tp.Partition)
			}
		}
		return nil
	}
	seen := 0
	for len(pending) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch e := c.Poll(pollMs).(type) {
		case *ck.Message:
			if e.TopicPartition.Error != nil {
				return classify(fmt.Errorf("read topic %s partition %d: %w", topic, e.TopicPartition.Partition, e.TopicPartition.Error))
			}
			p, off := e.TopicPartition.Partition, int64(e.TopicPartition.Offset)
			if !pending[p] {
				continue
			}
			if off >= ends[p] {
				next[p] = max(next[p], ends[p])
				delete(pending, p)
				continue
			}
			stop, err := fn(e)
			if err != nil {
				return err
			}
			next[p] = off + 1
			if next[p] >= ends[p] {
				delete(pending, p)
			}
			if stop {
				return nil
			}
			if seen++; seen%positionEvery == 0 {
				if err := checkPositions(); err != nil {
					return err
				}
			}
		case ck.Error:
			if e.IsFatal() || e.Code() == ck.ErrAllBrokersDown || e.Code() == ck.ErrAuthentication {
				return classify(fmt.Errorf("read topic %s: %w", topic, e))
			}
		case nil:
			if err := checkPositions(); err != nil {
				return err
			}
		}
	}
	return nil
}
