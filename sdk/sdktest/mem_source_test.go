package sdktest_test

import (
	"context"
	"encoding/json"
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
