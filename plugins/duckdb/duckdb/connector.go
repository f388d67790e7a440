// Package duckdb is dpone's DuckDB connector: a Destination that loads
// Arrow batches into a DuckDB file through staging tables and atomic
// commits with receipts, and a Source that discovers and reads its tables
// (fully or incrementally by a cursor column).
//
// One plugin process may serve many loads into the same file at once.
// DuckDB lets only one process write a file, so the connector opens each
// path once and shares that handle; statements that change the catalog
// (begin, commit, abort, schema changes) are serialized per file.
package duckdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// Version is the connector's version.
const Version = "0.1.0"

// Config is the connection config: {"path": "./warehouse.duckdb"}, with
// optional "memory_limit" and "threads".
type Config struct {
	// Path of the database file, relative to the working directory of the
	// plugin process when not absolute. ":memory:" is accepted by sources
	// only.
	Path string `json:"path"`
	// MemoryLimit caps DuckDB's buffer manager (SET memory_limit), e.g.
	// "1GB"; when empty, a quarter of the machine's memory (or of the
	// cgroup's limit), at least 128MB (memory.go). Beyond it DuckDB
	// writes blocks to the database file or spills to <path>.tmp.
	MemoryLimit string `json:"memory_limit"`
	// Threads is DuckDB's worker thread count (SET threads);
	// DefaultThreads when 0.
	Threads int `json:"threads"`
}

