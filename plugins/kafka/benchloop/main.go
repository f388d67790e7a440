// Command benchloop is the client's own limit for make bench's Kafka
// scenarios: a plain confluent-kafka-go producer or consumer loop on the
// same broker, with no dpone in between.
//
//	benchloop produce -brokers B -topic T -n N [-size BYTES | -from TOPIC [-sync]]
//	benchloop consume -brokers B -topic T -n N
//
// produce sends N messages of size bytes with an idempotent producer (the
// settings dpone's sink uses: lz4, linger 20 ms, 1 MiB batches) and waits
// for every delivery report. With -from it sends instead the first N
// messages of another topic (keys, values and headers as they are, e.g.
// the ones dpone's sink published), read into memory before the clock
// starts: the client's limit for those very messages, whose bytes do not
// compress as a repeated pattern does; with -sync it then prints "loaded"
// and starts its clock when a line arrives on stdin (the caller measures
// the broker in between). consume reads N messages read_committed from the
// topic's earliest offsets. Each prints one line: messages, MB, seconds,
// msgs/s, MB/s; then a line "timed wall_s=W cpu_s=C": the timed part's
// wall seconds and this process's CPU seconds over it (all threads,
// librdkafka's included).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"syscall"
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
	sync := fs.Bool("sync", false, `produce -from: print "loaded" once the messages are in memory and start on a line from stdin`)
	from := fs.String("from", "", "produce: replay the first n messages of this topic (keys, values, headers), loaded before the clock starts")
	_ = fs.Parse(os.Args[2:])
	if *topic == "" || *brokers == "" {
		fmt.Fprintln(os.Stderr, "benchloop: -brokers and -topic are required")
		os.Exit(2)
	}
	var err error
	var bytes int64
	start, cpu0 := time.Now(), selfCPU()
	switch os.Args[1] {
	case "produce":
		var msgs []*ck.Message
		if *from != "" {
			if msgs, err = load(*brokers, *from, *n); err != nil {
				break
			}
			if *sync {
				fmt.Println("loaded")
				if _, err = bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
					break
				}
			}
			start, cpu0 = time.Now(), selfCPU()
		}
		bytes, err = produce(*brokers, *topic, *n, *size, msgs)
	case "consume":
		bytes, err = consume(*brokers, *topic, *n)
	default:
		err = fmt.Errorf("unknown command %q: want produce or consume", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchloop:", err)
		os.Exit(1)
	}
	secs, cpu := time.Since(start).Seconds(), selfCPU()-cpu0
	mb := float64(bytes) / 1e6
	fmt.Printf("%s %d msgs %.1f MB %.2f s %.0f msgs/s %.1f MB/s\n", os.Args[1], *n, mb, secs, float64(*n)/secs, mb/secs)
	fmt.Printf("timed wall_s=%.3f cpu_s=%.2f\n", secs, cpu)
}

// selfCPU is this process's user and system CPU seconds so far.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func produce(brokers, topic string, n, size int, msgs []*ck.Message) (int64, error) {
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
		if msgs != nil {
			m.Key, m.Value, m.Headers = msgs[i].Key, msgs[i].Value, msgs[i].Headers
		}
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
		bytes += int64(len(m.Key) + len(m.Value))
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
	var bytes int64
	err := each(brokers, topic, n, func(m *ck.Message) { bytes += int64(len(m.Key) + len(m.Value)) })
	return bytes, err
}

// load reads the first n messages of topic into memory.
func load(brokers, topic string, n int) ([]*ck.Message, error) {
	msgs := make([]*ck.Message, 0, n)
	err := each(brokers, topic, n, func(m *ck.Message) {
		msgs = append(msgs, &ck.Message{Key: m.Key, Value: m.Value, Headers: m.Headers})
	})
	return msgs, err
}

// each calls fn with the first n messages of topic, read_committed.
func each(brokers, topic string, n int, fn func(*ck.Message)) error {
	c, err := ck.NewConsumer(&ck.ConfigMap{"bootstrap.servers": brokers, "group.id": "benchloop",
		"enable.auto.commit": false, "isolation.level": "read_committed", "auto.offset.reset": "earliest"})
	if err != nil {
		return err
	}
	defer c.Close()
	md, err := c.GetMetadata(&topic, false, 10000)
	if err != nil {
		return err
	}
	var tps []ck.TopicPartition
	for _, p := range md.Topics[topic].Partitions {
		tps = append(tps, ck.TopicPartition{Topic: &topic, Partition: p.ID, Offset: ck.OffsetBeginning})
	}
	if len(tps) == 0 {
		return fmt.Errorf("topic %s does not exist", topic)
	}
	if err := c.Assign(tps); err != nil {
		return err
	}
	idle := time.Now()
	for got := 0; got < n; {
		switch e := c.Poll(100).(type) {
		case *ck.Message:
			if e.TopicPartition.Error != nil {
				return e.TopicPartition.Error
			}
			got++
			fn(e)
			idle = time.Now()
		case ck.Error:
			if e.IsFatal() {
				return e
			}
		case nil:
			if time.Since(idle) > 30*time.Second {
				return fmt.Errorf("topic %s: %d messages, want %d (nothing more for 30 s)", topic, got, n)
			}
		}
	}
	return nil
}
