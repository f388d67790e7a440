package sdktest

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
)

// Runner implements T outside `go test` (dpone certify). Subtests run one
// at a time, each in its own goroutine so Fatalf and Skipf can end it.
// Messages are written to Out, indented by depth, when Verbose is set;
// failures are always written.
type Runner struct {
	name    string
	out     io.Writer
	verbose bool
	depth   int
	parent  *Runner

	mu      sync.Mutex
	failed  bool
	skipped bool
}

// NewRunner returns the top-level Runner named name, logging to out.
func NewRunner(name string, out io.Writer, verbose bool) *Runner {
	if out == nil {
		out = io.Discard
	}
	return &Runner{name: name, out: out, verbose: verbose}
}

// Helper does nothing; it exists to satisfy T.
func (r *Runner) Helper() {}

// Name is the slash-separated name of this (sub)test.
func (r *Runner) Name() string { return r.name }

// Failed reports whether this test or one of its subtests failed.
func (r *Runner) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Skipped reports whether this test was skipped.
func (r *Runner) Skipped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped
}

func (r *Runner) print(always bool, format string, args ...any) {
	if !always && !r.verbose {
		return
	}
	msg := fmt.Sprintf(format, args...)
	pad := strings.Repeat("    ", r.depth)
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n"+pad+"    ")
	fmt.Fprintf(r.out, "%s%s\n", pad, msg)
}

func (r *Runner) fail() {
	for p := r; p != nil; p = p.parent {
		p.mu.Lock()
		p.failed = true
		p.mu.Unlock()
	}
}

// Errorf records a failure and continues.
func (r *Runner) Errorf(format string, args ...any) {
	r.fail()
	r.print(true, "    "+format, args...)
}

// Fatalf records a failure and ends this test's goroutine.
func (r *Runner) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// Skipf marks this test skipped and ends its goroutine.
func (r *Runner) Skipf(format string, args ...any) {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
	r.print(false, "    "+format, args...)
	runtime.Goexit()
}

// Logf writes a message when verbose.
func (r *Runner) Logf(format string, args ...any) { r.print(false, "    "+format, args...) }

// Run runs f as the subtest name and reports whether it passed (a skipped
// test passed). A panic in f fails the subtest.
func (r *Runner) Run(name string, f func(t T)) bool {
	sub := &Runner{name: r.name + "/" + name, out: r.out, verbose: r.verbose, depth: r.depth + 1, parent: r}
	if r.name == "" {
		sub.name = name
	}
	sub.depth = r.depth + 1
	r.print(false, "=== RUN   %s", sub.name)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				sub.Errorf("panic: %v", p)
			}
		}()
		f(sub)
	}()
	<-done
	switch {
	case sub.Failed():
		r.print(true, "--- FAIL: %s", sub.name)
	case sub.Skipped():
		r.print(false, "--- SKIP: %s", sub.name)
	default:
		r.print(false, "--- PASS: %s", sub.name)
	}
	return !sub.Failed()
}
