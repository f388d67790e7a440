package sdktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestSource certifies a source connector under go test: spec, check,
// discover, reads, incremental resume, partitions, cancellation, types and
// throughput, as named subtests of t. It returns the Report.
func TestSource(t *testing.T, f Fixture) *Report {
	t.Helper()
	return Run(Std(t), f, Options{Source: true})
}

// TestDestination certifies a destination connector under go test: spec,
// check, every declared load mode, abort, crash between Write and
// CommitLoad, a second CommitLoad, LoadStatus, types and throughput.
func TestDestination(t *testing.T, f Fixture) *Report {
	t.Helper()
	return Run(Std(t), f, Options{Destination: true})
}

// TestConnector certifies both halves a connector advertises (source,
// destination or both) under go test.
func TestConnector(t *testing.T, f Fixture) *Report {
	t.Helper()
	return Run(Std(t), f, Options{})
}

// Options choose which halves of the suite Run runs, and how strictly.
type Options struct {
	// Source and Destination select the checks; with neither, Run runs
	// the halves the connector advertises in GetSpec.
	Source, Destination bool
	// Context ends the run early (Ctrl-C, a closed output): the session
	// ends its plugin processes at once, calls in flight fail, and the
	// checks not yet run are reported as failed without running. Nil
	// means context.Background().
	Context context.Context
	// Strict fails every skipped check (dpone certify --strict; the
	// default in CI and make test). Without it only skips of core checks
	// fail; checks that do not apply (a capability the connector does not
	// claim) are reported as n/a either way. Fixture.Strict and the
	// environment variable DPONE_CERTIFY_STRICT=1 turn it on too.
	Strict bool
}

// NotApplicable is the status of a check that does not apply to the
// connector: it tests a capability the connector does not claim, or the
// fixture declares it not applicable (Fixture.NotApplicable). It never
// fails a run, strict or not.
const NotApplicable Status = "n/a"

// strictFromEnv reports whether DPONE_CERTIFY_STRICT asks for strict runs.
func strictFromEnv() bool {
	v := os.Getenv("DPONE_CERTIFY_STRICT")
	return v == "1" || strings.EqualFold(v, "true")
}

// Run certifies the connector of f against t, which may be a *testing.T
// (see Std) or a Runner. Every check is a subtest of t and a Check in the
// returned Report.
func Run(t T, f Fixture, o Options) *Report {
	t.Helper()
	rep := newReport()
	s := &session{f: f, rep: rep, full: map[string]readResult{}, base: o.Context, strict: o.Strict || f.Strict || strictFromEnv()}
	if s.base == nil {
		s.base = context.Background()
	}
	if err := f.validate(); err != nil {
		t.Errorf("%v", err)
		rep.add(Check{Name: "fixture", Status: Fail, Errors: []string{err.Error()}})
		return rep
	}
	loc, _ := time.LoadLocation(f.timeZone()) // validated above
	if f.Factory != nil {
		// In process the plugin shares Go's time.Local with the suite: set
		// it for the run (tests that certify in parallel in one process
		// see it too), and
		// TZ too, for libraries that read it themselves (an embedded
		// database's session time zone).
		prev := time.Local
		prevTZ, hadTZ := os.LookupEnv("TZ")
		time.Local = loc
		os.Setenv("TZ", loc.String())
		defer func() {
			time.Local = prev
			if hadTZ {
				os.Setenv("TZ", prevTZ)
			} else {
				os.Unsetenv("TZ")
			}
		}()
		s.tz = loc.String() + " (time.Local and TZ of the test process)"
		s.l = inProcess{factory: f.Factory}
		rep.Plugin.Mode = "in-process"
	} else {
		env := map[string]string{"TZ": loc.String()}
		for k, v := range f.Env {
			env[k] = v
		}
		s.tz = env["TZ"] + " (TZ of the plugin process)"
		s.l = outOfProcess{path: f.Binary, env: env, stderr: f.PluginLog}
		rep.Plugin.Mode = "out-of-process"
		rep.Plugin.Path = f.Binary
		if abs, err := filepath.Abs(f.Binary); err == nil {
			rep.Plugin.Path = abs
		}
		if sum, err := fileSHA256(f.Binary); err == nil {
			rep.Plugin.SHA256 = sum
		}
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	s.run = hex.EncodeToString(b[:])
	s.started = time.Now().UTC()
	defer s.stop()
	defer context.AfterFunc(s.base, s.stop)()

	s.specChecks(t)
	if s.spec == nil {
		return rep
	}
	caps := s.spec.GetCapabilities()
	if !o.Source && !o.Destination {
		o.Source, o.Destination = caps.GetSource(), caps.GetDestination()
	}
	if o.Source {
		s.sourceChecks(t)
	}
	if o.Destination {
		s.destinationChecks(t)
	}
	s.memoryCheck(t)
	return rep
}

// session is one certification run: the launcher, the running plugin and
// what earlier checks learned.
type session struct {
	f   Fixture
	l   launcher
	rep *Report
	run string
	// base ends with the run (Options.Context).
	base context.Context
	// started is the lineage load time of every load of this run.
	started time.Time
	spec    *connectorv1.GetSpecResponse
	// strict fails every skip, not only skips of core checks.
	strict bool
	// tz is the local time zone the plugin runs in, for the report.
	tz string

	mu     sync.Mutex
	cur    *proc
	reader *proc
	rss    float64
	loads  int
	full   map[string]readResult // full reads by stream key
}

// client returns the running plugin, starting one if needed.
func (s *session) client(c *checkT) *proc {
	c.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return s.cur
	}
	if err := s.base.Err(); err != nil {
		c.Fatalf("certification stopped: %v", err)
	}
	ctx, cancel := context.WithTimeout(s.base, s.f.callTimeout())
	defer cancel()
	p, err := s.l.start(ctx)
	if err != nil {
		c.Fatalf("start connector: %v", err)
	}
	s.cur = p
	return p
}

