package sdktest

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// mutationCheck reads st incrementally from scratch with every strategy
// the fixture gives, then runs the fixture's mutation steps one by one:
// after each, an incremental read from the previous read's last
// checkpoint must return exactly the rows the step inserted or updated
// (compared by checksum, differences listed). A last read with no change
// must return nothing. This catches checkpoints that count rows instead of
// naming a position, updates onto the checkpoint's cursor value with a
// smaller key, and rows with NULL cursors that vanish. The plugin is
// restarted before each step, as a host starts a new one for each run.
func (s *session) mutationCheck(c *checkT, st StreamFixture) {
	caps := s.spec.GetCapabilities()
	if !slices.Contains(caps.GetSourceModes(), connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL) {
		c.notApplicable("the connector advertises no incremental strategy")
	}
	incs := st.incrementals()
	if len(incs) == 0 {
		c.skipOptional("fixture has no incremental settings for %s", streamKey(st))
	}
	if len(st.Mutations) == 0 {
		c.Skipf("fixture gives no mutations for %s: without changes between reads, checkpoints that count rows and updates onto the checkpoint's cursor value go unnoticed; add streams[].mutations (exec steps that insert, update and delete)", streamKey(st))
	}
	before := s.mutationFullRead(c, st, "before the first step")
	cols := fieldNames(before.schema)

	type reader struct {
		name  string
		inc   *IncrementalFixture
		req   *connectorv1.ReadRequest
		state []byte
	}
	var readers []*reader
	for _, inc := range incs {
		req, err := s.incrementalRequest(st, inc)
		if err != nil {
			c.Fatalf("%v", err)
		}
		name := inc.strategy()
		if name == "" {
			name = "incremental"
		}
		r := &reader{name: name, inc: inc, req: req}
		res := s.mutationRead(c, r.name+": read from scratch", req, nil)
		if d := diffRows(withoutNullCursor(before.rows, inc), res.rows, cols, 10); d != nil {
			c.Errorf("%s: the incremental read from scratch is not the full read:\n%s", r.name, strings.Join(d, "\n"))
		}
		r.state = lastState(c, r.name+": read from scratch", res)
		readers = append(readers, r)
	}

	for i, m := range st.Mutations {
		step := m.label(i)
		s.restart() // as between two runs; frees an embedded database
		if err := s.mutate(m); err != nil {
			c.Fatalf("%s: %v", step, err)
		}
		after := s.mutationFullRead(c, st, "after "+step)
		for _, r := range readers {
			want, how, err := mutationWant(m, before, after, r.inc)
			if err != nil {
				c.Fatalf("%s: %v", step, err)
			}
			what := fmt.Sprintf("%s: read after %s", r.name, step)
			res := s.mutationRead(c, what, r.req, r.state)
			s.compareMutation(c, what, want, res, cols, how, m)
			r.state = lastState(c, what, res)
		}
		before = after
	}
	for _, r := range readers {
		what := r.name + ": read after the last step with nothing changed"
		if r.inc.rereads() {
			c.notef("%s: not checked, the options ask for a lookback (rows are read again by design)", what)
			continue
		}
		res := s.mutationRead(c, what, r.req, r.state)
		if d := diffRows(nil, res.rows, cols, 10); d != nil {
			c.Errorf("%s: want no rows (each change is read once):\n%s", what, strings.Join(d, "\n"))
		}
	}
	s.mu.Lock()
	s.full[streamKey(st)] = before // later reads see the mutated stream
	s.mu.Unlock()
}

// mutate runs one mutation step.
func (s *session) mutate(m MutationFixture) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if m.Do != nil {
		return m.Do(ctx)
	}
	out, err := exec.CommandContext(ctx, m.Exec[0], m.Exec[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("exec %s: %w: %s", strings.Join(m.Exec, " "), err, truncate(strings.TrimSpace(string(out)), 400))
	}
	return nil
}

// mutationFullRead reads st fully, uncached.
func (s *session) mutationFullRead(c *checkT, st StreamFixture, when string) readResult {
	ctx, cancel := s.ctx()
	defer cancel()
	res, err := read(ctx, s.client(c), s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options), false)
	if err != nil {
		c.Fatalf("full read %s: %v", when, err)
	}
	if res.err != nil {
		c.Fatalf("full read %s: %s", when, errText(res.err))
	}
	return res
}

// mutationRead runs one incremental read from state (nil: from scratch).
func (s *session) mutationRead(c *checkT, what string, req *connectorv1.ReadRequest, state []byte) readResult {
	ctx, cancel := s.ctx()
	defer cancel()
	r := proto.Clone(req).(*connectorv1.ReadRequest)
	r.PriorState = state
	res, err := read(ctx, s.client(c), r, false)
	if err != nil {
		c.Fatalf("%s: %v", what, err)
	}
	if res.err != nil {
		c.Fatalf("%s: %s", what, errText(res.err))
	}
	for _, v := range res.violations {
		c.Errorf("%s: protocol: %s", what, v)
	}
	return res
}

// lastState is the state after the read's last checkpoint.
func lastState(c *checkT, what string, res readResult) []byte {
	if len(res.checkpoints) == 0 {
		c.Fatalf("%s emitted no checkpoint: the host could never advance its state", what)
	}
	last := res.checkpoints[len(res.checkpoints)-1]
	if last.rows != len(res.rows) {
		c.Errorf("%s: the last checkpoint comes after %d of %d rows: rows after it would be read again", what, last.rows, len(res.rows))
	}
	return last.state
}

// mutationWant is what the read after step m must return: the fixture's
// rows when it gives them, else the rows of after that are not in before
// (inserted or updated), minus NULL cursors when the policy excludes them.
func mutationWant(m MutationFixture, before, after readResult, inc *IncrementalFixture) ([]row, string, error) {
	if m.Rows != nil {
		want, err := fixtureRows(after.schema, m.Rows)
		return want, "as the fixture says", err
	}
	if m.RowCount != nil || m.Checksum != "" {
		return nil, "as the fixture says", nil
	}
	cols := fieldNames(after.schema)
	seen := map[string]int{}
	for _, r := range before.rows {
		seen[r.key(cols)]++
	}
	var changed []row
	for _, r := range after.rows {
		k := r.key(cols)
		if seen[k] > 0 {
			seen[k]--
			continue
		}
		changed = append(changed, r)
	}
	return withoutNullCursor(changed, inc), "the rows the step inserted or updated", nil
}

// compareMutation compares one read after a step with what it must be.
func (s *session) compareMutation(c *checkT, what string, want []row, res readResult, cols []string, how string, m MutationFixture) {
	got := checksum(res.rows, cols)
	if m.RowCount != nil && int64(len(res.rows)) != *m.RowCount {
		c.Errorf("%s: got %d rows, want %d", what, len(res.rows), *m.RowCount)
	}
	if m.Checksum != "" && got != m.Checksum {
		c.Errorf("%s: got checksum %s, want %s", what, got, m.Checksum)
	}
	if m.Rows == nil && (m.RowCount != nil || m.Checksum != "") {
		c.notef("%s: %d rows, checksum %s", what, len(res.rows), got)
		return
	}
	wcols := cols
	if m.Rows != nil {
		wcols = columnsOf(want)
	}
	if wantSum := checksum(want, wcols); checksum(res.rows, wcols) != wantSum {
		d := diffRows(want, res.rows, wcols, 10)
		c.Errorf("%s: got checksum %s, want %s (%s):\n%s", what, checksum(res.rows, wcols), wantSum, how, strings.Join(d, "\n"))
		return
	}
	c.notef("%s: %d rows, checksum %s, as expected", what, len(res.rows), got)
}
