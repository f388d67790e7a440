package sdktest

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/logical"
)

// sourceChecks runs the source half of the suite.
func (s *session) sourceChecks(t T) {
	caps := s.spec.GetCapabilities()
	if !caps.GetSource() {
		s.check(t, "source", func(c *checkT) {
			c.Errorf("the connector does not advertise the source capability")
		})
		return
	}
	discovered := map[string]*connectorv1.Stream{}
	s.check(t, "discover", func(c *checkT) { s.discoverCheck(c, discovered) })
	if len(s.f.Streams) == 0 {
		s.check(t, "read", func(c *checkT) { c.Skipf("fixture lists no streams") })
	}
	for _, st := range s.f.Streams {
		name := streamKey(st)
		s.check(t, "read/"+name, func(c *checkT) { s.fullReadCheck(c, st) })
		s.check(t, "types/"+name, func(c *checkT) { s.sourceTypesCheck(c, st, discovered[name]) })
		s.check(t, "incremental/"+name, func(c *checkT) { s.incrementalCheck(c, st, st.Incremental) })
		for _, inc := range st.Strategies {
			s.check(t, "incremental/"+name+"/"+inc.strategy(), func(c *checkT) { s.incrementalCheck(c, st, &inc) })
		}
		s.check(t, "partitions/"+name, func(c *checkT) { s.partitionCheck(c, st) })
		s.check(t, "payload/"+name, func(c *checkT) { s.payloadCheck(c, st, discovered[name]) })
	}
	s.strategyChecks(t)
	s.check(t, "cancel", s.cancelCheck)
	s.check(t, "throughput/read", s.readThroughputCheck)
	// Mutations change the source: they run after every check that
	// compares reads with the fixture's data.
	for _, st := range s.f.Streams {
		s.check(t, "mutations/"+streamKey(st), func(c *checkT) { s.mutationCheck(c, st) })
	}
}

func streamKey(st StreamFixture) string {
	if st.Namespace != "" {
		return st.Namespace + "." + st.Name
	}
	return st.Name
}

func (s *session) discoverCheck(c *checkT, found map[string]*connectorv1.Stream) {
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	resp, err := p.Discover(ctx, &connectorv1.DiscoverRequest{ConfigJson: s.f.Config})
	if err != nil {
		c.Fatalf("Discover: %v", err)
	}
	if resp.GetError() != nil {
		c.Fatalf("Discover: %s", errText(resp.GetError()))
	}
	if len(resp.GetStreams()) == 0 {
		c.Errorf("Discover returned no streams")
	}
	for _, st := range resp.GetStreams() {
		key := st.GetName()
		if st.GetNamespace() != "" {
			key = st.GetNamespace() + "." + key
		}
		found[key] = st
		if st.GetName() == "" {
			c.Errorf("stream with an empty name")
		}
		sc, err := logical.ArrowSchema(st.GetSchema())
		if err != nil {
			c.Errorf("stream %s: schema: %v", key, err)
			continue
		}
		if sc.NumFields() == 0 {
			c.Errorf("stream %s has no columns", key)
		}
		seen := map[string]bool{}
		for _, f := range sc.Fields() {
			if seen[f.Name] {
				c.Errorf("stream %s: column %q appears twice", key, f.Name)
			}
			seen[f.Name] = true
		}
		for _, k := range st.GetPrimaryKey() {
			if !seen[k] {
				c.Errorf("stream %s: primary key column %q is not in the schema", key, k)
			}
		}
		for _, k := range st.GetCursorCandidates() {
			if !seen[k] {
				c.Errorf("stream %s: cursor candidate %q is not in the schema", key, k)
			}
		}
	}
	for _, st := range s.f.Streams {
		if !st.NotDiscoverable && found[streamKey(st)] == nil {
			c.Errorf("fixture stream %s not among the discovered streams (set not_discoverable if it is a glob or query)", streamKey(st))
		}
	}
	c.notef("%d streams discovered", len(resp.GetStreams()))
}

func (s *session) readRequest(st StreamFixture, mode connectorv1.SourceMode, opts []byte) *connectorv1.ReadRequest {
	return &connectorv1.ReadRequest{ConfigJson: s.f.Config, Namespace: st.Namespace, Stream: st.Name, Mode: mode, OptionsJson: opts}
}

