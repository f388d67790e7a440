package sdktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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

	sleepOnCancel  bool // Read sleeps 3s, deaf to ctx, once cancelled
	localTime      bool // timestamps read as local wall clock, not UTC
	claimXmin      bool // claims the xmin strategy without implementing it
	diffAsMerge    bool // claims snapshot_diff, loads it as a merge (no deletes)
	decimalAsFloat bool // amount exposed as float64
	rowOffset      bool // checkpoints count rows instead of naming a position
	dropNullCursor bool // incremental reads leave out NULL cursors
}

type store struct {
	mu       sync.Mutex
	events   []event // the source stream, changed by mutation steps
	tables   map[string]*table
	staging  map[string]*table
	receipts map[string]bool
}

type table struct {
	schema *arrow.Schema
	rows   []arrow.RecordBatch // one row each
}

func newStore() *store {
	return &store{events: slices.Clone(events), tables: map[string]*table{}, staging: map[string]*table{}, receipts: map[string]bool{}}
}

func memFactory(st *store, b bugs) sdk.Factory {
	return func() sdk.Connector {
		m := &mem{st: st, bugs: b}
		if b.stagingInMemory {
			m.st = &store{events: st.events, tables: st.tables, staging: map[string]*table{}, receipts: st.receipts}
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

// memState is a checkpoint: the cursor value of the last row read and
// the keys read at that value (a tie set), so rows that tie with it, or
// are updated onto it later, are neither skipped nor read twice. NULL
// cursors are read first; Null says the read is still among them.
type memState struct {
	V    int     `json:"v"`
	Null bool    `json:"null"`
	At   int64   `json:"at"`
	IDs  []int64 `json:"ids"`
	// Offset is the rowOffset bug's checkpoint: rows read so far.
	Offset int `json:"offset,omitempty"`
}

// after reports whether e comes after the checkpoint s.
func (s memState) after(e event) bool {
	if e.at == nil {
		return s.Null && !slices.Contains(s.IDs, e.id)
	}
	if s.Null {
		return true
	}
	at := e.at.UnixMicro()
	return at > s.At || (at == s.At && !slices.Contains(s.IDs, e.id))
}

// advance moves the checkpoint past e.
func (s *memState) advance(e event) {
	null := e.at == nil
	var at int64
	if !null {
		at = e.at.UnixMicro()
	}
	if s.V == 0 || null != s.Null || at != s.At {
		s.IDs = nil
	}
	s.V, s.Null, s.At = 2, null, at
	s.IDs = append(s.IDs, e.id)
	s.Offset++
}

type memPartition struct {
	Mod, Rem int64
}

// sortedEvents are the store's events in read order: NULL cursors first,
// then by (updated_at, id).
func (m *mem) sortedEvents() []event {
	m.st.mu.Lock()
	evs := slices.Clone(m.st.events)
	m.st.mu.Unlock()
	slices.SortFunc(evs, func(a, b event) int {
		switch {
		case a.at == nil && b.at != nil:
			return -1
		case a.at != nil && b.at == nil:
			return 1
		case a.at != nil && !a.at.Equal(*b.at):
			return a.at.Compare(*b.at)
		}
		return int(a.id - b.id)
	})
	return evs
}

func (m *mem) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	if _, err := m.config(req.Config); err != nil {
		return err
	}
	if req.Stream != "events" {
		return m.readTable(req.Stream, out)
	}
	if m.bugs.sleepOnCancel {
		defer func() {
			if ctx.Err() != nil {
				// "Cleans up politely": waits for a server that will
				// never answer, deaf to ctx. No CPU is used.
				time.Sleep(3 * time.Second)
			}
		}()
	}
	var opts struct {
		Strategy string `json:"incremental_strategy"`
		Column   string `json:"incremental_column"`
	}
	if len(req.Options) > 0 {
		if err := json.Unmarshal(req.Options, &opts); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "options: %w", err)
		}
	}
	if req.Mode == sdk.ReadIncremental && opts.Strategy != "column" {
		return sdk.Errorf(sdk.CodeUnsupported, "incremental_strategy %q: only column", opts.Strategy)
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
	schema := m.eventsSchema()
	if err := out.Schema(schema); err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	state := memState{}
	if prior != nil {
		state = *prior
	}
	wrote := false
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if err := out.Write(rec); err != nil {
			return err
		}
		if req.Mode == sdk.ReadIncremental {
			st, _ := json.Marshal(state)
			return out.Checkpoint(st)
		}
		return nil
	}
	for i, e := range m.sortedEvents() {
		switch {
		case m.bugs.rowOffset && prior != nil:
			if i < prior.Offset {
				continue
			}
		case prior != nil && !prior.after(e):
			if !(m.bugs.dupOnResume && slices.Contains(prior.IDs, e.id)) {
				continue
			}
		}
		if m.bugs.dropNullCursor && req.Mode == sdk.ReadIncremental && e.at == nil {
			continue
		}
		if part != nil && e.id%part.Mod != part.Rem {
			continue
		}
		b.Field(0).(*array.Int64Builder).Append(e.id)
		switch {
		case e.at == nil:
			b.Field(1).AppendNull()
		case m.bugs.localTime:
			// The wall clock of the UTC instant, taken as local time.
			u := e.at.UTC()
			local := time.Date(u.Year(), u.Month(), u.Day(), u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), time.Local)
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(local.UnixMicro()))
		default:
			b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(e.at.UnixMicro()))
		}
		if e.name == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(*e.name)
		}
		if m.bugs.decimalAsFloat {
			f, _ := strconv.ParseFloat(e.amount, 64)
			b.Field(3).(*array.Float64Builder).Append(f)
		} else {
			d, err := decimal128.FromString(e.amount, 38, 10)
			if err != nil {
				return err
			}
			b.Field(3).(*array.Decimal128Builder).Append(d)
		}
		state.advance(e)
		wrote = true
		if err := flush(); err != nil { // one row per batch: many checkpoints
			return err
		}
	}
	if req.Mode == sdk.ReadIncremental && !wrote {
		if prior == nil {
			state = memState{V: 2, Null: true}
		}
		st, _ := json.Marshal(state)
		return out.Checkpoint(st)
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
	case "incremental_merge", "snapshot_diff":
		if req.Mode == "snapshot_diff" && !m.bugs.diffAsMerge {
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
	t := m.st.tables[req.Target.Name]
	if t == nil || req.Mode == "full_refresh" {
		t = &table{schema: req.Schema}
	}
	rows := append([]arrow.RecordBatch(nil), t.rows...)
	switch req.Mode {
	case "full_refresh", "incremental_append":
		rows = append(rows, stg.rows...)
	case "incremental_merge", "snapshot_diff": // snapshot_diff only with the diffAsMerge bug
		for _, r := range stg.rows {
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
