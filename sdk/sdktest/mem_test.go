package sdktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dpone-go/dpone/sdk"
)

// mem is an in-memory source and destination that behaves as the
// protocol asks; bugs switch on a misbehaviour so the tests can see the
// suite catch it. Its tables live in a store shared by every connector
// the factory makes, like a database outlives a plugin process.
type mem struct {
	st   *store
	bugs bugs
}

type bugs struct {
	dupOnResume     bool // resume re-reads the row at the checkpoint
	internalAuth    bool // bad credentials come back as INTERNAL
	stagingInMemory bool // staging dies with the connector
	ignoreCancel    bool // Read keeps going after ctx is done
	doubleCommit    bool // a second CommitLoad applies again
	dropLineage     bool // the target never gets the lineage columns

	sleepOnCancel  bool // Read sleeps 3s, deaf to ctx, once cancelled
	localTime      bool // timestamps read as local wall clock, not UTC
	claimXmin      bool // claims the xmin strategy without implementing it
	diffAsMerge    bool // claims snapshot_diff, loads it as a merge (no deletes)
	decimalAsFloat bool // amount exposed as float64
	rowOffset      bool // checkpoints count rows instead of naming a position
	dropNullCursor bool // incremental reads leave out NULL cursors
	trustWriters   bool // a Write into a load said to have one stream starts staging afresh

	scd2        bool // claims and implements scd2 (mem_scd2_test.go)
	scd2NoClose bool // scd2 opens a new version without ending the old one
}

type store struct {
	mu       sync.Mutex
	events   []event // the source stream, changed by mutation steps
	tables   map[string]*table
	staging  map[string]*table
	receipts map[string]bool
	history  map[string][]memVersion // scd2 targets' versions
}

type table struct {
	schema *arrow.Schema
	rows   []arrow.RecordBatch // one row each
}

func newStore() *store {
	return &store{events: slices.Clone(events), tables: map[string]*table{}, staging: map[string]*table{}, receipts: map[string]bool{}, history: map[string][]memVersion{}}
}

func memFactory(st *store, b bugs) sdk.Factory {
	return func() sdk.Connector {
		m := &mem{st: st, bugs: b}
		if b.stagingInMemory {
			m.st = &store{events: st.events, tables: st.tables, staging: map[string]*table{}, receipts: st.receipts, history: st.history}
		}
		return m
	}
}

var (
	_ sdk.Source       = (*mem)(nil)
	_ sdk.Destination  = (*mem)(nil)
	_ sdk.Checker      = (*mem)(nil)
	_ sdk.Partitioner  = (*mem)(nil)
	_ sdk.LoadStatuser = (*mem)(nil)
)

type memConfig struct {
	Host     string `json:"host"`
	Password string `json:"password"`
}

const memSchema = `{"type":"object","additionalProperties":false,"properties":{"host":{"type":"string"},"password":{"type":"string"}}}`

func (m *mem) Spec() sdk.Spec {
	spec := sdk.Spec{Name: "mem", Version: "1.0.0", ConfigSchema: memSchema,
		SinkModes:             []string{"full_refresh", "incremental_append", "incremental_merge"},
		IncrementalStrategies: []string{"column"}, AtomicReceipts: true, Transactions: true}
	if m.bugs.claimXmin {
		spec.IncrementalStrategies = append(spec.IncrementalStrategies, "xmin")
	}
	if m.bugs.diffAsMerge {
		spec.SinkModes = append(spec.SinkModes, "snapshot_diff")
	}
	if m.bugs.scd2 {
		spec.SinkModes = append(spec.SinkModes, sdk.ModeSCD2)
	}
	return spec
}

func (m *mem) config(raw json.RawMessage) (memConfig, error) {
	var c memConfig
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return c, err
	}
	switch {
	case c.Host != "mem":
		return c, sdk.Errorf(sdk.CodeConnect, "dial %s: no such host", c.Host)
	case c.Password != "secret" && m.bugs.internalAuth:
		return c, fmt.Errorf("password mismatch")
	case c.Password != "secret":
		return c, sdk.Errorf(sdk.CodeAuth, "password authentication failed")
	}
	return c, nil
}

func (m *mem) Check(_ context.Context, raw json.RawMessage) error {
	_, err := m.config(raw)
	return err
}

// events: id, updated_at (ties and NULLs), name, amount.
var eventsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "updated_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
}, nil)

