package kafka

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// topicName is the topic of a stream or target: the name, prefixed by
// "namespace." when there is one.
func topicName(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "." + name
}

// Read reads one topic from its start offsets (the checkpoint, else the
// start option) up to the last stable offsets captured at start, and
// checkpoints the next offset of every partition after each batch.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	cfg, err := decodeConfig(req.Config)
	if err != nil {
		return err
	}
	o, err := decodeSourceOptions(req.Options)
	if err != nil {
		return err
	}
	topic := topicName(req.Namespace, req.Stream)
	a, err := newAdmin(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ps, found, err := a.partitions(ctx, topic)
	if err != nil {
		return err
	}
	if !found {
		return sdk.Errorf(sdk.CodeNotFound, "topic %s does not exist (check the stream name; `dpone discover` lists topics)", topic)
	}
	rc, err := readReceipts(ctx, cfg, a)
	if err != nil {
		return err
	}
	ends, err := a.offsets(ctx, topic, ps, ck.LatestOffsetSpec)
	if err != nil {
		return err
	}
	from, err := startOffsets(ctx, a, o, req, topic, ps, ends, rc)
	if err != nil {
		return err
	}
	if o.CommitToGroup && req.Mode == sdk.ReadIncremental && len(req.PriorState) > 0 {
		if err := commitToGroup(cfg, o.groupID(topic), topic, from); err != nil {
			return err
		}
	}
	// The schema is inferred from the topic's start, not the read's, so
	// every read of a topic has the same columns.
	low, err := a.offsets(ctx, topic, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return err
	}
	fields, err := valueFields(ctx, cfg, o, topic, low, ends, rc)
	if err != nil {
		return err
	}
	schema := arrow.NewSchema(append(fields, envelopeFields(o)...), nil)
	b, err := newBatcher(schema, req.Columns, out)
	if err != nil {
		return err
	}
	defer b.release()
	if err := out.Schema(b.outSchema()); err != nil {
		return err
	}
	next := map[int32]int64{}
	b.onFlush = func() error { return out.Checkpoint(encodeState(topic, next)) }
	mr, err := newMessageRows(cfg, b, fields, o, topic)
	if err != nil {
		return err
	}
	add := mr.add
	if o.Compact {
		keep, err := latestByKey(ctx, cfg, topic, from, ends)
		if err != nil {
			return err
		}
		add = func(m *ck.Message) (bool, error) {
			if m.Key != nil && (m.Value == nil || !keep.has(m.TopicPartition.Partition, int64(m.TopicPartition.Offset))) {
				return false, nil
			}
			return mr.add(m)
		}
	}
	if err := consumeRange(ctx, cfg, topic, from, ends, next, add); err != nil {
		return err
	}
	if err := b.flush(); err != nil {
		return err
	}
	// The positions may have passed transaction markers after the last row.
	return out.Checkpoint(encodeState(topic, next))
}

// startOffsets is where each partition's read begins: the checkpoint (an
// incremental read), explicit start_offsets, or the start option.
func startOffsets(ctx context.Context, a *admin, o readOptions, req sdk.ReadRequest, topic string, ps []int32, ends map[int32]int64, rc *receipts) (map[int32]int64, error) {
	var prior map[int32]int64
	if req.Mode == sdk.ReadIncremental {
		var err error
		if prior, err = decodeState(topic, req.PriorState); err != nil {
			return nil, err
		}
	}
	low, err := a.offsets(ctx, topic, ps, ck.EarliestOffsetSpec)
	if err != nil {
		return nil, err
	}
	var byTime map[int32]int64
	if !o.startTime.IsZero() && prior == nil {
		if byTime, err = a.offsets(ctx, topic, ps, ck.NewOffsetSpecForTimestamp(o.startTime.UnixMilli())); err != nil {
			return nil, err
		}
	}
	var snap map[int32]int64
	if o.Start == startLastSnapshot && prior == nil {
		snap = rc.lastSnapshot(topic)
	}
	from := make(map[int32]int64, len(ps))
	for _, p := range ps {
		switch v, ok := prior[p]; {
		case ok:
			from[p] = max(v, low[p])
		case prior != nil:
			from[p] = low[p] // a partition added since the checkpoint: all of it is new
		default:
			if v, ok := o.startOffsets[p]; ok {
				from[p] = max(v, low[p])
				continue
			}
			switch {
			case byTime != nil:
				from[p] = byTime[p]
				if from[p] < 0 {
					from[p] = ends[p]
				}
			case o.Start == startLatest:
				from[p] = ends[p]
			case snap != nil:
				from[p] = low[p]
				if v, ok := snap[p]; ok {
					from[p] = max(v, low[p])
				}
			default:
				from[p] = low[p]
			}
		}
	}
	return from, nil
}

