package sdktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// incrementals are the stream's incremental settings: Incremental, then
// Strategies.
func (st StreamFixture) incrementals() []*IncrementalFixture {
	var out []*IncrementalFixture
	if st.Incremental != nil {
		out = append(out, st.Incremental)
	}
	for i := range st.Strategies {
		out = append(out, &st.Strategies[i])
	}
	return out
}

// strategyChecks verify that every claimed incremental strategy is
// exercised by some stream of the fixture (strategy/<name>).
func (s *session) strategyChecks(t T) {
	claimed := s.spec.GetCapabilities().GetIncrementalStrategies()
	covered := map[string][]string{}
	for _, st := range s.f.Streams {
		for _, inc := range st.incrementals() {
			name := inc.strategy()
			if name == "" && len(claimed) == 1 {
				name = claimed[0] // the connector's only strategy
			}
			covered[name] = append(covered[name], streamKey(st))
		}
	}
	for _, name := range claimed {
		s.check(t, "strategy/"+name, func(c *checkT) {
			if streams := covered[name]; len(streams) > 0 {
				c.notef("exercised on %s (incremental and mutations checks)", strings.Join(streams, ", "))
				return
			}
			msg := fmt.Sprintf("the connector claims incremental strategy %s but no stream of the fixture uses it: add streams[].strategies: [{options: {incremental_strategy: %s, ...}}]", name, name)
			if len(covered) == 0 {
				c.Skipf("%s", msg)
			}
			c.skipOptional("%s", msg)
		})
	}
}

// incrementalCheck reads incrementally from scratch, then resumes from
// every checkpoint: the rows before it plus the resumed rows must be the
// whole stream, with no gap and no duplicate.
func (s *session) incrementalCheck(c *checkT, st StreamFixture, inc *IncrementalFixture) {
	caps := s.spec.GetCapabilities()
	if !slices.Contains(caps.GetSourceModes(), connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL) {
		c.notApplicable("the connector advertises no incremental strategy")
	}
	if inc == nil {
		c.skipOptional("fixture has no incremental settings for %s", streamKey(st))
	}
	if name := inc.strategy(); name != "" && !slices.Contains(caps.GetIncrementalStrategies(), name) {
		c.Errorf("the fixture reads %s with incremental_strategy %s, which the connector does not claim (claims: %v)", streamKey(st), name, caps.GetIncrementalStrategies())
	}
	p := s.client(c)
	req, err := s.incrementalRequest(st, inc)
	if err != nil {
		c.Fatalf("%v", err)
	}
	ctx, cancel := s.ctx()
	defer cancel()
	first, err := read(ctx, p, req, false)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if first.err != nil {
		c.Fatalf("incremental read of %s: %s", streamKey(st), errText(first.err))
	}
	for _, v := range first.violations {
		c.Errorf("protocol: %s", v)
	}
	cols := fieldNames(first.schema)
	if st.Rows != nil {
		rows := st.Rows
		if inc.SkipNullCursor && inc.Cursor != "" {
			rows = nil
			for _, r := range st.Rows {
				if r[inc.Cursor] != nil {
					rows = append(rows, r)
				}
			}
		}
		want, err := fixtureRows(first.schema, rows)
		if err != nil {
			c.Fatalf("fixture rows: %v", err)
		}
		if d := diffRows(want, first.rows, columnsOf(want), 10); d != nil {
			c.Errorf("first incremental read (no prior state):\n%s", strings.Join(d, "\n"))
		}
	} else {
		// Without explicit rows the first incremental read is the full
		// read (minus NULL cursors when the policy excludes them): a
		// source that drops rows must not pass for want of a fixture.
		want := withoutNullCursor(s.fullRead(c, st).rows, inc)
		if d := diffRows(want, first.rows, cols, 10); d != nil {
			c.Errorf("first incremental read (no prior state) is not the full read:\n%s", strings.Join(d, "\n"))
		}
	}
	if len(first.checkpoints) == 0 {
		c.Fatalf("the incremental read emitted no checkpoint: the host could never advance its state")
	}
	if last := first.checkpoints[len(first.checkpoints)-1]; last.rows != len(first.rows) {
		c.Errorf("the last checkpoint comes after %d of %d rows: rows after it would be read again", last.rows, len(first.rows))
	}
	s.cursorNotes(c, first, inc.Cursor)
	cps := first.checkpoints
	if len(cps) > 20 { // resume from an even sample of at most 20
		step := float64(len(cps)) / 20
		var pick []checkpointAt
		for i := 0; i < 20; i++ {
			pick = append(pick, cps[int(float64(i)*step)])
		}
		cps = append(pick, first.checkpoints[len(first.checkpoints)-1])
	}
	for i, cp := range cps {
		rreq := proto.Clone(req).(*connectorv1.ReadRequest)
		rreq.PriorState = cp.state
		rreq.BatchBytes = req.BatchBytes
		ctx, cancel := s.ctx()
		res, err := read(ctx, p, rreq, false)
		cancel()
		if err != nil {
			c.Errorf("resume from checkpoint %d: %v", i+1, err)
			continue
		}
		if res.err != nil {
			c.Errorf("resume from checkpoint %d (after %d rows): %s", i+1, cp.rows, errText(res.err))
			continue
		}
		got := append(slices.Clone(first.rows[:min(cp.rows, len(first.rows))]), res.rows...)
		if d := diffRows(first.rows, got, cols, 5); d != nil {
			c.Errorf("resume from checkpoint %d (after %d rows, state %s): rows before it plus resumed rows are not the stream:\n%s",
				i+1, cp.rows, truncate(string(cp.state), 120), strings.Join(d, "\n"))
		}
	}
	c.notef("resumed from %d of %d checkpoints", len(cps), len(first.checkpoints))
}