// sampleRSS records the running plugin's peak RSS before it goes away.
func (s *session) sampleRSS(p *proc) {
	if p == nil {
		return
	}
	if mb, ok := peakRSSMB(p.pid); ok && mb > s.rss {
		s.rss = mb
	}
}

// crash ends the running plugin abruptly (SIGKILL, or the in-process
// server stopped and the connector dropped); the next client call starts a
// new one.
func (s *session) crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		s.sampleRSS(s.cur)
		s.cur.crash()
		s.cur = nil
	}
}

// restart ends the running plugin gracefully, as a host does between two
// runs; the next client call starts a new one. Mutation steps run between
// restarts, so a system that one process holds exclusively (an embedded
// database file) can be changed from outside.
func (s *session) restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		s.sampleRSS(s.cur)
		s.cur.close()
		s.cur = nil
	}
}

func (s *session) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		s.sampleRSS(s.cur)
		s.cur.close()
		s.cur = nil
	}
	if s.reader != nil {
		s.reader.close()
		s.reader = nil
	}
}

// ctx is a context bounded by the fixture's call timeout.
func (s *session) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.base, s.f.callTimeout())
}

// loadID returns a fresh load id for this run.
func (s *session) loadID(what string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loads++
	return fmt.Sprintf("certify-%s-%s-%d", s.run, what, s.loads)
}

// checkT is the T of one check: it keeps what the check reported for the
// Report, and adds notes.
type checkT struct {
	T
	mu     sync.Mutex
	errs   []string
	notes  []string
	reason string
	na     bool
	// strict: any skip fails the check (Options.Strict).
	strict bool
}

func (c *checkT) Errorf(format string, args ...any) {
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
	c.T.Helper()
	c.T.Errorf(format, args...)
}

func (c *checkT) Fatalf(format string, args ...any) {
	c.mu.Lock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
	c.mu.Unlock()
	c.T.Helper()
	c.T.Fatalf(format, args...)
}

// Skipf ends a core check that could not run. A core check tests what
// every connector of its kind must do, or a capability the connector
// claims: skipping it fails the run, strict or not.
func (c *checkT) Skipf(format string, args ...any) {
	c.Fatalf("skipped, which fails a core check: %s", fmt.Sprintf(format, args...))
}

// skipOptional ends a check the fixture gives no input for, where the
// suite can still certify the rest (e.g. no bad_credentials config). It
// fails under strict.
func (c *checkT) skipOptional(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if c.strict {
		c.Fatalf("skipped, which fails under --strict: %s", msg)
	}
	c.mu.Lock()
	c.reason = msg
	c.mu.Unlock()
	c.T.Skipf("%s", msg)
}

// notApplicable ends a check that does not apply: it tests a capability
// the connector does not claim. It never fails.
func (c *checkT) notApplicable(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	c.reason, c.na = msg, true
	c.mu.Unlock()
	c.T.Skipf("not applicable: %s", msg)
}

// notef records a fact worth reading in the report (not a failure).
func (c *checkT) notef(format string, args ...any) {
	c.T.Helper()
	c.mu.Lock()
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
	c.mu.Unlock()
	c.T.Logf(format, args...)
}

// check runs fn as the subtest name and records its outcome.
func (s *session) check(t T, name string, fn func(c *checkT)) {
	t.Helper()
	if err := s.base.Err(); err != nil {
		s.rep.add(Check{Name: name, Status: Fail, Errors: []string{"not run: certification stopped: " + err.Error()}})
		return
	}
	t.Run(name, func(tt T) {
		c := &checkT{T: tt, strict: s.strict}
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				c.Errorf("panic: %v", p)
			}
			st := Pass
			switch {
			case len(c.errs) > 0:
				st = Fail
			case c.na:
				st = NotApplicable
			case c.reason != "":
				st = Skip
			}
			s.rep.add(Check{Name: name, Status: st, Reason: c.reason, Errors: c.errs, Notes: c.notes,
				Duration: time.Since(start).Round(time.Millisecond).String()})
		}()
		if why, ok := s.f.NotApplicable[name]; ok {
			c.notApplicable("the fixture says so: %s", why)
		}
		fn(c)
	})
}