// messageRows appends messages as rows to a batcher.
type messageRows struct {
	b      *batcher
	o      readOptions
	topic  string
	dec    rowDecoder
	nvalue int
}

// rowDecoder appends one message value to the value columns' builders;
// on error they may hold a partial row.
type rowDecoder interface {
	decode(value []byte) error
}

func newMessageRows(cfg Config, b *batcher, fields []arrow.Field, o readOptions, topic string) (*messageRows, error) {
	m := &messageRows{b: b, o: o, topic: topic, nvalue: len(fields)}
	bs := make([]array.Builder, m.nvalue)
	for i := range bs {
		bs[i] = m.b.builder(i)
	}
	switch o.Format {
	case formatJSON:
		m.dec = newValueDecoder(fields, bs)
	case formatAvro:
		d, err := newAvroDecoder(cfg, topic)
		if err != nil {
			return nil, err
		}
		d.bind(fields, bs)
		m.dec = d
	case formatProtobuf:
		md, err := protoLatest(cfg, topic)
		if err != nil {
			return nil, err
		}
		d, err := newProtoDecoder(cfg, topic, md)
		if err != nil {
			return nil, err
		}
		d.bind(fields, bs)
		m.dec = d
	}
	return m, nil
}

// nulls appends a row of NULLs to the value columns (a poison message).
func (m *messageRows) nulls() {
	for i := range m.nvalue {
		m.b.builder(i).AppendNull()
	}
}

func (m *messageRows) add(msg *ck.Message) (bool, error) {
	i := m.nvalue
	switch m.o.Format {
	case formatJSON, formatAvro, formatProtobuf:
		if err := m.dec.decode(msg.Value); err != nil {
			tp := msg.TopicPartition
			if m.o.OnDecodeError == "fail" {
				return false, sdk.Errorf(sdk.CodeData, "topic %s partition %d offset %d: %v (on_decode_error: column loads such messages with the reason in %s; start_offsets skips them)",
					m.topic, tp.Partition, int64(tp.Offset), err, colError)
			}
			if ferr := m.b.flush(); ferr != nil {
				return false, ferr
			}
			m.nulls()
			m.b.builder(i).(*array.StringBuilder).Append(fmt.Sprintf("topic %s partition %d offset %d: %v", m.topic, tp.Partition, int64(tp.Offset), err))
		} else {
			m.b.builder(i).AppendNull()
		}
		i++
	case formatString:
		if msg.Value == nil {
			m.b.builder(0).AppendNull()
		} else {
			m.b.builder(0).(*array.StringBuilder).Append(validUTF8(msg.Value))
		}
	case formatBytes:
		if msg.Value == nil {
			m.b.builder(0).AppendNull()
		} else {
			m.b.builder(0).(*array.BinaryBuilder).Append(msg.Value)
		}
	}
	if m.o.envelope {
		tp := msg.TopicPartition
		m.b.builder(i).(*array.StringBuilder).Append(m.topic)
		m.b.builder(i + 1).(*array.Int32Builder).Append(tp.Partition)
		m.b.builder(i + 2).(*array.Int64Builder).Append(int64(tp.Offset))
		if msg.Timestamp.IsZero() {
			m.b.builder(i + 3).AppendNull()
		} else {
			m.b.builder(i + 3).(*array.TimestampBuilder).Append(arrow.Timestamp(msg.Timestamp.UnixMilli()))
		}
		switch kb := m.b.builder(i + 4).(type) {
		case *array.BinaryBuilder: // key_format bytes
			if msg.Key == nil {
				kb.AppendNull()
			} else {
				kb.Append(msg.Key)
			}
		case *array.StringBuilder:
			switch {
			case msg.Key == nil:
				kb.AppendNull()
			case utf8.Valid(msg.Key):
				kb.BinaryBuilder.Append(msg.Key)
			default:
				kb.Append(validUTF8(msg.Key))
			}
		}
		i += 5
	}
	if m.o.headers {
		if len(msg.Headers) == 0 {
			m.b.builder(i).AppendNull()
		} else {
			h := make(map[string]string, len(msg.Headers))
			for _, kv := range msg.Headers {
				h[kv.Key] = validUTF8(kv.Value)
			}
			js, _ := json.Marshal(h)
			m.b.builder(i).(*array.StringBuilder).BinaryBuilder.Append(js)
		}
	}
	return false, m.b.rowDone()
}

