package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

// stagingPrefix starts every staging topic's name (sdk.StagingName).
const stagingPrefix = "_dpone_stg_"

// Headers every published message carries.
const (
	headerRunID  = "dpone-run-id"
	headerLoadID = "dpone-load-id"
)

// sinkOptions are the sink's own options (the manifest's sink.options).
type sinkOptions struct {
	// Key is the message key: unique_key (default: the unique_key
	// columns, none without them), hash (SHA-256 of the value) or none.
	Key string `json:"key" doc:"message key: unique_key (default), hash or none"`
	// Format of message values: json (default), avro or protobuf
	// (Confluent-framed; the schema is registered under <topic>-value in
	// the Schema Registry of schema_registry_url).
	Format string `json:"format" doc:"message values: json (default), avro or protobuf (through the Schema Registry)"`
	// KeyFormat renders the unique_key as the message key: string
	// (default), json, bytes or avro (key.go).
	KeyFormat string `json:"key_format" doc:"message key encoding: string (default), json, bytes or avro"`
	// StagingCompression compresses the staging topic's bundles: lz4
	// (default: a load publishing during Write only compresses them, and
	// the broker takes a third of the bytes: 1M JSON rows loaded in
	// 5.1-5.6 s against 6.1-6.8 uncompressed, with less CPU in the client
	// and half in the broker), none (a load published at commit
	// decompresses them again), zstd, gzip or snappy. The target's
	// messages are always lz4.
	StagingCompression string `json:"staging_compression" doc:"compression of the staging topic: lz4 (default), none, zstd, gzip or snappy"`
	// Publish is when the messages reach the target's transaction:
	// during_write (auto's choice except for snapshot_diff) publishes
	// them while Write stages them, in a transaction CommitLoad commits;
	// at_commit publishes them in CommitLoad, from staging. Either way
	// read_committed consumers see the load at the commit, exactly once
	// (direct.go, docs/guarantees.md).
	Publish string `json:"publish" doc:"when messages enter the target's transaction: auto (default: during_write, at_commit for snapshot_diff), during_write or at_commit"`
	// TransactionTimeout is the producer's transaction.timeout.ms: how
	// long a load may publish (a transaction open longer is aborted by
	// the broker and the commit fails), and how long an open transaction
	// of a crashed run, which the unit's next run aborts at once, holds
	// read_committed consumers of the target back at most. A load
	// publishing during Write that writes for longer than three quarters
	// of it publishes at commit instead. At least the connection's
	// timeout, at most the broker's transaction.max.timeout.ms.
	TransactionTimeout string `json:"transaction_timeout" doc:"the transactions' timeout, how long a load may publish (default 15m, Kafka's default transaction.max.timeout.ms, or the connection's timeout if longer; at most the broker's transaction.max.timeout.ms): a crashed run's open transaction holds read_committed consumers back at most this long"`

	txnTimeout time.Duration
}

// defaultTxnTimeout is transaction_timeout's default: Kafka's default
// transaction.max.timeout.ms, the longest a broker takes unless told
// otherwise. The client's own default, 60 s, failed every load whose
// publishing took longer (15M JSON rows of bench_src, 54 s of Write and
// then, past three quarters of the window, 60 s publishing at commit).
const defaultTxnTimeout = 15 * time.Minute

// load is a checked LoadRequest.
type load struct {
	req     sdk.LoadRequest
	cfg     Config
	opts    sinkOptions
	topic   string
	staging string
}