// fullRead reads a stream fully once per session and caches the result.
func (s *session) fullRead(c *checkT, st StreamFixture) readResult {
	key := streamKey(st)
	s.mu.Lock()
	res, ok := s.full[key]
	s.mu.Unlock()
	if ok {
		return res
	}
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	res, err := read(ctx, p, s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options), false)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if res.err != nil {
		c.Fatalf("full read of %s: %s", key, errText(res.err))
	}
	s.mu.Lock()
	s.full[key] = res
	s.mu.Unlock()
	return res
}

func (s *session) fullReadCheck(c *checkT, st StreamFixture) {
	res := s.fullRead(c, st)
	for _, v := range res.violations {
		c.Errorf("protocol: %s", v)
	}
	cols := fieldNames(res.schema)
	sum := checksum(res.rows, cols)
	c.notef("%d rows in %d batches, %d checkpoints; checksum %s", res.count, res.batches, len(res.checkpoints), sum)
	if st.Rows != nil {
		want, err := fixtureRows(res.schema, st.Rows)
		if err != nil {
			c.Fatalf("fixture rows of %s: %v", streamKey(st), err)
		}
		if d := diffRows(want, res.rows, columnsOf(want), 10); d != nil {
			c.Errorf("full read of %s:\n%s", streamKey(st), strings.Join(d, "\n"))
		}
	}
	if st.RowCount != nil && res.count != *st.RowCount {
		c.Errorf("full read of %s: got %d rows, want %d", streamKey(st), res.count, *st.RowCount)
	}
	if st.Checksum != "" && sum != st.Checksum {
		c.Errorf("full read of %s: got checksum %s, want %s", streamKey(st), sum, st.Checksum)
	}
	if st.Rows == nil && st.RowCount == nil && st.Checksum == "" {
		c.notef("fixture gives no rows, row_count or checksum for %s: read measured only", streamKey(st))
	}
}

// sourceTypesCheck compares the logical types of the read schema with the
// fixture's claims, and the discovered schema with the read schema.
func (s *session) sourceTypesCheck(c *checkT, st StreamFixture, disc *connectorv1.Stream) {
	if len(st.Types) == 0 && disc == nil && !s.spec.GetCapabilities().GetDescribeStream() {
		c.skipOptional("fixture claims no types for %s and Discover does not list it", streamKey(st))
	}
	res := s.fullRead(c, st)
	got := map[string]string{}
	for _, f := range res.schema.Fields() {
		pf, err := logical.FieldFromArrow(f)
		if err != nil {
			c.Errorf("column %q: %v", f.Name, err)
			continue
		}
		got[f.Name] = logical.Name(pf.GetType())
	}
	for col, want := range st.Types {
		g, ok := got[col]
		switch {
		case !ok:
			c.Errorf("column %q: not in the read schema", col)
		case normType(g) != normType(want):
			c.Errorf("column %q: got logical type %s, want %s", col, g, want)
		}
	}
	if disc != nil && len(st.Options) > 0 {
		c.notef("Discover not compared with Read: the fixture reads %s with options, which Discover cannot see", streamKey(st))
	} else if disc != nil {
		ds, err := logical.ArrowSchema(disc.GetSchema())
		if err != nil {
			c.Errorf("discovered schema: %v", err)
			return
		}
		for _, f := range ds.Fields() {
			i := res.schema.FieldIndices(f.Name)
			if len(i) == 0 {
				c.Errorf("column %q is discovered but not read", f.Name)
				continue
			}
			rf := res.schema.Field(i[0])
			if !arrow.TypeEqual(f.Type, rf.Type) {
				c.Errorf("column %q: discovered as %s, read as %s", f.Name, f.Type, rf.Type)
			}
		}
	}
	if s.spec.GetCapabilities().GetDescribeStream() {
		ctx, cancel := s.ctx()
		defer cancel()
		resp, err := s.client(c).DescribeStream(ctx, s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options))
		switch {
		case err != nil:
			c.Errorf("DescribeStream: %v", err)
		case resp.GetError() != nil:
			c.Errorf("DescribeStream: %s", errText(resp.GetError()))
		default:
			ds, err := logical.ArrowSchema(resp.GetStream().GetSchema())
			if err != nil {
				c.Errorf("DescribeStream schema: %v", err)
			} else if !sameFields(ds, res.schema) {
				c.Errorf("DescribeStream says %s, Read produces %s", ds, res.schema)
			}
		}
	}
	if len(st.Types) > 0 {
		c.notef("%d claimed types verified; values checked by read/%s", len(st.Types), streamKey(st))
	}
}

