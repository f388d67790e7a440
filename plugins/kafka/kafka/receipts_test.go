package kafka

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// TestReceiptsSinceStaging: a commit or status reads the receipts since
// its load was staged (by the receipts' timestamps), not the whole topic:
// a receipt written before since is not read, a later one is; the
// receipts and fences topics are created compacted (never deleted by
// time).
func TestReceiptsSinceStaging(t *testing.T) {
	ctx := context.Background()
	cfg, a := testAdmin(t)
	topic := testTopic("receipts") // the shape of _dpone_loads, for this test alone
	if err := a.createTopicWith(ctx, topic, 1, compacted); err != nil {
		t.Fatal(err)
	}
	id := testTopic("rcpt")
	now := time.Now()
	p, err := ck.NewProducer(&ck.ConfigMap{"bootstrap.servers": testBrokers(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dr := make(chan ck.Event, 2)
	later := now.Add(time.Hour)
	for _, r := range []receipt{{LoadID: "old-" + id, Target: id, CommittedAt: now}, {LoadID: "new-" + id, Target: id, CommittedAt: later}} {
		b, _ := json.Marshal(r)
		if err := p.Produce(&ck.Message{TopicPartition: ck.TopicPartition{Topic: &topic, Partition: 0}, Key: []byte(r.LoadID),
			Value: b, Timestamp: r.CommittedAt}, dr); err != nil {
			t.Fatal(err)
		}
		// one batch each: brokers index timestamps by batch
		if m := (<-dr).(*ck.Message); m.TopicPartition.Error != nil {
			t.Fatal(m.TopicPartition.Error)
		}
	}
	all, err := readReceiptsFrom(ctx, cfg, a, topic, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if all.byLoad["old-"+id] == nil || all.byLoad["new-"+id] == nil {
		t.Fatalf("a full read misses a receipt: %v", all.byLoad)
	}
	since := later.Add(-receiptSkew)
	recent, err := readReceiptsFrom(ctx, cfg, a, topic, since)
	if err != nil {
		t.Fatal(err)
	}
	if recent.byLoad["new-"+id] == nil || recent.byLoad["old-"+id] != nil {
		t.Errorf("receipts since %s: got old %v new %v, want only the new one", since, recent.byLoad["old-"+id] != nil, recent.byLoad["new-"+id] != nil)
	}
	if recent.scanned >= all.scanned {
		t.Errorf("records read: got %d since staging, %d in all, want fewer", recent.scanned, all.scanned)
	}

	res, err := a.ac.DescribeConfigs(ctx, []ck.ConfigResource{{Type: ck.ResourceTopic, Name: topic}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Config["cleanup.policy"].Value; got != "compact" {
		t.Errorf("cleanup.policy of a receipts-like topic: got %q, want compact", got)
	}
}