// DefaultThreads is Config.Threads when unset: the machines running dpone
// beside the databases have few cores.
const DefaultThreads = 2

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["path"],
  "properties": {
    "path": {"type": "string", "minLength": 1, "description": "DuckDB database file; its directory must exist"},
    "memory_limit": {"type": "string", "description": "DuckDB memory_limit (e.g. 256MB, 1GB): caps the plugin's buffer memory; default a quarter of the machine's memory (or of its cgroup limit), at least 128MB; the first config to open a file sets it"},
    "threads": {"type": "integer", "minimum": 1, "default": 2, "description": "DuckDB worker threads; the first config to open a file sets it"}
  }
}`

// Connector is the DuckDB source and destination. Its zero value is not
// usable; call New.
type Connector struct {
	mu  sync.Mutex
	dbs map[string]*database
	// objects are the loads this process stages in object storage.
	objects objstage.Loads // sink.staging loads of this process
}

// database is one open DuckDB file shared by every call on its path.
type database struct {
	db *sql.DB
	// ddl serializes statements that change the catalog or commit loads.
	ddl sync.Mutex
	// jsonType is "JSON" when the json extension is loaded, else "VARCHAR".
	jsonType string
}

var (
	_ sdk.Source          = (*Connector)(nil)
	_ sdk.Destination     = (*Connector)(nil)
	_ sdk.Checker         = (*Connector)(nil)
	_ sdk.TargetDescriber = (*Connector)(nil)
	_ sdk.SchemaApplier   = (*Connector)(nil)
	_ sdk.LoadStatuser    = (*Connector)(nil)
)

// New returns a DuckDB connector.
func New() sdk.Connector { return &Connector{dbs: map[string]*database{}} }

// Spec describes the connector.
func (c *Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "duckdb",
		Version:               Version,
		Description:           "DuckDB database files: source and destination",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(sourceOptions{}),
		SinkOptionsSchema:     sdk.OptionsSchema(struct{}{}), // no options of its own: plan refuses any key
		SinkModes:             sinkModes,
		IncrementalStrategies: []string{"column"},
		CursorRange:           true,
		AtomicReceipts:        true,
		Transactions:          true,
		Fencing:               true,
		StagingTypes:          stagingTypes,
	}
}

// Close closes every database the connector opened. A plugin process
// calls it when the host shuts the plugin down (sdk.Serve): DuckDB
// checkpoints every file it closes; tests call it too.
func (c *Connector) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for p, d := range c.dbs {
		errs = append(errs, d.db.Close())
		delete(c.dbs, p)
	}
	return errors.Join(errs...)
}

// Check opens the database file and runs a trivial query.
func (c *Connector) Check(ctx context.Context, raw json.RawMessage) error {
	cfg, err := decodeConfig(raw)
	if err != nil {
		return err
	}
	d, err := c.open(ctx, cfg, false)
	if err != nil {
		return err
	}
	var one int
	if err := d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return sdk.Errorf(sdk.CodeConnect, "duckdb %s: %w", cfg.Path, err)
	}
	return nil
}

func decodeConfig(raw json.RawMessage) (Config, error) {
	var cfg Config
	if err := sdk.DecodeConfig(raw, &cfg); err != nil {
		return cfg, err
	}
	if cfg.Path == "" {
		return cfg, sdk.Errorf(sdk.CodeConfig, "config: path is required (the DuckDB database file)")
	}
	if cfg.MemoryLimit == "" {
		cfg.MemoryLimit = defaultMemoryLimit()
	}
	if cfg.Threads == 0 {
		cfg.Threads = DefaultThreads
	}
	if cfg.Threads < 0 {
		return cfg, sdk.Errorf(sdk.CodeConfig, "config: threads %d: want a positive number", cfg.Threads)
	}
	return cfg, nil
}

// openConfig decodes raw and opens its database; sink refuses ":memory:",
// which a separate process could never read back.
func (c *Connector) openConfig(ctx context.Context, raw json.RawMessage, sink bool) (*database, error) {
	cfg, err := decodeConfig(raw)
	if err != nil {
		return nil, err
	}
	return c.open(ctx, cfg, sink)
}

func (c *Connector) open(ctx context.Context, cfg Config, sink bool) (*database, error) {
	memory := cfg.Path == ":memory:"
	if memory && sink {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: path %q: an in-memory database cannot be a destination (its data would vanish with the plugin); use a file path", cfg.Path)
	}
	key := cfg.Path
	if !memory {
		abs, err := filepath.Abs(cfg.Path)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: path %q: %w", cfg.Path, err)
		}
		key = abs
		dir := filepath.Dir(abs)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: path %q: directory %s does not exist", cfg.Path, dir)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.dbs[key]; ok {
		return d, nil
	}
	dsn := key
	if memory {
		dsn = ""
	}
	connector, err := openWaiting(ctx, dsn)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConnect, "open duckdb %s: %w", cfg.Path, err)
	}
	db := sql.OpenDB(connector)
	// Global settings: they bound every connection of the file.
	settings := fmt.Sprintf("SET GLOBAL memory_limit = '%s'; SET GLOBAL threads = %d", strings.ReplaceAll(cfg.MemoryLimit, "'", "''"), cfg.Threads)
	if _, err := db.ExecContext(ctx, settings); err != nil {
		db.Close()
		return nil, sdk.Errorf(sdk.CodeConfig, "config: memory_limit %q, threads %d: %w", cfg.MemoryLimit, cfg.Threads, err)
	}
	if sink {
		if err := dropStaleArrowViews(ctx, db); err != nil {
			db.Close()
			return nil, classify(fmt.Errorf("open duckdb %s: %w", cfg.Path, err))
		}
	}
	d := &database{db: db, jsonType: "VARCHAR"}
	if _, err := db.ExecContext(ctx, "SELECT '1'::JSON"); err == nil {
		d.jsonType = "JSON"
	}
	c.dbs[key] = d
	return d, nil
}

// conn runs fn on one dedicated connection of d.
func (d *database) conn(ctx context.Context, fn func(*sql.Conn) error) error {
	cn, err := d.db.Conn(ctx)
	if err != nil {
		return sdk.Errorf(sdk.CodeConnect, "duckdb connection: %w", err)
	}
	defer cn.Close()
	return fn(cn)
}

// tx runs fn in one transaction on a dedicated connection, committing when
// fn returns nil.
func (d *database) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeConnect, "duckdb begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("duckdb commit: %w", err))
	}
	return nil
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// lockWait is how long opening a file waits while another process holds
// DuckDB's file lock (typically a plugin of a run that just ended and is
// still exiting).
const lockWait = 15 * time.Second

// openWaiting opens dsn, retrying IO errors (the file lock) for lockWait.
func openWaiting(ctx context.Context, dsn string) (*ddb.Connector, error) {
	deadline := time.Now().Add(lockWait)
	for {
		connector, err := ddb.NewConnector(dsn, nil)
		var de *ddb.Error
		if err == nil || !errors.As(err, &de) || de.Type != ddb.ErrorTypeIO || time.Now().After(deadline) {
			return connector, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