func normType(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// partitionCheck reads every partition: together they are the stream.
func (s *session) partitionCheck(c *checkT, st StreamFixture) {
	if !s.spec.GetCapabilities().GetParallelPartitions() {
		c.notApplicable("the connector does not advertise parallel partitions")
	}
	n := st.Partitions
	if n <= 0 {
		n = 3
	}
	full := s.fullRead(c, st)
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	resp, err := p.Partition(ctx, &connectorv1.PartitionRequest{ConfigJson: s.f.Config, Namespace: st.Namespace, Stream: st.Name,
		Count: int32(n), OptionsJson: st.Options})
	if err != nil {
		c.Fatalf("Partition: %v", err)
	}
	if resp.GetError() != nil {
		c.Fatalf("Partition: %s", errText(resp.GetError()))
	}
	parts := resp.GetPartitions()
	if len(parts) == 0 {
		c.Fatalf("Partition(%d) returned no partitions", n)
	}
	var all []row
	for i, part := range parts {
		req := s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options)
		req.Partition = part
		res, err := read(ctx, p, req, false)
		if err != nil {
			c.Errorf("partition %d: %v", i, err)
			continue
		}
		if res.err != nil {
			c.Errorf("partition %d: %s", i, errText(res.err))
			continue
		}
		all = append(all, res.rows...)
	}
	if d := diffRows(full.rows, all, fieldNames(full.schema), 10); d != nil {
		c.Errorf("%d partitions together are not the stream (missing = not covered, unexpected = covered twice):\n%s", len(parts), strings.Join(d, "\n"))
	}
	c.notef("asked for %d partitions, got %d", n, len(parts))
}

// floorStream is the stream timed by throughput and used for cancellation.
func (s *session) floorStream() (StreamFixture, bool) {
	if len(s.f.Streams) == 0 {
		return StreamFixture{}, false
	}
	best := s.f.Streams[0]
	size := func(st StreamFixture) int64 {
		if st.RowCount != nil {
			return *st.RowCount
		}
		return int64(len(st.Rows))
	}
	for _, st := range s.f.Streams {
		if s.f.Floors.Stream != "" && (st.Name == s.f.Floors.Stream || streamKey(st) == s.f.Floors.Stream) {
			return st, true
		}
		if size(st) > size(best) {
			best = st
		}
	}
	return best, true
}

func (s *session) readThroughputCheck(c *checkT) {
	st, ok := s.floorStream()
	if !ok {
		c.Skipf("fixture lists no streams")
	}
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	res, err := read(ctx, p, s.readRequest(st, connectorv1.SourceMode_SOURCE_MODE_FULL, st.Options), true)
	if err != nil {
		c.Fatalf("%v", err)
	}
	if res.err != nil {
		c.Fatalf("read %s: %s", streamKey(st), errText(res.err))
	}
	secs := res.elapsed.Seconds()
	rps := float64(res.count) / max(secs, 1e-9)
	s.rep.metric("read_rows", float64(res.count))
	s.rep.metric("read_rows_per_sec", rps)
	s.rep.metric("read_mib_per_sec", float64(res.bytes)/(1<<20)/max(secs, 1e-9))
	c.notef("read %d rows (%d bytes of Arrow IPC) from %s in %s: %.0f rows/s", res.count, res.bytes, streamKey(st), res.elapsed.Round(1e6), rps)
	if res.count < 10000 {
		c.notef("only %d rows: too few for a meaningful rate (give a larger stream in floors.stream)", res.count)
	}
	if min := s.f.Floors.MinReadRowsPerSec; min > 0 && rps < min {
		c.Errorf("read throughput %.0f rows/s is below the fixture floor %.0f rows/s", rps, min)
	}
}
