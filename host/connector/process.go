package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"
)

// process runs one plugin binary for go-plugin (runner.Runner). Owning the
// exec.Cmd instead of letting go-plugin own it gives the host what
// go-plugin does not expose: the exit status, the handshake line (to name
// the plugin's protocol version on a mismatch) and the plugin's last words
// on stderr.
type process struct {
	name string
	cmd  *exec.Cmd

	mu     sync.Mutex
	os     *os.Process // set by Start
	pid    int
	killed bool // Kill was called, maybe before Start

	stdout *firstLine
	stderr *lastWords

	done   chan struct{} // closed when the process was reaped
	status string        // exit status, valid after done
}

var _ runner.Runner = (*process)(nil)

// newProcess prepares path with the environment go-plugin prepared in
// proto (cookie, protocol versions, socket directory) plus extra.
func newProcess(name, path string, proto *exec.Cmd, extra []string) (*process, error) {
	cmd := exec.Command(path)
	cmd.Env = append(append([]string(nil), proto.Env...), extra...)
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	return &process{name: name, cmd: cmd, stdout: &firstLine{ReadCloser: out},
		stderr: &lastWords{ReadCloser: errPipe}, done: make(chan struct{})}, nil
}

func (p *process) Start(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killed {
		return errors.New("plugin start cancelled")
	}
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.os, p.pid = p.cmd.Process, p.cmd.Process.Pid
	return nil
}

// Wait reaps the process and records its exit status.
func (p *process) Wait(context.Context) error {
	err := p.cmd.Wait()
	if st := p.cmd.ProcessState; st != nil {
		p.status = st.String()
	} else if err != nil {
		p.status = err.Error()
	}
	close(p.done)
	return err
}

func (p *process) Kill(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killed = true
	if p.os == nil {
		return nil
	}
	if err := p.os.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

func (p *process) Diagnose(context.Context) string {
	return fmt.Sprintf("is %s a dpone connector built for this OS and architecture? its last words: %q",
		p.cmd.Path, p.stderr.words(true))
}

func (p *process) Stdout() io.ReadCloser { return p.stdout }
func (p *process) Stderr() io.ReadCloser { return p.stderr }

// Name is what go-plugin names the plugin's log lines with.
func (p *process) Name() string { return p.name }
func (p *process) ID() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprint(p.pid)
}

func (p *process) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (p *process) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

// exited reports whether the process was reaped, and its exit status.
func (p *process) exited() (bool, string) {
	select {
	case <-p.done:
		return true, p.status
	default:
		return false, ""
	}
}

// exitError describes the exit for a call in flight; call after done.
func (p *process) exitError(op string) *ExitError {
	_, status := p.exited()
	return &ExitError{Plugin: p.name, Op: op, Status: status, Stderr: p.stderr.words(op == "start")}
}

// firstLine records the first line read through it: go-plugin's handshake.
type firstLine struct {
	io.ReadCloser
	mu   sync.Mutex
	line []byte
	full bool
}

func (f *firstLine) Read(b []byte) (int, error) {
	n, err := f.ReadCloser.Read(b)
	f.mu.Lock()
	if !f.full && n > 0 {
		chunk := b[:n]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			chunk, f.full = chunk[:i], true
		}
		if len(f.line)+len(chunk) <= 4096 {
			f.line = append(f.line, chunk...)
		}
	}
	f.mu.Unlock()
	return n, err
}

// text returns the first line as printed (trimmed, at most 200 bytes).
func (f *firstLine) text() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := strings.TrimSpace(string(f.line))
	if len(t) > 200 {
		t = t[:200] + "..."
	}
	return t
}

// appVersion returns the application protocol version the plugin announced
// in its handshake line (CORE|APP|NETWORK|ADDR|PROTOCOL), if it sent one.
func (f *firstLine) appVersion() (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	parts := strings.Split(strings.TrimSpace(string(f.line)), "|")
	if len(parts) < 4 {
		return "", false
	}
	return parts[1], true
}

// lastWords remembers the first panic or fatal error a Go plugin printed
// on stderr (its message and where it happened: up to the first frame
// outside the runtime), else its last non-empty line.
type lastWords struct {
	io.ReadCloser
	mu      sync.Mutex
	partial []byte
	last    string
	panic   string
	// inPanic: lines after the panic line are being added, until the
	// first non-runtime frame's file:line or panicLines lines.
	inPanic   bool
	panicN    int
	userFrame bool
}

// panicLines bounds how many lines after "panic: " are kept.
const panicLines = 12

func (l *lastWords) Read(b []byte) (int, error) {
	n, err := l.ReadCloser.Read(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	data := b[:n]
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if len(l.partial) < 1024 {
				l.partial = append(l.partial, data[:min(len(data), 1024-len(l.partial))]...)
			}
			break
		}
		if len(l.partial) < 1024 {
			l.partial = append(l.partial, data[:min(i, 1024-len(l.partial))]...)
		}
		l.line(string(l.partial))
		l.partial = l.partial[:0]
		data = data[i+1:]
	}
	return n, err
}

func (l *lastWords) line(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return
	}
	l.last = s
	if l.inPanic {
		l.panicLine(s)
		return
	}
	if l.panic == "" && (strings.HasPrefix(s, "panic: ") || strings.HasPrefix(s, "fatal error: ")) {
		l.panic, l.inPanic = s, true
	}
}

// panicLine adds a line of a Go traceback to the panic: the goroutine
// header is skipped, runtime frames too, and the first other frame's
// function and file:line end it.
func (l *lastWords) panicLine(s string) {
	l.panicN++
	switch {
	case l.panicN > panicLines || strings.HasPrefix(s, "goroutine ") && l.panicN > 1:
		l.inPanic = false
	case strings.HasPrefix(s, "goroutine ") || strings.HasPrefix(s, "[signal "):
	case strings.HasPrefix(s, "runtime.") || strings.Contains(s, "/src/runtime/"):
	case strings.HasPrefix(s, "/") || strings.Contains(s, ".go:"):
		if l.userFrame {
			if i := strings.LastIndex(s, " +0x"); i > 0 {
				s = s[:i]
			}
			l.panic += " at " + s
			l.inPanic = false
		}
	default:
		if !l.userFrame {
			l.userFrame = true
			if i := strings.LastIndex(s, "("); i > 0 && strings.HasSuffix(s, ")") {
				s = s[:i] // the argument words
			}
			l.panic += " in " + s
		}
	}
}

// words returns the panic line, or when any is set and there was no
// panic, the last line.
func (l *lastWords) words(any bool) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.panic != "" || !any {
		return l.panic
	}
	if l.last == "" && len(l.partial) > 0 {
		return strings.TrimSpace(string(l.partial))
	}
	return l.last
}

// pluginLogLevel is the DPONE_PLUGIN_LOG_LEVEL a plugin gets: the host
// logger's level, unless the user set the variable.
func pluginLogLevel(l hclog.Logger) []string {
	if _, ok := os.LookupEnv("DPONE_PLUGIN_LOG_LEVEL"); ok || l == nil {
		return nil
	}
	lvl := l.GetLevel()
	if lvl == hclog.NoLevel {
		return nil
	}
	return []string{"DPONE_PLUGIN_LOG_LEVEL=" + lvl.String()}
}
