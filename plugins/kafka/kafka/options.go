package kafka

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Value formats a source decodes.
const (
	formatJSON   = "json"
	formatString = "string"
	formatBytes  = "bytes"
)

// Start positions of a read without a checkpoint.
const (
	startEarliest     = "earliest"
	startLatest       = "latest"
	startLastSnapshot = "last_snapshot"
)

// sourceOptions are a Read's own options (the manifest's source.options).
type sourceOptions struct {
	// IncrementalStrategy is "offset" (or empty for full reads).
	IncrementalStrategy string `json:"incremental_strategy"`
	// Format of message values: json (default: one object per message,
	// its fields as columns), avro (Confluent-framed Avro through the
	// Schema Registry of schema_registry_url: the latest value schema's
	// fields as columns), protobuf (likewise, the latest schema's message),
	// string or bytes (one _kafka_value column).
	Format string `json:"format"`
	// Start is where a read without a checkpoint begins: earliest
	// (default), latest, last_snapshot (the first offsets of the last
	// full_refresh a dpone sink published, else earliest) or an RFC 3339
	// timestamp.
	Start string `json:"start"`
	// StartOffsets are explicit start offsets by partition number; they
	// take precedence over Start for the partitions they name.
	StartOffsets map[string]int64 `json:"start_offsets"`
	// SampleSize is how many messages JSON schema inference reads when no
	// dpone receipt declares the topic's schema (default 1000).
	SampleSize int `json:"sample_size"`
	// Envelope adds _kafka_topic, _kafka_partition, _kafka_offset,
	// _kafka_timestamp and _kafka_key (default true).
	Envelope *bool `json:"envelope"`
	// KeyFormat is the type of _kafka_key: string (default: the key as
	// text, bytes that are not UTF-8 as \xNN) or bytes (binary, as it
	// is: Avro, Protobuf or other binary keys, to decode downstream).
	KeyFormat string `json:"key_format"`
	// Headers adds _kafka_headers, the message headers as a JSON object
	// (default true).
	Headers *bool `json:"headers"`
	// OnDecodeError is what a JSON value that does not decode does:
	// "column" (default) loads the row with NULL value columns and the
	// reason in _kafka_error, so a contract on _kafka_error quarantines it;
	// "fail" fails the read with a DATA error naming topic, partition and
	// offset.
	OnDecodeError string `json:"on_decode_error"`
	// CommitToGroup also commits offsets to a consumer group, for
	// monitoring tools (lag). dpone's state stays the truth: a Read
	// commits its prior checkpoint (what dpone committed after the sink
	// committed), so the group trails dpone by one run.
	CommitToGroup bool `json:"commit_to_group"`
	// GroupID is the consumer group of commit_to_group (default
	// dpone.<topic>).
	GroupID string `json:"group_id"`
	// Compact reads the topic as a compacted topic converges: per message
	// key, only the latest message, none when it is a tombstone (messages
	// without a key are all kept). A full read of a snapshot_diff target
	// or any changelog topic; two passes over the range, the keys spilled
	// to disk by hash, one bit per message of the range in memory.
	Compact bool `json:"compact"`
	// Columns declares the JSON value columns and their types instead of
	// inferring them (format json only): fields not declared are skipped,
	// a value that does not parse as its type is a poison message.
	Columns []declaredColumn `json:"columns"`
}

// readOptions are checked source options.
type readOptions struct {
	sourceOptions
	startTime    time.Time
	startOffsets map[int32]int64
	declared     []arrow.Field
	envelope     bool
	headers      bool
}

func decodeSourceOptions(raw json.RawMessage) (readOptions, error) {
	var o readOptions
	if err := sdk.DecodeOptions(raw, &o.sourceOptions, "kafka source options"); err != nil {
		return o, err
	}
	switch o.IncrementalStrategy {
	case "", strategyOffset:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: incremental_strategy %q: the kafka source supports only %q (offsets per partition)", o.IncrementalStrategy, strategyOffset)
	}
	switch o.Format {
	case "":
		o.Format = formatJSON
	case formatJSON, formatAvro, formatProtobuf, formatString, formatBytes:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: format %q: want json, avro, protobuf, string or bytes", o.Format)
	}
	switch o.Start {
	case "":
		o.Start = startEarliest
	case startEarliest, startLatest, startLastSnapshot:
	default:
		t, err := time.Parse(time.RFC3339Nano, o.Start)
		if err != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: start %q: want earliest, latest, last_snapshot or an RFC 3339 timestamp", o.Start)
		}
		o.startTime = t
	}
	o.startOffsets = map[int32]int64{}
	for k, v := range o.StartOffsets {
		p, err := strconv.ParseInt(k, 10, 32)
		if err != nil || p < 0 || v < 0 {
			return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: start_offsets %q: %d: want a partition number and an offset >= 0", k, v)
		}
		o.startOffsets[int32(p)] = v
	}
	if o.SampleSize == 0 {
		o.SampleSize = 1000
	}
	if o.SampleSize < 0 {
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: sample_size %d: want a positive number", o.SampleSize)
	}
	switch o.OnDecodeError {
	case "":
		o.OnDecodeError = "column"
	case "column", "fail":
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: on_decode_error %q: want column or fail", o.OnDecodeError)
	}
	if o.Compact && o.IncrementalStrategy != "" {
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: compact reads the latest message per key of the whole range: drop incremental_strategy (a compacted view is a full read)")
	}
	if len(o.Columns) > 0 {
		if o.Format != formatJSON {
			return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: columns declares json fields: format %s has its own columns (drop columns, or set format: json)", o.Format)
		}
		var err error
		if o.declared, err = declaredFields(o.Columns); err != nil {
			return o, err
		}
	}
	switch o.KeyFormat {
	case "":
		o.KeyFormat = keyFormatString
	case keyFormatString, keyFormatBytes:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "kafka source options: key_format %q: want string or bytes (read Avro, Protobuf or JSON keys as bytes)", o.KeyFormat)
	}
	o.envelope = o.Envelope == nil || *o.Envelope
	o.headers = o.Headers == nil || *o.Headers
	return o, nil
}
