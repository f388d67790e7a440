package kafka

import (
	"encoding/json"
	"strconv"

	"github.com/dpone-go/dpone/sdk"
)

// stateVersion is the version of the checkpoint blob.
const stateVersion = 1

// checkpoint is the source's state: the next offset to read of every
// partition of the topic.
type checkpoint struct {
	V       int              `json:"v"`
	Topic   string           `json:"topic"`
	Offsets map[string]int64 `json:"offsets"`
}

func encodeState(topic string, next map[int32]int64) []byte {
	cp := checkpoint{V: stateVersion, Topic: topic, Offsets: make(map[string]int64, len(next))}
	for p, o := range next {
		cp.Offsets[strconv.Itoa(int(p))] = o
	}
	b, _ := json.Marshal(cp)
	return b
}

// decodeState reads a prior checkpoint of topic; nil state is no offsets.
func decodeState(topic string, state []byte) (map[int32]int64, error) {
	if len(state) == 0 {
		return nil, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(state, &cp); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka checkpoint of topic %s is not valid (reset it with `dpone state reset`): %w", topic, err)
	}
	if cp.V != stateVersion {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka checkpoint version %d of topic %s: this connector reads version %d (reset it with `dpone state reset`)", cp.V, topic, stateVersion)
	}
	if cp.Topic != topic {
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka checkpoint is of topic %s, not %s (reset it with `dpone state reset`)", cp.Topic, topic)
	}
	out := make(map[int32]int64, len(cp.Offsets))
	for k, v := range cp.Offsets {
		p, err := strconv.ParseInt(k, 10, 32)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka checkpoint of topic %s: partition %q is not a number (reset it with `dpone state reset`)", topic, k)
		}
		out[int32(p)] = v
	}
	return out, nil
}
