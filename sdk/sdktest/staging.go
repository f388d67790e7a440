package sdktest

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// stagingCheck certifies a destination that lists "local" in
// staging_types: loads through a local staging area (sink.staging) land
// in the target and leave no file after the commit; keep leaves the
// parts and the checksum manifest; AbortLoad removes a load's files; a
// part changed after Write fails the commit and the target is untouched.
func (s *session) stagingCheck(c *checkT) {
	dir, err := os.MkdirTemp("", "dpone-certify-staging-*")
	if err != nil {
		c.Fatalf("staging directory: %v", err)
	}
	defer os.RemoveAll(dir)
	mode := s.firstMode()
	target := s.table("staging")
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.client(c)
	staged := func(l *load, keep bool) *load {
		l.begin.Staging = &connectorv1.Staging{Type: "local", Prefix: dir, Keep: keep}
		return l
	}
	files := func(l *load) []string {
		var out []string
		filepath.WalkDir(filepath.Join(dir, l.id()), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, filepath.Base(path))
			}
			return nil
		})
		sort.Strings(out)
		return out
	}

	a := staged(s.newLoad(c, "sa", target, loadSchema, mode), false)
	recA := buildLoad(rowsA())
	defer recA.Release()
	if err := a.run(ctx, p, []arrow.RecordBatch{recA}); err != nil {
		c.Fatalf("load through a local staging area: %v", err)
	}
	s.expectTarget(c, target, rowsA(), "after a load through sink.staging")
	if f := files(a); len(f) != 0 {
		c.Errorf("files left in the staging area after the commit (keep: false): %v", f)
	}

	k := staged(s.newLoad(c, "sk", s.table("staging_keep"), loadSchema, mode), true)
	if err := k.run(ctx, p, []arrow.RecordBatch{recA}); err != nil {
		c.Fatalf("load through a staging area with keep: %v", err)
	}
	if f := files(k); len(f) < 2 || f[0] != "_manifest.json" || !strings.HasPrefix(f[1], "part-") {
		c.Errorf("keep: true: got files %v, want _manifest.json and part files", f)
	}

	b := staged(s.newLoad(c, "sb", target, loadSchema, mode), false)
	recB := buildLoad(rowsB())
	defer recB.Release()
	if err := b.beginLoad(ctx, p); err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := b.write(ctx, p, []arrow.RecordBatch{recB}); err != nil {
		c.Fatalf("%v", err)
	}
	f := files(b)
	if len(f) < 2 {
		c.Fatalf("Write through sink.staging left no files in %s (got %v)", filepath.Join(dir, b.id()), f)
	}
	part := filepath.Join(dir, b.id(), f[1])
	data, err := os.ReadFile(part)
	if err != nil {
		c.Fatalf("%v", err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(part, data, 0o644); err != nil {
		c.Fatalf("%v", err)
	}
	if _, err := b.commit(ctx, p); err == nil {
		c.Errorf("CommitLoad of a load whose part %s changed after Write succeeded; it must fail (DATA) before loading", f[1])
	} else if !strings.Contains(err.Error(), f[1]) {
		c.Errorf("CommitLoad of a changed part: got %v, want the error to name %s", err, f[1])
	}
	s.expectTarget(c, target, rowsA(), "after a refused commit of a changed part")
	if err := b.abort(ctx, p); err != nil {
		c.Errorf("%v", err)
	}
	if f := files(b); len(f) != 0 {
		c.Errorf("AbortLoad left the load's files: %v", f)
	}
}