func (c *Connector) prepare(req sdk.LoadRequest) (*load, error) {
	if !slices.Contains(sinkModes, req.Mode) {
		return nil, sdk.Errorf(sdk.CodeUnsupported, "kafka sink: mode %q is not supported (supported: %s)", req.Mode, strings.Join(sinkModes, ", "))
	}
	cfg, err := decodeConfig(req.Config)
	if err != nil {
		return nil, err
	}
	if req.Target.Name == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "load %s: target topic name is empty", req.LoadID)
	}
	l := &load{req: req, cfg: cfg, topic: topicName(req.Target.Namespace, req.Target.Name), staging: sdk.StagingName(req.LoadID)}
	if internalTopic(l.topic) {
		return nil, sdk.Errorf(sdk.CodeConfig, "load %s: target topic %s is reserved (Kafka's and dpone's internal topics)", req.LoadID, l.topic)
	}
	if err := sdk.DecodeOptions(req.Options, &l.opts, "kafka sink options"); err != nil {
		return nil, err
	}
	switch l.opts.Key {
	case "":
		l.opts.Key = keyUniqueKey
	case keyUniqueKey, keyHash, keyNone:
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: key %q: want unique_key, hash or none", l.opts.Key)
	}
	switch l.opts.Format {
	case "":
		l.opts.Format = formatJSON
	case formatJSON:
	case formatAvro, formatProtobuf:
		if cfg.SchemaRegistryURL == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: format %s needs schema_registry_url in the connection config", l.opts.Format)
		}
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: format %q: want json, avro or protobuf", l.opts.Format)
	}
	switch l.opts.KeyFormat {
	case "":
		l.opts.KeyFormat = keyFormatString
	case keyFormatString, keyFormatJSON, keyFormatBytes, keyFormatAvro:
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: key_format %q: want string, json, bytes or avro", l.opts.KeyFormat)
	}
	switch l.opts.StagingCompression {
	case "":
		l.opts.StagingCompression = "lz4"
	case "none", "lz4", "zstd", "gzip", "snappy":
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: staging_compression %q: want none, lz4, zstd, gzip or snappy", l.opts.StagingCompression)
	}
	if err := l.checkKeyFormat(req.Schema); err != nil {
		return nil, err
	}
	st, err := req.Strategy()
	if err != nil {
		return nil, err
	}
	if err := l.checkDiff(st); err != nil {
		return nil, err
	}
	// The client refuses a transaction timeout under its socket timeout
	// (the connection's timeout).
	l.opts.txnTimeout = max(defaultTxnTimeout, cfg.timeout)
	if v := l.opts.TransactionTimeout; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < cfg.timeout {
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: transaction_timeout %q: want a duration no shorter than the connection's timeout (%s), such as 60s or 15m", v, cfg.timeout)
		}
		l.opts.txnTimeout = d
	}
	switch l.opts.Publish {
	case "", publishAuto:
		l.opts.Publish = publishDuringWrite
		if req.Mode == sdk.ModeSnapshotDiff {
			l.opts.Publish = publishAtCommit
		}
	case publishDuringWrite:
		if req.Mode == sdk.ModeSnapshotDiff {
			// Its commit reads the target to the end, which an open
			// transaction of its own would hold back.
			return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: publish during_write cannot serve snapshot_diff (its commit reads the target to its end first): use auto or at_commit")
		}
	case publishAtCommit:
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "kafka sink options: publish %q: want auto, during_write or at_commit", l.opts.Publish)
	}
	return l, nil
}

func needSchema(req sdk.LoadRequest) error {
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return sdk.Errorf(sdk.CodeSchema, "load %s: the load request has no schema", req.LoadID)
	}
	return nil
}

// BeginLoad (re)creates the load's staging topic, empty, with one
// partition. A missing target is an error only when create_topics is off.
func (c *Connector) BeginLoad(ctx context.Context, req sdk.LoadRequest) (string, error) {
	l, err := c.prepare(req)
	if err != nil {
		return "", err
	}
	if err := needSchema(req); err != nil {
		return "", err
	}
	if _, err := l.newRowEncoder(req.Schema); err != nil {
		return "", err
	}
	// A registry schema is registered now, so an incompatible one fails
	// before any data.
	if _, err := l.newValueEncoder(req.Schema); err != nil {
		return "", err
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		return "", err
	}
	defer a.Close()
	if _, found, err := a.partitions(ctx, l.topic); err != nil {
		return "", err
	} else if !found {
		if !*l.cfg.CreateTopics {
			return "", sdk.Errorf(sdk.CodeConfig, "target topic %s does not exist and create_topics is false: create it, or set create_topics: true", l.topic)
		}
		// Publishing during Write needs the target now (a producer would
		// wait for a missing topic's metadata); at commit it is made then.
		if l.publishesDuringWrite() {
			if err := a.createTopic(ctx, l.topic, l.cfg.TopicPartitions); err != nil {
				return "", err
			}
		}
	}
	// Publishing during Write, the fence's producer opens the load's
	// transaction after it.
	fencer, err := l.raiseFenceKeep(ctx, a)
	if err != nil {
		return "", err
	}
	if fencer != nil {
		defer func() {
			if fencer != nil {
				fencer.close()
			}
		}()
	}
	rc, err := readReceipts(ctx, l.cfg, a)
	if err != nil {
		return "", err
	}
	if err := l.checkSharedTarget(rc); err != nil {
		return "", err
	}
	if err := a.deleteTopic(ctx, l.staging); err != nil {
		return "", err
	}
	if err := a.createTopic(ctx, l.staging, 1); err != nil {
		return "", err
	}
	if l.publishesDuringWrite() {
		d, err := l.beginDirect(ctx, fencer)
		fencer = nil // beginDirect closes it or keeps it
		if err != nil {
			_ = a.deleteTopic(ctx, l.staging)
			return "", err
		}
		if d != nil {
			c.direct.put(d)
		}
	}
	return l.staging, nil
}

