package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// producer wraps a Producer whose delivery reports are drained in the
// background: it keeps the first delivery error and, per topic and
// partition, the lowest offset delivered (where a load begins in each
// partition of its target; a fence record produced in the same
// transaction is in another topic).
type producer struct {
	p    *ck.Producer
	done chan struct{}

	mu    sync.Mutex
	err   error
	first map[topicPartition]int64
	// queued counts the messages Produce took, reported those whose
	// delivery report (success or failure) arrived; delivered gets a
	// token after each report, for flush to wait on.
	queued, reported int64
	delivered        chan struct{}
}

// eventsChannelSize bounds the delivery reports waiting for drain.
const eventsChannelSize = 8192

// newProducer makes a producer with extra settings (idempotence or a
// transactional.id).
func newProducer(cfg Config, extra ck.ConfigMap) (*producer, error) {
	base := ck.ConfigMap{
		"linger.ms":                  20,
		"batch.size":                 1 << 20,
		"compression.type":           "lz4",
		"queue.buffering.max.kbytes": 65536,
		"message.timeout.ms":         int(2 * cfg.timeout.Milliseconds()),
		// Delivery reports carry partition, offset and error only: the
		// client would otherwise copy every key and value back into Go.
		"go.delivery.report.fields": "none",
		// The client's defaults make a channel of a million delivery
		// reports and one of a million messages to produce: 24 MB of
		// pointers per producer, zeroed at start and scanned by every
		// GC cycle. drain keeps up with a small one (the poller waits
		// when it is full); ProduceChannel is not used.
		"go.events.channel.size":  eventsChannelSize,
		"go.produce.channel.size": 0,
	}
	for k, v := range extra {
		base[k] = v
	}
	p, err := ck.NewProducer(with(cfg.clientConfig(), base))
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka producer: %w", err)
	}
	pr := &producer{p: p, done: make(chan struct{}), first: map[topicPartition]int64{}, delivered: make(chan struct{}, 1)}
	go pr.drain()
	return pr, nil
}

func (pr *producer) drain() {
	defer close(pr.done)
	for ev := range pr.p.Events() {
		switch e := ev.(type) {
		case *ck.Message:
			pr.mu.Lock()
			pr.reported++
			if err := e.TopicPartition.Error; err != nil {
				if pr.err == nil {
					pr.err = classify(fmt.Errorf("deliver to topic %s: %w", *e.TopicPartition.Topic, err))
				}
			} else {
				p, off := topicPartition{*e.TopicPartition.Topic, e.TopicPartition.Partition}, int64(e.TopicPartition.Offset)
				if f, ok := pr.first[p]; !ok || off < f {
					pr.first[p] = off
				}
			}
			pr.mu.Unlock()
			select {
			case pr.delivered <- struct{}{}:
			default:
			}
		case ck.Error:
			if e.IsFatal() {
				pr.mu.Lock()
				if pr.err == nil {
					pr.err = classify(fmt.Errorf("kafka producer: %w", e))
				}
				pr.mu.Unlock()
			}
		}
	}
}

// produce queues a message, waiting while the local queue is full.
func (pr *producer) produce(ctx context.Context, m *ck.Message) error {
	for {
		err := pr.p.Produce(m, nil)
		if err == nil {
			pr.mu.Lock()
			pr.queued++
			pr.mu.Unlock()
			return nil
		}
		if ke, ok := err.(ck.Error); !ok || ke.Code() != ck.ErrQueueFull {
			return classify(fmt.Errorf("produce to topic %s: %w", *m.TopicPartition.Topic, err))
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		pr.p.Flush(50)
		if err := pr.failed(); err != nil {
			return err
		}
	}
}

// flush waits until every queued message is delivered or failed, and
// returns the first delivery error. It waits on the delivery reports
// drain counts rather than in Producer.Flush, whose event polling ends
// up to 100 ms after the last report when drain took it (a load's few
// flushes at its boundaries each paid that).
func (pr *producer) flush(ctx context.Context) error {
	// Flush(0) would return at once without asking the client to send;
	// linger.ms bounds how long the last batch waits.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		pr.mu.Lock()
		pending := pr.queued - pr.reported
		pr.mu.Unlock()
		if pending <= 0 {
			return pr.failed()
		}
		select {
		case <-pr.delivered:
		case <-tick.C:
			// A fatal client error may fail no message: it stops the wait.
			if err := pr.failed(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (pr *producer) failed() error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.err
}

// topicPartition names a partition of a topic.
type topicPartition struct {
	topic     string
	partition int32
}

// firstOffsets is the lowest offset delivered per partition of topic.
func (pr *producer) firstOffsets(topic string) map[int32]int64 {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	out := map[int32]int64{}
	for tp, o := range pr.first {
		if tp.topic == topic {
			out[tp.partition] = o
		}
	}
	return out
}

// close closes the producer and waits for the delivery reports to drain.
func (pr *producer) close() {
	pr.p.Close()
	select {
	case <-pr.done:
	case <-time.After(time.Second):
	}
}
