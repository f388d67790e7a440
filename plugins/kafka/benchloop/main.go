// Command benchloop is the client's own limit for make bench's Kafka
// scenarios: a plain confluent-kafka-go producer or consumer loop on the
// same broker, with no dpone in between.
//
//	benchloop produce -brokers B -topic T -n N [-size BYTES]
//	benchloop consume -brokers B -topic T -n N
//
// produce sends N messages of size bytes with an idempotent producer (the
// settings dpone's sink uses: lz4, linger 20 ms, 1 MiB batches) and waits
// for every delivery report; consume reads N messages read_committed from
// the topic's earliest offsets. Each prints one line: messages, MB,
// seconds, msgs/s, MB/s.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchloop produce|consume -brokers B -topic T -n N [-size BYTES]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	brokers := fs.String("brokers", os.Getenv("DPONE_TEST_KAFKA_BROKERS"), "bootstrap servers")
	topic := fs.String("topic", "", "topic")
	n := fs.Int("n", 100000, "messages")
	size := fs.Int("size", 100, "bytes per message (produce)")
	_ = fs.Parse(os.Args[2:])
	if *topic == "" || *brokers == "" {
		fmt.Fprintln(os.Stderr, "benchloop: -brokers and -topic are required")
		os.Exit(2)
	}
	var err error
	var bytes int64
	start := time.Now()
	switch os.Args[1] {
	case "produce":
		bytes, err = produce(*brokers, *topic, *n, *size)
	case "consume":
		bytes, err = consume(*brokers, *topic, *n)
	default:
		err = fmt.Errorf("unknown command %q: want produce or consume", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchloop:", err)
		os.Exit(1)
	}
	secs := time.Since(start).Seconds()
	mb := float64(bytes) / 1e6
	fmt.Printf("%s %d msgs %.1f MB %.2f s %.0f msgs/s %.1f MB/s\n", os.Args[1], *n, mb, secs, float64(*n)/secs, mb/secs)
}

func produce(brokers, topic string, n, size int) (int64, error) {
	p, err := ck.NewProducer(&ck.ConfigMap{"bootstrap.servers": brokers, "enable.idempotence": true,
		"linger.ms": 20, "batch.size": 1 << 20, "compression.type": "lz4", "queue.buffering.max.kbytes": 65536})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	errs := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		acked := 0
		for ev := range p.Events() {
			if m, ok := ev.(*ck.Message); ok {
				if m.TopicPartition.Error != nil {
					select {
					case errs <- m.TopicPartition.Error:
					default:
					}
				}
				if acked++; acked == n {
					return
				}
			}
		}
	}()
	value := make([]byte, size)
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	var bytes int64
	for i := range n {
		m := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: ck.PartitionAny},
			Key: fmt.Appendf(nil, "%d", i), Value: value}
		for {
			err := p.Produce(m, nil)
			if err == nil {
				break
			}
			if ke, ok := err.(ck.Error); !ok || ke.Code() != ck.ErrQueueFull {
				return bytes, err
			}
			p.Flush(50)
		}
		bytes += int64(len(m.Key) + len(value))
	}
	<-done
	select {
	case err := <-errs:
		return bytes, err
	default:
	}
	return bytes, nil
}

func consume(brokers, topic string, n int) (int64, error) {
	c, err := ck.NewConsumer(&ck.ConfigMap{"bootstrap.servers": brokers, "group.id": "benchloop",
		"enable.auto.commit": false, "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		return 0, err
	}
	var tps []ck.TopicPartition
	for _, p := range md.Topics[topic].Partitions {
		tps = append(tps, ck.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ck.OffsetBeginning})
	}
	if len(tps) == 0 {
		return 0, fmt.Errorf("topic %s does not exist", topic)
	}
	if err := c.Assign(tps); err != nil {
		return 0, err
	}
	var bytes int64
	idle := time.Now()
	for got := 0; got < n; {
		switch e := c.Poll(100).(type) {
		case *ck.Message:
			if e.TopicPartition.Error != nil {
				return bytes, e.TopicPartition.Error
			}
			got++
			bytes += int64(len(e.Key) + len(e.Value))
			idle = time.Now()
		case ck.Error:
			if e.IsFatal() {
				return bytes, e
			}
		case nil:
			if time.Since(idle) > 30*time.Second {
				return bytes, fmt.Errorf("topic %s: %d messages, want %d (nothing more for 30 s)", topic, got, n)
			}
		}
	}
	return bytes, nil
}