// Write encodes the records as the target's final messages (key, JSON,
// Avro or Protobuf value with the lineage columns) and produces them to
// the staging topic in bundles (stage.go) with an idempotent producer,
// and into the target within the load's transaction when this process
// began the load and publishes during Write (direct.go); it returns once
// every bundle is acknowledged.
func (c *Connector) Write(ctx context.Context, req sdk.LoadRequest, records sdk.RecordReader) (res sdk.WriteResult, err error) {
	l, err := c.prepare(req)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	schema := req.Schema
	if schema == nil {
		schema = records.Schema()
	}
	if schema == nil {
		return sdk.WriteResult{}, needSchema(req)
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		return sdk.WriteResult{}, err
	}
	_, staged, err := a.partitions(ctx, l.staging)
	a.Close()
	if err != nil {
		return sdk.WriteResult{}, err
	}
	if !staged {
		return sdk.WriteResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s: staging topic %s does not exist (BeginLoad first, or the load was committed or aborted)", req.LoadID, l.staging)
	}
	pr, err := newProducer(l.cfg, ck.ConfigMap{"enable.idempotence": true, "compression.type": l.opts.StagingCompression})
	if err != nil {
		return sdk.WriteResult{}, err
	}
	defer pr.close()
	// The load's transaction, when this Write publishes into it.
	var d *directLoad
	var bundles int64
	if l.publishesDuringWrite() {
		if d = c.direct.get(req.LoadID); d != nil && d.startWrite() {
			defer func() { d.endWrite(err, res.Rows, bundles) }()
		} else {
			d = nil
		}
	}
	// Two stages: this goroutine encodes the rows into bundles, a
	// publisher produces them (the client's work per message costs about
	// as much as the encoding, so each gets a core).
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full, free := make(chan []byte, 4), make(chan []byte, 6)
	published := make(chan error, 1)
	go func() {
		n, err := l.publish(wctx, pr, d, full, free)
		bundles = n
		if err != nil {
			cancel()
		}
		published <- err
	}()
	res, err = l.encode(wctx, records, full, free)
	close(full)
	if perr := <-published; perr != nil && (err == nil || errors.Is(err, context.Canceled)) {
		err = perr
	}
	if err != nil {
		return res, err
	}
	if err := pr.flush(ctx); err != nil {
		return res, fmt.Errorf("stage load %s: %w", req.LoadID, err)
	}
	return res, nil
}

// encode renders the records' rows as the target's messages (key and
// value) into bundles, sends each full bundle on full (taking buffers
// from free) and the last one before it returns.
func (l *load) encode(ctx context.Context, records sdk.RecordReader, full chan<- []byte, free <-chan []byte) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	var enc *rowEncoder
	var regEnc valueEncoder
	var encSchema *arrow.Schema
	var b bundle
	var key, value []byte
	send := func() error {
		if b.n == 0 {
			return nil
		}
		select {
		case full <- b.buf:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case b.buf = <-free:
		default:
			b.buf = make([]byte, 0, bundleBytes)
		}
		b.reset()
		return nil
	}
	for {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		if enc == nil || !rec.Schema().Equal(encSchema) {
			if enc, err = l.newRowEncoder(rec.Schema()); err != nil {
				return res, err
			}
			if regEnc, err = l.newValueEncoder(rec.Schema()); err != nil {
				return res, err
			}
			encSchema = rec.Schema()
		}
		for i := range int(rec.NumRows()) {
			if regEnc != nil {
				value, err = regEnc.value(value, rec, i)
			} else {
				value, err = enc.value(value[:0], rec, i)
			}
			if err != nil {
				return res, sdk.Errorf(sdk.CodeData, "load %s: %w", l.req.LoadID, err)
			}
			key, err = enc.key(key, rec, i, value)
			if err != nil {
				return res, sdk.Errorf(sdk.CodeData, "load %s: key: %w", l.req.LoadID, err)
			}
			if !b.fits(key, value) {
				if err := send(); err != nil {
					return res, err
				}
			}
			b.add(key, value)
			res.Bytes += int64(len(value) + len(key))
		}
		res.Rows += rec.NumRows()
	}
	return res, send()
}

