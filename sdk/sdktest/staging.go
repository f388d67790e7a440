package sdktest

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"google.golang.org/protobuf/proto"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// StagingFixture is an object-storage staging area (sink.staging) the
// suite loads through: for a destination that lists its Type in
// staging_types (the suite makes a "local" area itself). Go fixtures
// only: the suite lists and changes the area's files through Files and
// Corrupt.
type StagingFixture struct {
	// Type, Bucket, Prefix, Endpoint and Region are the sink.staging
	// block; Credentials the staging connection's fields (s3:
	// access_key_id, secret_access_key), sent as the host sends them.
	Type        string
	Bucket      string
	Prefix      string
	Endpoint    string
	Region      string
	Credentials map[string]string
	// Files returns the names of the files of loadID
	// (<prefix>/<load id>/<name>), sorted; none is (nil, nil).
	Files func(ctx context.Context, loadID string) ([]string, error)
	// Corrupt changes the content of file name of loadID.
	Corrupt func(ctx context.Context, loadID, name string) error
}

// stagingChecks registers the staging checks: staging/local when the
// destination lists "local", staging/<type> for the fixture's area when
// it lists that type, and an explicit skip when it lists a type the
// suite cannot reach.
func (s *session) stagingChecks(t T) {
	types := s.spec.GetCapabilities().GetStagingTypes()
	if len(types) == 0 {
		return
	}
	if slices.Contains(types, "local") {
		s.check(t, "staging/local", func(c *checkT) { s.stagingCheck(c, localArea(c)) })
	}
	sf := s.loadFixture().Staging
	if sf != nil && sf.Type != "local" && slices.Contains(types, sf.Type) {
		s.check(t, "staging/"+sf.Type, func(c *checkT) { s.stagingCheck(c, fixtureArea(c, sf)) })
		return
	}
	if !slices.Contains(types, "local") {
		s.check(t, "staging", func(c *checkT) {
			c.skipOptional("the destination loads through staging types %v; give the fixture one of them (LoadFixture.Staging)", types)
		})
	}
}

// stagingArea is where a staging check's loads put their files.
type stagingArea struct {
	block   *connectorv1.Staging // without keep
	files   func(ctx context.Context, loadID string) ([]string, error)
	corrupt func(ctx context.Context, loadID, name string) error
	cleanup func()
}

// localArea is a temporary directory.
func localArea(c *checkT) stagingArea {
	dir, err := os.MkdirTemp("", "dpone-certify-staging-*")
	if err != nil {
		c.Fatalf("staging directory: %v", err)
	}
	return stagingArea{
		block: &connectorv1.Staging{Type: "local", Prefix: dir},
		files: func(_ context.Context, loadID string) ([]string, error) {
			var out []string
			filepath.WalkDir(filepath.Join(dir, loadID), func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					out = append(out, filepath.Base(path))
				}
				return nil
			})
			sort.Strings(out)
			return out, nil
		},
		corrupt: func(_ context.Context, loadID, name string) error {
			p := filepath.Join(dir, loadID, name)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0xff
			return os.WriteFile(p, data, 0o644)
		},
		cleanup: func() { os.RemoveAll(dir) },
	}
}

// fixtureArea is the fixture's object-storage area.
func fixtureArea(c *checkT, sf *StagingFixture) stagingArea {
	if sf.Files == nil || sf.Corrupt == nil {
		c.Fatalf("LoadFixture.Staging needs Files and Corrupt")
	}
	block := &connectorv1.Staging{Type: sf.Type, Bucket: sf.Bucket, Prefix: sf.Prefix, Endpoint: sf.Endpoint, Region: sf.Region}
	if len(sf.Credentials) > 0 {
		b, err := json.Marshal(sf.Credentials)
		if err != nil {
			c.Fatalf("staging credentials: %v", err)
		}
		block.CredentialsJson = b
	}
	return stagingArea{block: block, files: sf.Files, corrupt: sf.Corrupt, cleanup: func() {}}
}

// stagingCheck certifies a destination that lists the area's type in
// staging_types: loads through the staging area (sink.staging) land in
// the target and leave no file after the commit; keep leaves the parts
// and the checksum manifest; AbortLoad removes a load's files; a part
// changed after Write fails the commit and the target is untouched.
func (s *session) stagingCheck(c *checkT, area stagingArea) {
	defer area.cleanup()
	mode := s.firstMode()
	target := s.table("staging")
	ctx, cancel := s.ctx()
	defer cancel()
	p := s.client(c)
	staged := func(l *load, keep bool) *load {
		b := proto.Clone(area.block).(*connectorv1.Staging)
		b.Keep = keep
		l.begin.Staging = b
		return l
	}
	files := func(l *load) []string {
		f, err := area.files(ctx, l.id())
		if err != nil {
			c.Fatalf("list the files of load %s: %v", l.id(), err)
		}
		return f
	}

	a := staged(s.newLoad(c, "sa", target, loadSchema, mode), false)
	recA := buildLoad(rowsA())
	defer recA.Release()
	if err := a.run(ctx, p, []arrow.RecordBatch{recA}); err != nil {
		c.Fatalf("load through a %s staging area: %v", area.block.GetType(), err)
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
		c.Fatalf("Write through sink.staging left no files for load %s (got %v)", b.id(), f)
	}
	if err := area.corrupt(ctx, b.id(), f[1]); err != nil {
		c.Fatalf("change %s of load %s: %v", f[1], b.id(), err)
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