// incrementalRequest is the Read request of an incremental read of st
// with inc, from scratch.
func (s *session) incrementalRequest(st StreamFixture, inc *IncrementalFixture) (*connectorv1.ReadRequest, error) {
	opts, err := mergeOptions(st.Options, inc.Options)
	if err != nil {
		return nil, fmt.Errorf("fixture options of %s: %w", streamKey(st), err)
	}
	req := s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL, opts)
	req.BatchBytes = inc.BatchBytes
	if req.BatchBytes == 0 {
		req.BatchBytes = 4096
	}
	return req, nil
}

// withoutNullCursor drops the rows whose cursor is NULL when the
// fixture's NULL policy excludes them from incremental reads.
func withoutNullCursor(rows []row, inc *IncrementalFixture) []row {
	if !inc.SkipNullCursor || inc.Cursor == "" {
		return rows
	}
	var out []row
	for _, r := range rows {
		if r[inc.Cursor] != nullValue {
			out = append(out, r)
		}
	}
	return out
}

// mergeOptions overlays the incremental options on the stream's read
// options (both JSON objects).
func mergeOptions(base, over json.RawMessage) (json.RawMessage, error) {
	if len(base) == 0 {
		return over, nil
	}
	if len(over) == 0 {
		return base, nil
	}
	var m, o map[string]json.RawMessage
	if err := json.Unmarshal(base, &m); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(over, &o); err != nil {
		return nil, err
	}
	for k, v := range o {
		m[k] = v
	}
	return json.Marshal(m)
}

// cursorNotes says whether the data exercises ties and NULL cursors.
func (s *session) cursorNotes(c *checkT, res readResult, cursor string) {
	if cursor == "" {
		c.notef("fixture names no cursor column: ties and NULL cursors not counted")
		return
	}
	counts := map[string]int{}
	nulls, ties := 0, 0
	for _, r := range res.rows {
		v, ok := r[cursor]
		if !ok {
			c.Errorf("cursor column %q is not in the read schema", cursor)
			return
		}
		if v == nullValue {
			nulls++
			continue
		}
		counts[v]++
	}
	for _, n := range counts {
		if n > 1 {
			ties += n
		}
	}
	c.notef("cursor %s: %d rows tie with another row, %d NULL cursors", cursor, ties, nulls)
	if ties == 0 {
		c.notef("no rows tie on the cursor: add some to the fixture data to exercise ties")
	}
}