// publish produces every bundle from full to staging and, with d, its
// messages into the load's transaction (giving the transaction up on the
// first failure there: staging still gets the load), returning each
// buffer to free. It returns the number of bundles produced and the first
// staging error, after which it only drains full.
func (l *load) publish(ctx context.Context, pr *producer, d *directLoad, full <-chan []byte, free chan<- []byte) (int64, error) {
	var n int64
	var err error
	fault, published := commitFault(), 0
	msg := &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.topic, Partition: ck.PartitionAny}, Headers: l.headers()}
	for buf := range full {
		if err == nil {
			// Produce copies the bundle and every message.
			err = pr.produce(ctx, &ck.Message{TopicPartition: ck.TopicPartition{Topic: &l.staging, Partition: 0}, Value: buf, Headers: stagingHeaders})
			n++
		}
		if err == nil && d != nil {
			perr := eachBundled(buf, func(key, value []byte) error {
				msg.Key, msg.Value = key, value
				if err := d.publish(ctx, msg); err != nil {
					return err
				}
				if published++; published == fault {
					_ = d.pr.flush(ctx)
					die()
				}
				return nil
			})
			if d.checkDeadline(time.Now()); perr != nil || d.broken.Load() != nil {
				d = nil
			}
		}
		select {
		case free <- buf:
		default:
		}
	}
	return n, err
}

// newRowEncoder is the load's JSON value and key encoder for records of
// schema (registering the key schema for key_format avro).
func (l *load) newRowEncoder(schema *arrow.Schema) (*rowEncoder, error) {
	enc, err := newRowEncoder(schema, l.req.UniqueKey, l.opts.Key, l.req.Load.Lineage)
	if err != nil {
		return nil, err
	}
	enc.keyFormat = l.opts.KeyFormat
	if enc.keyMode == keyUniqueKey && enc.keyFormat == keyFormatAvro {
		if enc.keyAvro, err = l.newAvroKeyWriter(schema, enc.keyCols); err != nil {
			return nil, err
		}
	}
	return enc, nil
}

// valueEncoder renders row i of a record as a message value through a
// Schema Registry, appended to dst[:0] or in a new slice.
type valueEncoder interface {
	value(dst []byte, rec arrow.RecordBatch, i int) ([]byte, error)
}

// newValueEncoder is the load's registry encoder for records of schema,
// nil for format json.
func (l *load) newValueEncoder(schema *arrow.Schema) (valueEncoder, error) {
	switch l.opts.Format {
	case formatAvro:
		return newAvroEncoder(l.cfg, l.topic, schema, l.req.Load.Lineage)
	case formatProtobuf:
		return newProtoEncoder(l.cfg, l.topic, schema, l.req.Load.Lineage)
	}
	return nil, nil
}

// headers are the headers of the load's messages: run id and load id.
func (l *load) headers() []ck.Header {
	h := []ck.Header{{Key: headerLoadID, Value: []byte(l.req.LoadID)}}
	if lg := l.req.Load.Lineage; lg != nil && lg.RunID != "" {
		h = append(h, ck.Header{Key: headerRunID, Value: []byte(lg.RunID)})
	}
	return h
}

// AbortLoad aborts the transaction this process published the load into
// during Write and any a crashed process left open, and deletes the
// staging topic; it is idempotent.
func (c *Connector) AbortLoad(ctx context.Context, req sdk.LoadRequest) error {
	if d := c.direct.take(req.LoadID); d != nil {
		d.discard()
	}
	l, err := c.prepare(req)
	if err != nil {
		return err
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, staged, err := a.partitions(ctx, l.staging); err != nil {
		return err
	} else if !staged {
		return nil
	}
	if err := l.fenceTransactions(ctx); err != nil {
		return err
	}
	return a.deleteTopic(ctx, l.staging)
}

// LoadStatus is committed when the load's receipt is in _dpone_loads
// (read_committed), staged when its staging topic exists, else unknown.
func (c *Connector) LoadStatus(ctx context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	l, err := c.prepare(req)
	if err != nil {
		return 0, err
	}
	a, err := newAdmin(l.cfg)
	if err != nil {
		return 0, err
	}
	defer a.Close()
	// A recovering run takes over: a stale holder's later commit fails. An
	// even newer run may have taken over meanwhile: the status is reported
	// all the same and this run's own commit will fail.
	if err := l.raiseFence(ctx, a); err != nil && sdk.CodeOf(err) != sdk.CodeConfig {
		return 0, fmt.Errorf("load status %s: raise the fence of unit %s: %w", req.LoadID, req.Fence, err)
	}
	ps, staged, err := a.partitions(ctx, l.staging)
	if err != nil {
		return 0, err
	}
	var since time.Time // every receipt without staging (recovery only)
	if staged {
		if since, err = l.stagedSince(ctx, ps, a); err != nil {
			return 0, err
		}
	}
	rc, err := readReceiptsSince(ctx, l.cfg, a, since)
	switch {
	case err != nil:
		return 0, err
	case rc.byLoad[req.LoadID] != nil:
		return sdk.LoadCommitted, nil
	case staged:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}

// receiptJSON renders the receipt record of a load.
func receiptJSON(r receipt) []byte {
	b, _ := json.Marshal(r)
	return b
}
