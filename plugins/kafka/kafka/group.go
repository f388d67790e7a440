package kafka

import (
	"fmt"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// groupID is the consumer group commit_to_group commits to.
func (o readOptions) groupID(topic string) string {
	if o.GroupID != "" {
		return o.GroupID
	}
	return "dpone." + topic
}

// commitToGroup commits offsets (the next offset of every partition) to
// group without joining it, for monitoring tools; dpone never reads them.
func commitToGroup(cfg Config, group, topic string, offsets map[int32]int64) error {
	c, err := ck.NewConsumer(with(cfg.clientConfig(), ck.ConfigMap{"group.id": group, "enable.auto.commit": false}))
	if err != nil {
		return sdk.Errorf(sdk.CodeConfig, "kafka consumer of group %s: %w", group, err)
	}
	defer c.Close()
	tps := make([]ck.TopicPartition, 0, len(offsets))
	for p, o := range offsets {
		tps = append(tps, ck.TopicPartition{Topic: &topic, Partition: p, Offset: ck.Offset(o)})
	}
	if _, err := c.CommitOffsets(tps); err != nil {
		return classify(fmt.Errorf("commit offsets of topic %s to group %s: %w", topic, group, err))
	}
	return nil
}
