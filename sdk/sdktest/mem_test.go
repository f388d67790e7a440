package sdktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
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
}

type store struct {
	mu       sync.Mutex
	tables   map[string]*table
	staging  map[string]*table
	receipts map[string]bool
}

type table struct {
	schema *arrow.Schema
	rows   []arrow.RecordBatch // one row each
}

func newStore() *store {
	return &store{tables: map[string]*table{}, staging: map[string]*table{}, receipts: map[string]bool{}}
}

func memFactory(st *store, b bugs) sdk.Factory {
	return func() sdk.Connector {
		m := &mem{st: st, bugs: b}
		if b.stagingInMemory {
			m.st = &store{tables: st.tables, staging: map[string]*table{}, receipts: st.receipts}
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
	return sdk.Spec{Name: "mem", Version: "1.0.0", ConfigSchema: memSchema,
		SinkModes:             []string{"full_refresh", "incremental_append", "incremental_merge"},
		IncrementalStrategies: []string{"column"}, AtomicReceipts: true, Transactions: true}
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

func (m *mem) Discover(_ context.Context, raw json.RawMessage, _ []string) ([]sdk.Stream, error) {
	if _, err := m.config(raw); err != nil {
		return nil, err
	}
	out := []sdk.Stream{{Name: "events", Schema: eventsSchema, PrimaryKey: []string{"id"}, CursorCandidates: []string{"updated_at"}}}
	m.st.mu.Lock()
	defer m.st.mu.Unlock()
	for name, t := range m.st.tables {
		out = append(out, sdk.Stream{Name: name, Schema: t.schema})
	}
	return out, nil
}

type memState struct {
	V    int   `json:"v"`
	Null bool  `json:"null"` // cursor is NULL (still in the NULL rows)
	At   int64 `json:"at"`
	ID   int64 `json:"id"`
}

// after reports whether e comes after the checkpoint s.
func (s memState) after(e event) bool {
	if e.at == nil {
		return s.Null && e.id > s.ID
	}
	if s.Null {
		return true
	}
	at := e.at.UnixMicro()
	return at > s.At || (at == s.At && e.id > s.ID)
}

type memPartition struct {
	Mod, Rem int64
}

func (m *mem) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	if _, err := m.config(req.Config); err != nil {
		return err
	}
	if req.Stream != "events" {
		return m.readTable(req.Stream, out)
	}
	var prior *memState
	if req.Mode == sdk.ReadIncremental && len(req.PriorState) > 0 {
		prior = &memState{}
		if err := json.Unmarshal(req.PriorState, prior); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "prior state: %w", err)
		}
	}
	var part *memPartition
	if len(req.Partition) > 0 {
		part = &memPartition{}
		if err := json.Unmarshal(req.Partition, part); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "partition: %w", err)
		}
	}
	if m.bugs.ignoreCancel && req.Mode == sdk.ReadFull && part == nil {
		for i := 0; i < 500 && ctx.Err() == nil; i++ {
			time.Sleep(time.Millisecond)
		}
		// Busy, deaf to ctx, like a decode loop that never looks at it.
		// Six spinning goroutines keep the process well above the
		// check's threshold even when other tests load both cores.
		deadline := time.Now().Add(3 * time.Second)
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() != nil && time.Now().Before(deadline) {
				}
			}()
		}
		wg.Wait()
	}
	if err := out.Schema(eventsSchema); err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, eventsSchema)
	defer b.Release()
	var last *memState
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if err := out.Write(rec); err != nil {
			return err
		}
		if req.Mode == sdk.ReadIncremental && last != nil {
			st, _ := json.Marshal(last)
			return out.Checkpoint(st)
		}
		return nil
	}
	for _, e := range events {
		if prior != nil && !prior.after(e) {
			if !(m.bugs.dupOnResume && e.id == prior.ID) {
				continue
			}
		}
		if part != nil && e.id%part.Mod != part.Rem {
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(e.id)
		if e.at == nil {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(e.at.UnixMicro()))
		}
		if e.name == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(*e.name)
		}
		d, err := decimal128.FromString(e.amount, 38, 10)
		if err != nil {
			return err
		}
		b.Field(3).(*array.Decimal128Builder).Append(d)
		last = &memState{V: 1, Null: e.at == nil, ID: e.id}
		if e.at != nil {
			last.At = e.at.UnixMicro()
		}
		if err := flush(); err != nil { // one row per batch: many checkpoints
			return err
		}
	}
	if req.Mode == sdk.ReadIncremental && last == nil && prior != nil {
		st, _ := json.Marshal(prior)
		return out.Checkpoint(st)
	}
	if req.Mode == sdk.ReadIncremental && last == nil {
		return out.Checkpoint([]byte(`{"v":1,"null":true,"id":0}`))
	}
	for i := 0; i < 100; i++ { // a slow tail so cancellation has something to stop
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
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
	case "incremental_merge":
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
	case "incremental_merge":
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