// validUTF8 returns b as a string, with bytes that are not UTF-8 written
// as \xNN escapes (keys and headers are text in every target).
func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out []byte
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = append(out, `\x`...)
			out = append(out, strconv.FormatUint(uint64(b[0])|0x100, 16)[1:]...)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return string(out)
}

// position is a message's partition and offset.
type position struct {
	partition int32
	offset    int64
}

// latestByKey marks the latest message of every key in the range (the
// messages a compacted topic converges to). The keys go through the
// snapshot_diff spill (spill.go), a bucket at a time; what stays in memory
// is one bit per message of the range.
func latestByKey(ctx context.Context, cfg Config, topic string, from, ends map[int32]int64) (*offsetSet, error) {
	keep := newOffsetSet(from, ends)
	var n int64
	for p, e := range ends {
		n += max(e-from[p], 0)
	}
	sp, err := newKeySpill(n)
	if err != nil {
		return nil, sdk.WithCode(sdk.CodeInternal, err)
	}
	defer sp.close()
	var seq int64
	pos := make([]byte, 12)
	err = consumeRange(ctx, cfg, topic, from, ends, map[int32]int64{}, func(m *ck.Message) (bool, error) {
		if m.Key == nil {
			return false, nil
		}
		seq++
		binary.BigEndian.PutUint32(pos, uint32(m.TopicPartition.Partition))
		binary.BigEndian.PutUint64(pos[4:], uint64(m.TopicPartition.Offset))
		kind := recLive
		if m.Value == nil {
			kind = recTombstone
		}
		return false, sp.add(m.Key, spillRec{kind: kind, seq: seq, value: pos})
	})
	if err != nil {
		return nil, err
	}
	for b := range sp.buckets() {
		latest := map[string]position{}
		err := sp.each(b, func(key []byte, r spillRec) error {
			latest[string(key)] = position{int32(binary.BigEndian.Uint32(r.value)), int64(binary.BigEndian.Uint64(r.value[4:]))}
			return nil
		})
		if err != nil {
			return nil, sdk.WithCode(sdk.CodeInternal, err)
		}
		for _, p := range latest {
			keep.add(p.partition, p.offset)
		}
	}
	return keep, nil
}

// offsetSet is a set of offsets of a range of each partition, one bit per
// offset.
type offsetSet struct {
	from, ends map[int32]int64
	bits       map[int32][]uint64
}

func newOffsetSet(from, ends map[int32]int64) *offsetSet {
	s := &offsetSet{from: from, ends: ends, bits: map[int32][]uint64{}}
	for p, e := range ends {
		if n := e - from[p]; n > 0 {
			s.bits[p] = make([]uint64, (n+63)/64)
		}
	}
	return s
}

func (s *offsetSet) add(p int32, off int64) {
	i := off - s.from[p]
	if bs := s.bits[p]; i >= 0 && off < s.ends[p] && i/64 < int64(len(bs)) {
		bs[i/64] |= 1 << (i % 64)
	}
}

func (s *offsetSet) has(p int32, off int64) bool {
	i := off - s.from[p]
	bs := s.bits[p]
	return i >= 0 && off < s.ends[p] && i/64 < int64(len(bs)) && bs[i/64]&(1<<(i%64)) != 0
}
