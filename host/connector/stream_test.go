package connector

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// syncBuffer is a bytes.Buffer safe for the plugin's stderr copier.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestReadFull(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	rs, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "rows", OptionsJSON: []byte(`{"rows":2500}`)})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var kinds []string
	var ids []int64
	var last string
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, msg.Kind.String())
		switch msg.Kind {
		case catalog.MessageSchema:
			sc, err := v1convert.ArrowSchema(msg.Schema)
			if err != nil || sc.NumFields() != 2 {
				t.Fatalf("schema: got %v (%v), want 2 fields", sc, err)
			}
		case catalog.MessageBatch:
			rec, err := v1convert.DecodeBatch(msg.Batch.ArrowIPC)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, rec.Column(0).(*array.Int64).Int64Values()...)
			rec.Release()
		case catalog.MessageCheckpoint:
			last = string(msg.Checkpoint)
		}
	}
	want := []string{"schema", "batch", "checkpoint", "batch", "checkpoint", "batch", "checkpoint"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if len(ids) != 2500 || ids[0] != 0 || ids[2499] != 2499 {
		t.Errorf("ids: got %d rows, want 0..2499", len(ids))
	}
	if last != `{"v":1,"id":2499}` {
		t.Errorf("last checkpoint: got %s", last)
	}
	if _, err := rs.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after end: got %v, want io.EOF", err)
	}
}

// recvFirstBatch reads the schema and first batch of a block/panic stream.
func recvFirstBatch(t *testing.T, rs *ReadStream) {
	t.Helper()
	for {
		msg, err := rs.Recv()
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if msg.Kind == catalog.MessageBatch {
			return
		}
	}
}

func TestReadPluginKilled(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	rs, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "block"})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	recvFirstBatch(t, rs)
	if err := syscall.Kill(c.proc.os.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, err = rs.Recv() // must not hang: the test's own timeout is the bound
	var ee *ExitError
	if !errors.As(err, &ee) || !errors.Is(err, ErrPluginExited) {
		t.Fatalf("got %v, want an ExitError", err)
	}
	if got, want := err.Error(), "connector test exited (signal: killed) during Read"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if exited, status := c.Exited(); !exited || status != "signal: killed" {
		t.Errorf("Exited: got %v %q, want true \"signal: killed\"", exited, status)
	}
	if _, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "rows"}); !errors.Is(err, ErrPluginExited) {
		t.Errorf("Read after exit: got %v, want ErrPluginExited", err)
	}
}

func TestReadPluginPanics(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	rs, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "panic"})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for err == nil {
		_, err = rs.Recv()
	}
	want := "connector test exited (exit status 2) during Read: panic: testplugin: boom in main.(*server).Read at "
	if !errors.Is(err, ErrPluginExited) || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "testplugin/main.go:") {
		t.Errorf("got %q, want %q + the panic's file:line", err, want)
	}
}

func TestReadCancel(t *testing.T) {
	stderr := &syncBuffer{}
	c := launchTest(t, LaunchOptions{Stderr: stderr})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, err := c.Read(ctx, &catalog.ReadRequest{Stream: "block"})
	if err != nil {
		t.Fatal(err)
	}
	recvFirstBatch(t, rs)
	cancel()
	if _, err := rs.Recv(); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	// The plugin saw its context cancelled and returned from Read.
	for !strings.Contains(stderr.String(), "testplugin: read cancelled") {
		time.Sleep(10 * time.Millisecond)
	}
	// The process is still usable for other calls.
	if err := c.Check(context.Background(), nil); err != nil {
		t.Errorf("Check after cancelled Read: %v", err)
	}
	// ReadStream.Close stops a read the same way.
	rs, err = c.Read(context.Background(), &catalog.ReadRequest{Stream: "block"})
	if err != nil {
		t.Fatal(err)
	}
	recvFirstBatch(t, rs)
	rs.Close()
	for strings.Count(stderr.String(), "testplugin: read cancelled") < 2 {
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCheckPluginExits(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	err := c.Check(context.Background(), []byte(`{"exit":3}`))
	if got, want := err, "connector test exited (exit status 3) during Check"; got == nil || got.Error() != want {
		t.Errorf("got %v, want %q", got, want)
	}
}

func TestLoadRoundTrip(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	ctx := context.Background()
	staging, err := c.BeginLoad(ctx, &catalog.BeginLoad{LoadID: "l1"})
	if err != nil || staging != "_dpone_stg_l1" {
		t.Fatalf("BeginLoad: got %q, %v", staging, err)
	}
	// Feed the write from a real read: the bytes pass through untouched.
	rs, err := c.Read(ctx, &catalog.ReadRequest{Stream: "rows", OptionsJSON: []byte(`{"rows":2100}`)})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := c.Write(ctx, &catalog.BeginLoad{LoadID: "l1"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if msg.Kind == catalog.MessageBatch {
			if err := ws.Send(msg.Batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp, err := ws.CloseAndRecv()
	if err != nil || resp.Rows != 2100 {
		t.Fatalf("CloseAndRecv: got %v rows, %v; want 2100", resp.Rows, err)
	}
	if _, err := c.CommitLoad(ctx, &catalog.BeginLoad{LoadID: "l1"}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := c.LoadStatus(ctx, &catalog.BeginLoad{LoadID: "l1"})
	if err != nil || st != catalog.LoadStateCommitted {
		t.Errorf("LoadStatus: got %v, %v", st, err)
	}
	// An in-band failure of the write comes back as its sentinel.
	ws, err = c.Write(ctx, &catalog.BeginLoad{LoadID: "l2", ConfigJSON: []byte(`{"fail":"DATA"}`)})
	if err == nil {
		err = ws.Send(catalog.Batch{})
		if err == nil {
			_, err = ws.CloseAndRecv()
		}
	}
	if !errors.Is(err, ErrData) {
		t.Errorf("Write with failing sink: got %v, want ErrData", err)
	}
}

func TestConcurrentReads(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			rs, err := c.Read(context.Background(), &catalog.ReadRequest{Stream: "rows", OptionsJSON: []byte(`{"rows":5000}`)})
			if err != nil {
				errs <- err
				return
			}
			var rows int64
			for {
				msg, err := rs.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					errs <- err
					return
				}
				rows += msg.Batch.Rows
			}
			if rows != 5000 {
				errs <- errors.New("short read")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
