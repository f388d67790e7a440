package kafka

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// internalTopic reports topics Discover never lists: Kafka's own (__*)
// and dpone's receipts, fences and staging topics.
func internalTopic(name string) bool {
	return strings.HasPrefix(name, "__") || name == receiptsTopic || name == fencesTopic || strings.HasPrefix(name, stagingPrefix)
}

// Discover lists topics as streams, each with the schema a JSON read
// with default options would have. A selector entry matches a topic by
// name or, written /regex/, by pattern.
func (c *Connector) Discover(ctx context.Context, raw json.RawMessage, selector []string) ([]sdk.Stream, error) {
	cfg, err := decodeConfig(raw)
	if err != nil {
		return nil, err
	}
	sel, err := newSelector(selector)
	if err != nil {
		return nil, err
	}
	a, err := newAdmin(cfg)
	if err != nil {
		return nil, err
	}
	defer a.Close()
	topics, err := a.topics(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := readReceipts(ctx, cfg, a)
	if err != nil {
		return nil, err
	}
	o, _ := decodeSourceOptions(nil)
	names := make([]string, 0, len(topics))
	for t := range topics {
		if !internalTopic(t) && sel.match(t) {
			names = append(names, t)
		}
	}
	sort.Strings(names)
	out := make([]sdk.Stream, 0, len(names))
	for _, t := range names {
		st, err := describe(ctx, cfg, a, o, t, topics[t], rc)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// DescribeStream returns the schema a Read with req's options produces.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	cfg, err := decodeConfig(req.Config)
	if err != nil {
		return sdk.Stream{}, err
	}
	o, err := decodeSourceOptions(req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	a, err := newAdmin(cfg)
	if err != nil {
		return sdk.Stream{}, err
	}
	defer a.Close()
	topic := topicName(req.Namespace, req.Stream)
	ps, found, err := a.partitions(ctx, topic)
	if err != nil {
		return sdk.Stream{}, err
	}
	if !found {
		return sdk.Stream{}, sdk.Errorf(sdk.CodeNotFound, "topic %s does not exist (check the stream name; `dpone discover` lists topics)", topic)
	}
	rc, err := readReceipts(ctx, cfg, a)
	if err != nil {
		return sdk.Stream{}, err
	}
	st, err := describe(ctx, cfg, a, o, topic, ps, rc)
	st.Namespace, st.Name = req.Namespace, req.Stream
	return st, err
}

func describe(ctx context.Context, cfg Config, a *admin, o readOptions, topic string, ps []int32, rc *receipts) (sdk.Stream, error) {
	low, err := a.offsets(ctx, topic, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return sdk.Stream{}, err
	}
	ends, err := a.offsets(ctx, topic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return sdk.Stream{}, err
	}
	fields, err := valueFields(ctx, cfg, o, topic, low, ends, rc)
	if err != nil {
		return sdk.Stream{}, err
	}
	var rows int64
	for p, e := range ends {
		rows += e - low[p]
	}
	st := sdk.Stream{Name: topic, Schema: arrow.NewSchema(append(fields, envelopeFields(o)...), nil), RowEstimate: rows}
	if o.envelope {
		st.PrimaryKey = []string{colPartition, colOffset}
	}
	return st, nil
}

// valueFields is the value schema of topic: raw for the string and bytes
// formats; the registry's latest value schema for avro and protobuf; for JSON, the
// declared columns, else the schema of the latest dpone load into the topic,
// else inferred from up to SampleSize messages from the earliest offsets.
func valueFields(ctx context.Context, cfg Config, o readOptions, topic string, low, ends map[int32]int64, rc *receipts) ([]arrow.Field, error) {
	switch o.Format {
	case formatAvro:
		return avroValueFields(cfg, topic)
	case formatProtobuf:
		md, err := protoLatest(cfg, topic)
		if err != nil {
			return nil, err
		}
		return protoFields(md), nil
	case formatString, formatBytes:
		return []arrow.Field{rawValueField(o.Format)}, nil
	}
	if o.declared != nil {
		return o.declared, nil
	}
	if s := rc.schema(topic); s != nil {
		return s.Fields(), nil
	}
	in, n := newInferrer(), 0
	err := consumeRange(ctx, cfg, topic, low, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		in.add(m.Value)
		n++
		return n >= o.SampleSize, nil
	})
	if err != nil {
		return nil, err
	}
	return in.schema(), nil
}
