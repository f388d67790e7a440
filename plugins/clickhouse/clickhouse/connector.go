// Package clickhouse is dpone's ClickHouse connector, over the native
// protocol (clickhouse-go v2): a Destination that inserts Arrow columns as
// native columnar blocks into a staging table in the target's shape and
// publishes each load in one atomic step (EXCHANGE TABLES, or MOVE
// PARTITION from staging) with a receipt in _dpone_loads; and a Source that
// discovers and reads tables or queries, fully or incrementally by a cursor
// column.
//
// ClickHouse has no multi-statement transactions: exactly-once comes from
// publish steps that are atomic and idempotent, and from receipts that say
// which loads were published (docs/guarantees.md, "ClickHouse").
package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// Version is the connector's version.
const Version = "0.1.0"

// Config is the connection config.
type Config struct {
	// DSN is clickhouse://user:password@host:port/database (native
	// protocol, port 9000 by default); the database is the default
	// namespace of streams and targets.
	DSN string `json:"dsn"`
	// Compression of native blocks: lz4 (default), zstd or none.
	Compression string `json:"compression,omitempty"`
	// DialTimeout bounds connecting, a Go duration ("10s" by default).
	DialTimeout string `json:"dial_timeout,omitempty"`
	// HTTPURL is the server's HTTP interface (http://host:8123, https
	// for TLS), optional: with it the sink takes Parquet files as they are
	// and the server reads them itself (payload.go).
	HTTPURL string `json:"http_url,omitempty"`
}

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["dsn"],
  "properties": {
    "dsn": {"type": "string", "minLength": 1, "description": "clickhouse://user:password@host:9000/database (native protocol)"},
    "compression": {"type": "string", "enum": ["lz4", "zstd", "none"], "default": "lz4", "description": "compression of native blocks"},
    "dial_timeout": {"type": "string", "default": "10s", "description": "connect timeout (Go duration)"},
    "http_url": {"type": "string", "description": "the server's HTTP interface, e.g. http://host:8123 (https for TLS), with the dsn's user, password and database: lets the sink stream Parquet files to the server, which reads them itself (no decoding in dpone); without it they are loaded through Arrow"}
  }
}`

// Connector is the ClickHouse source and destination. Its zero value is
// not usable; call New.
type Connector struct {
	mu    sync.Mutex
	conns map[string]*server
	// objects are the loads this process writes through sink.staging.
	objects objstage.Loads // sink.staging loads of this process
}

// server is one connection pool shared by every call with the same config.
type server struct {
	conn     driver.Conn
	database string // the DSN's database: the default namespace
	// opts are the parsed connection options (the sink's ch-go blocks
	// dial with them).
	opts *ch.Options
}

var (
	_ sdk.Source           = (*Connector)(nil)
	_ sdk.Destination      = (*Connector)(nil)
	_ sdk.Checker          = (*Connector)(nil)
	_ sdk.LoadStatuser     = (*Connector)(nil)
	_ sdk.TargetDescriber  = (*Connector)(nil)
	_ sdk.TypeLossReporter = (*Connector)(nil)
	_ sdk.StreamDescriber  = (*Connector)(nil)
	_ sdk.SchemaApplier    = (*Connector)(nil)
)

// New returns a ClickHouse connector.
func New() sdk.Connector { return &Connector{conns: map[string]*server{}} }

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "clickhouse",
		Version:               Version,
		Description:           "ClickHouse over the native protocol: source and destination",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(sourceOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(sinkOptions{}),
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{"column"},
		// The receipt is written after the publish step, not with it; the
		// window between them is closed by idempotent publish steps and
		// the target's load marker (docs/guarantees.md).
		AtomicReceipts: false,
		Transactions:   false,
		Fencing:        true,
		SchemaOps:      schemaOps,
		// With sink.staging, Write stages Parquet parts and CommitLoad
		// loads them with s3() (stage.go, stagefill.go).
		StagingTypes: stagingTypes,
	}
}

// Close closes every connection pool. A plugin process never calls it;
// tests do.
func (c *Connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for k, s := range c.conns {
		if err := s.conn.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.conns, k)
	}
	return first
}

// Check connects and runs a trivial query.
func (c *Connector) Check(ctx context.Context, raw json.RawMessage) error {
	s, err := c.open(ctx, raw)
	if err != nil {
		return err
	}
	var one uint8
	if err := s.conn.QueryRow(detach(ctx), "SELECT 1").Scan(&one); err != nil {
		return classify(fmt.Errorf("clickhouse check: %w", err))
	}
	cfg, _, err := decodeConfig(raw)
	if err != nil || cfg.HTTPURL == "" {
		return err
	}
	h, err := newHTTPInserter(cfg.HTTPURL, s.opts)
	if err != nil {
		return err
	}
	defer h.close()
	return h.ping(ctx)
}

func decodeConfig(raw json.RawMessage) (Config, *ch.Options, error) {
	var cfg Config
	if err := sdk.DecodeConfig(raw, &cfg); err != nil {
		return cfg, nil, err
	}
	if cfg.DSN == "" {
		return cfg, nil, sdk.Errorf(sdk.CodeConfig, "config: dsn is required (clickhouse://user:password@host:9000/database)")
	}
	opts, err := ch.ParseDSN(cfg.DSN)
	if err != nil {
		// The parse error quotes the DSN, password included: not wrapped.
		return cfg, nil, sdk.Errorf(sdk.CodeConfig, "config: dsn is not a valid ClickHouse URL: want clickhouse://user:password@host:9000/database")
	}
	if opts.Protocol != ch.Native {
		return cfg, nil, sdk.Errorf(sdk.CodeConfig, "config: dsn: only the native protocol is supported (clickhouse://host:9000), not HTTP")
	}
	switch cfg.Compression {
	case "", "lz4":
		opts.Compression = &ch.Compression{Method: ch.CompressionLZ4}
	case "zstd":
		opts.Compression = &ch.Compression{Method: ch.CompressionZSTD}
	case "none":
		opts.Compression = nil
	default:
		return cfg, nil, sdk.Errorf(sdk.CodeConfig, "config: compression %q: want lz4, zstd or none", cfg.Compression)
	}
	opts.DialTimeout = 10 * time.Second
	if cfg.DialTimeout != "" {
		d, err := time.ParseDuration(cfg.DialTimeout)
		if err != nil || d <= 0 {
			return cfg, nil, sdk.Errorf(sdk.CodeConfig, "config: dial_timeout %q: want a Go duration such as 10s", cfg.DialTimeout)
		}
		opts.DialTimeout = d
	}
	if opts.Auth.Database == "" {
		opts.Auth.Database = "default"
	}
	if cfg.HTTPURL != "" {
		if _, err := parseHTTPURL(cfg.HTTPURL); err != nil {
			return cfg, nil, err
		}
	}
	opts.MaxOpenConns = 8
	opts.MaxIdleConns = 4
	return cfg, opts, nil
}

// open returns the connection pool of raw's config, opening it once.
func (c *Connector) open(ctx context.Context, raw json.RawMessage) (*server, error) {
	cfg, opts, err := decodeConfig(raw)
	if err != nil {
		return nil, err
	}
	key := cfg.DSN + "\x00" + cfg.Compression + "\x00" + cfg.DialTimeout
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.conns[key]; ok {
		return s, nil
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "open clickhouse: %w", err)
	}
	if err := conn.Ping(detach(ctx)); err != nil {
		conn.Close()
		return nil, classify(fmt.Errorf("connect to clickhouse %s: %w", opts.Addr, err))
	}
	s := &server{conn: conn, database: opts.Auth.Database, opts: opts}
	c.conns[key] = s
	return s, nil
}