type event struct {
	id     int64
	at     *time.Time
	name   *string
	amount string
}

func ts(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func sp(s string) *string { return &s }

// events are ordered as the column strategy reads them: NULL cursors
// first, then by (updated_at, id).
var events = []event{
	{7, nil, sp("null cursor"), "0"},
	{9, nil, nil, "-1.5"},
	{1, ts("1969-07-20T20:17:40.123456Z"), sp("moon 🌕"), "9999999999999999999999999999.9999999999"},
	{2, ts("2024-01-01T00:00:00Z"), sp(""), "-9999999999999999999999999999.9999999999"},
	{3, ts("2024-01-01T00:00:00Z"), sp("tie"), "0.0000000001"},
	{4, ts("2024-01-01T00:00:00Z"), sp("tie too"), "12.5"},
	{5, ts("2024-06-30T12:00:00.000001Z"), sp("日本語"), "1"},
	{6, ts("2024-07-01T00:00:00Z"), sp("last"), "2"},
}

// floatEventsSchema is eventsSchema with amount as float64 (decimalAsFloat).
var floatEventsSchema = arrow.NewSchema([]arrow.Field{
	eventsSchema.Field(0), eventsSchema.Field(1), eventsSchema.Field(2),
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

func (m *mem) eventsSchema() *arrow.Schema {
	if m.bugs.decimalAsFloat {
		return floatEventsSchema
	}
	return eventsSchema
}

func (m *mem) Discover(_ context.Context, raw json.RawMessage, _ []string) ([]sdk.Stream, error) {
	if _, err := m.config(raw); err != nil {
		return nil, err
	}
	out := []sdk.Stream{{Name: "events", Schema: m.eventsSchema(), PrimaryKey: []string{"id"}, CursorCandidates: []string{"updated_at"}}}
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	for name, t := range m.st.tables {
		out = append(out, sdk.Stream{Name: name, Schema: t.schema})
	}
	return out, nil
}

func (m *mem) readTable(name string, out sdk.RecordWriter) error {
	m.st.mu.Lock()
	t, ok := m.st.tables[name]
	m.st.mu.Unlock()
	if !ok {
		return sdk.Errorf(sdk.CodeNotFound, "table %s does not exist", name)
	}
	if err := out.Schema(t.schema); err != nil {
		return err
	}
	for _, r := range t.rows {
		if err := out.Write(r); err != nil {
			return err
		}
	}
	return nil
}

func (m *mem) Partition(_ context.Context, req sdk.ReadRequest, n int) ([][]byte, error) {
	if _, err := m.config(req.Config); err != nil {
		return nil, err
	}
	var out [][]byte
	for i := 0; i < n; i++ {
		b, _ := json.Marshal(memPartition{Mod: int64(n), Rem: int64(i)})
		out = append(out, b)
	}
	return out, nil
}

func (m *mem) BeginLoad(_ context.Context, req sdk.LoadRequest) (string, error) {
	if _, err := m.config(req.Config); err != nil {
		return "", err
	}
	switch req.Mode {
	case "full_refresh", "incremental_append":
	case "incremental_merge", "snapshot_diff", sdk.ModeSCD2:
		if (req.Mode == "snapshot_diff" && !m.bugs.diffAsMerge) || (req.Mode == sdk.ModeSCD2 && !m.bugs.scd2) {
			return "", sdk.Errorf(sdk.CodeUnsupported, "mode %q", req.Mode)
		}
		if len(req.UniqueKey) == 0 {
			return "", sdk.Errorf(sdk.CodeConfig, "incremental_merge needs a unique_key")
		}
	default:
		return "", sdk.Errorf(sdk.CodeUnsupported, "mode %q", req.Mode)
	}
	name := sdk.StagingName(req.LoadID)
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	m.st.staging[name] = &table{schema: req.Schema}
	return name, nil
}

func (m *mem) Write(_ context.Context, req sdk.LoadRequest, records sdk.RecordReader) (sdk.WriteResult, error) {
	var res sdk.WriteResult
	if m.bugs.trustWriters && req.Writers == 1 {
		m.st.mu.Lock()
		if stg, ok := m.st.staging[sdk.StagingName(req.LoadID)]; ok {
			stg.rows = nil
		}
		m.st.mu.Unlock()
	}
	for {
		rec, err := records.Next()
		if err != nil {
			break
		}
		m.st.mu.Lock()
		stg, ok := m.st.staging[sdk.StagingName(req.LoadID)]
		if !ok {
			m.st.mu.Unlock()
			return res, sdk.Errorf(sdk.CodeNotFound, "load %s has no staging", req.LoadID)
		}
		for i := int64(0); i < rec.NumRows(); i++ {
			stg.rows = append(stg.rows, rec.NewSlice(i, i+1))
		}
		m.st.mu.Unlock()
		res.Rows += rec.NumRows()
	}
	return res, nil
}

func (m *mem) CommitLoad(_ context.Context, req sdk.LoadRequest, _ json.RawMessage) (sdk.CommitResult, error) {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	if m.st.receipts[req.LoadID] && !m.bugs.doubleCommit {
		return sdk.CommitResult{}, nil
	}
	name := sdk.StagingName(req.LoadID)
	stg, ok := m.st.staging[name]
	if !ok && m.bugs.doubleCommit && m.st.receipts[req.LoadID] {
		stg, ok = m.st.staging["done:"+name]
	}
	if !ok {
		return sdk.CommitResult{}, sdk.Errorf(sdk.CodeNotFound, "load %s has no staging", req.LoadID)
	}
	if req.Mode == sdk.ModeSCD2 {
		if err := m.commitSCD2(req, stg.rows); err != nil {
			return sdk.CommitResult{}, err
		}
		delete(m.st.staging, name)
		m.st.receipts[req.LoadID] = true
		return sdk.CommitResult{RowsInserted: int64(len(stg.rows))}, nil
	}
	schema, staged := req.Schema, stg.rows
	if lg := req.Load.Lineage; lg != nil && !m.bugs.dropLineage {
		schema, staged = withLineage(req.Schema, stg.rows, lg)
	}
	t := m.st.tables[req.Target.Name]
	if t == nil || req.Mode == "full_refresh" {
		t = &table{schema: schema}
	}
	rows := append([]arrow.RecordBatch(nil), t.rows...)
	switch req.Mode {
	case "full_refresh", "incremental_append":
		rows = append(rows, staged...)
	case "incremental_merge", "snapshot_diff": // snapshot_diff only with the diffAsMerge bug
		for _, r := range staged {
			id := r.Column(0).(*array.Int64).Value(0)
			replaced := false
			for i, old := range rows {
				if old.Column(0).(*array.Int64).Value(0) == id {
					rows[i], replaced = r, true
				}
			}
			if !replaced {
				rows = append(rows, r)
			}
		}
	}
	m.st.tables[req.Target.Name] = &table{schema: t.schema, rows: rows}
	delete(m.st.staging, name)
	if m.bugs.doubleCommit {
		m.st.staging["done:"+name] = stg
	}
	m.st.receipts[req.LoadID] = true
	return sdk.CommitResult{RowsInserted: int64(len(stg.rows))}, nil
}

func (m *mem) AbortLoad(_ context.Context, req sdk.LoadRequest) error {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	delete(m.st.staging, sdk.StagingName(req.LoadID))
	return nil
}

func (m *mem) LoadStatus(_ context.Context, req sdk.LoadRequest) (sdk.LoadState, error) {
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	switch {
	case m.st.receipts[req.LoadID]:
		return sdk.LoadCommitted, nil
	case m.st.staging[sdk.StagingName(req.LoadID)] != nil:
		return sdk.LoadStaged, nil
	}
	return sdk.LoadUnknown, nil
}

// withLineage adds the host's lineage columns (run id, load time as text)
// to one-row records.
func withLineage(schema *arrow.Schema, rows []arrow.RecordBatch, lg *sdk.Lineage) (*arrow.Schema, []arrow.RecordBatch) {
	fields := append(append([]arrow.Field{}, schema.Fields()...),
		arrow.Field{Name: lg.RunIDColumn, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: lg.LoadedAtColumn, Type: arrow.BinaryTypes.String})
	out := arrow.NewSchema(fields, nil)
	res := make([]arrow.RecordBatch, 0, len(rows))
	for _, r := range rows {
		cols := append([]arrow.Array{}, r.Columns()...)
		for _, v := range []string{lg.RunID, lg.LoadedAt} {
			b := array.NewStringBuilder(memory.DefaultAllocator)
			b.Append(v)
			cols = append(cols, b.NewArray())
			b.Release()
		}
		res = append(res, array.NewRecordBatch(out, cols, r.NumRows()))
	}
	return out, res
}
