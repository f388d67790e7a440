package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// receiptOf is the committed receipt of a load, nil without one.
func receiptOf(t *testing.T, loadID string) *receipt {
	t.Helper()
	cfg, a := testAdmin(t)
	rc, err := readReceipts(context.Background(), cfg, a)
	if err != nil {
		t.Fatal(err)
	}
	return rc.byLoad[loadID]
}

// expectPublish checks that a load's receipt says it was published
// want (during_write or at_commit).
func expectPublish(t *testing.T, loadID, want string) {
	t.Helper()
	if r := receiptOf(t, loadID); r == nil || r.Publish != want {
		t.Errorf("receipt: got %+v, want publish %s", r, want)
	}
}

// expectOnce checks that a read_committed read of topic sees exactly
// the ids want, each once.
func expectOnce(t *testing.T, topic string, want ...int64) {
	t.Helper()
	out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	set := map[int64]bool{}
	for _, id := range want {
		set[id] = true
	}
	if got := ids(out); len(out.rows) != len(want) || !cmp.Equal(got, set) {
		t.Errorf("read_committed sees %d rows, ids %v; want %v once each", len(out.rows), got, want)
	}
}

// begin begins a load in c.
func begin(t *testing.T, c *Connector, req sdk.LoadRequest) {
	t.Helper()
	if _, err := c.BeginLoad(context.Background(), req); err != nil {
		t.Fatal(err)
	}
}

// write writes ids into a load through c.
func write(t *testing.T, c *Connector, req sdk.LoadRequest, ids ...int64) {
	t.Helper()
	rec := sinkRecord(ids...)
	defer rec.Release()
	if _, err := c.Write(context.Background(), req, &records{rec: rec}); err != nil {
		t.Fatal(err)
	}
}

// commit commits a load through c and returns the rows it reported.
func commit(t *testing.T, c *Connector, req sdk.LoadRequest) int64 {
	t.Helper()
	res, err := c.CommitLoad(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.RowsInserted
}

// TestPublishDuringWrite: a load begun, written and committed by one
// process publishes during Write. Until the commit a read_committed
// consumer sees nothing of it; after, every message once, with its key
// and headers; the receipt says how it was published. publish: at_commit
// publishes from staging in CommitLoad, as does auto for snapshot_diff,
// and during_write refuses snapshot_diff.
func TestPublishDuringWrite(t *testing.T) {
	for _, tt := range []struct {
		opts, mode, want string
	}{
		{`{}`, sdk.ModeAppend, publishDuringWrite},
		{`{"publish":"during_write"}`, sdk.ModeFullRefresh, publishDuringWrite},
		{`{"publish":"at_commit"}`, sdk.ModeAppend, publishAtCommit},
		{`{}`, sdk.ModeSnapshotDiff, publishAtCommit},
	} {
		t.Run(tt.mode+tt.opts, func(t *testing.T) {
			topic := testTopic("direct")
			req := sinkLoad(t, topic, "load-direct-"+topic, tt.mode, []string{"id"}, tt.opts)
			c := New().(*Connector)
			defer c.Close()
			begin(t, c, req)
			write(t, c, req, 1, 2)
			write(t, c, req, 3)
			if tt.want == publishDuringWrite {
				expectOnce(t, topic) // written, not committed: nothing
			}
			if n := commit(t, c, req); n != 3 {
				t.Errorf("rows inserted: got %d, want 3", n)
			}
			expectOnce(t, topic, 1, 2, 3)
			r := receiptOf(t, req.LoadID)
			if r == nil || r.Publish != tt.want || r.Rows != 3 {
				t.Fatalf("receipt: got %+v, want publish %s and 3 rows", r, tt.want)
			}
			out, err := readTopic(t, topic, `{"format":"string"}`, sdk.ReadFull, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range out.rows {
				var h map[string]string
				_ = json.Unmarshal([]byte(row[colHeaders].(string)), &h)
				if h[headerLoadID] != req.LoadID || h[headerRunID] != "run-1" {
					t.Errorf("headers: got %v, want load id and run id", h)
				}
				if k, _ := row[colKey].(string); k == "" || !strings.Contains(row[colValue].(string), `"id":`+k) {
					t.Errorf("key %q does not match value %s", k, row[colValue])
				}
			}
			if _, err := c.CommitLoad(context.Background(), req, nil); err != nil {
				t.Errorf("second CommitLoad: %v", err)
			}
			expectOnce(t, topic, 1, 2, 3)
		})
	}
	req := sinkLoad(t, testTopic("direct_diff"), "load-direct-diff", sdk.ModeSnapshotDiff, []string{"id"}, `{"publish":"during_write"}`)
	if _, err := New().(*Connector).BeginLoad(context.Background(), req); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "snapshot_diff") {
		t.Errorf("publish during_write with snapshot_diff: got %v, want a CONFIG error naming snapshot_diff", err)
	}
	req = sinkLoad(t, testTopic("direct_short"), "load-direct-short", sdk.ModeAppend, nil, `{"transaction_timeout":"5s"}`)
	if _, err := New().(*Connector).BeginLoad(context.Background(), req); sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), "connection's timeout (20s)") {
		t.Errorf("transaction_timeout under the connection's timeout: got %v, want a CONFIG error naming it", err)
	}
}

// TestPublishDuringConcurrentWrites: Writes running at once (a source
// read in partitions) publish into the one transaction of their process;
// its commit holds every row once.
func TestPublishDuringConcurrentWrites(t *testing.T) {
	topic := testTopic("direct_concurrent")
	req := sinkLoad(t, topic, "load-dcw-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
	c := New().(*Connector)
	defer c.Close()
	begin(t, c, req)
	const writers, per = 4, 3000
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			ids := make([]int64, per)
			for i := range ids {
				ids[i] = int64(w*per + i)
			}
			rec := sinkRecord(ids...)
			defer rec.Release()
			_, err := c.Write(context.Background(), req, &records{rec: rec})
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := commit(t, c, req); n != writers*per {
		t.Errorf("rows inserted: got %d, want %d", n, writers*per)
	}
	want := make([]int64, writers*per)
	for i := range want {
		want[i] = int64(i)
	}
	expectOnce(t, topic, want...)
	expectPublish(t, req.LoadID, publishDuringWrite)
}

// slowRecords yields one record, then waits before the end.
type slowRecords struct {
	records
	wait time.Duration
}

func (r *slowRecords) Next() (arrow.RecordBatch, error) {
	if r.done {
		time.Sleep(r.wait)
		return nil, io.EOF
	}
	return r.records.Next()
}

// failingRecords yields one record, then fails.
type failingRecords struct{ records }

func (r *failingRecords) Next() (arrow.RecordBatch, error) {
	if r.done {
		return nil, errors.New("source went away")
	}
	return r.records.Next()
}

// TestPublishFallsBack: whenever the transaction a load published into
// during Write cannot be the load, CommitLoad publishes from staging, and
// a read_committed consumer sees every row once: written in another
// process than the one committing (the writer's transaction aborted by
// the committer), written partly elsewhere, a Write that failed, a load
// that outlasted its share of transaction_timeout, a target refusing the
// messages during Write.
func TestPublishFallsBack(t *testing.T) {
	ctx := context.Background()
	t.Run("committed elsewhere", func(t *testing.T) {
		topic := testTopic("direct_elsewhere")
		req := sinkLoad(t, topic, "load-de-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
		writer := New().(*Connector) // its process dies: never closed
		begin(t, writer, req)
		write(t, writer, req, 1, 2, 3)
		c := New().(*Connector)
		defer c.Close()
		if n := commit(t, c, req); n != 3 {
			t.Errorf("rows inserted: got %d, want 3", n)
		}
		expectOnce(t, topic, 1, 2, 3)
		expectPublish(t, req.LoadID, publishAtCommit)
		// The dead writer's transaction was aborted, not committed.
		if _, err := writer.CommitLoad(ctx, req, nil); err != nil {
			t.Errorf("the old writer's CommitLoad of a committed load: %v", err)
		}
		expectOnce(t, topic, 1, 2, 3)
	})
	t.Run("written partly elsewhere", func(t *testing.T) {
		topic := testTopic("direct_partly")
		req := sinkLoad(t, topic, "load-dp-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
		c := New().(*Connector)
		defer c.Close()
		begin(t, c, req)
		write(t, c, req, 1, 2)
		other := New().(*Connector)
		write(t, other, req, 3, 4)
		other.Close()
		commit(t, c, req)
		expectOnce(t, topic, 1, 2, 3, 4)
		expectPublish(t, req.LoadID, publishAtCommit)
	})
	t.Run("a Write failed", func(t *testing.T) {
		topic := testTopic("direct_failed")
		req := sinkLoad(t, topic, "load-df-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
		c := New().(*Connector)
		defer c.Close()
		begin(t, c, req)
		write(t, c, req, 1, 2)
		rec := sinkRecord(3, 4)
		defer rec.Release()
		if _, err := c.Write(ctx, req, &failingRecords{records{rec: rec}}); err == nil {
			t.Fatal("Write of a failing reader succeeded")
		}
		// The host aborts such a load; were it committed, it is staging's.
		commit(t, c, req)
		expectPublish(t, req.LoadID, publishAtCommit)
		out, err := readTopic(t, topic, `{}`, sdk.ReadFull, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(out); len(out.rows) != len(got) || !got[1] || !got[2] {
			t.Errorf("read_committed sees %d rows %v, want 1 and 2 (and what staging got of the failed Write) once", len(out.rows), got)
		}
	})
	t.Run("past the transaction's window", func(t *testing.T) {
		topic := testTopic("direct_slow")
		req := withTimeout(t, sinkLoad(t, topic, "load-ds-"+topic, sdk.ModeAppend, []string{"id"}, `{"transaction_timeout":"3s"}`), "2s")
		c := New().(*Connector)
		defer c.Close()
		begin(t, c, req)
		rec := sinkRecord(1, 2)
		defer rec.Release()
		if _, err := c.Write(ctx, req, &slowRecords{records{rec: rec}, 2500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		commit(t, c, req)
		expectOnce(t, topic, 1, 2)
		expectPublish(t, req.LoadID, publishAtCommit)
	})
	t.Run("fenced", func(t *testing.T) {
		topic := testTopic("direct_fenced")
		req := sinkLoad(t, topic, "load-dfe-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
		c := New().(*Connector)
		defer c.Close()
		begin(t, c, req)
		write(t, c, req, 1, 2, 3)
		// Another producer of the unit's transactional id (a recovering
		// run) fences the writer's and aborts its transaction.
		l, err := c.prepare(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.fenceTransactions(ctx); err != nil {
			t.Fatal(err)
		}
		if n := commit(t, c, req); n != 3 {
			t.Errorf("rows inserted: got %d, want 3", n)
		}
		expectOnce(t, topic, 1, 2, 3)
		expectPublish(t, req.LoadID, publishAtCommit)
	})
	t.Run("aborted", func(t *testing.T) {
		topic := testTopic("direct_abort")
		req := sinkLoad(t, topic, "load-da-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
		c := New().(*Connector)
		defer c.Close()
		begin(t, c, req)
		write(t, c, req, 1, 2)
		if err := c.AbortLoad(ctx, req); err != nil {
			t.Fatal(err)
		}
		if d := c.direct.get(req.LoadID); d != nil {
			t.Error("AbortLoad left the load's transaction to the process")
		}
		expectOnce(t, topic)
		if st, err := c.LoadStatus(ctx, req); err != nil || st != sdk.LoadUnknown {
			t.Errorf("LoadStatus after AbortLoad: got %v (%v), want unknown", st, err)
		}
	})
}

// TestPublishDuringWriteRefused: a target that refuses every message
// (max.message.bytes) fails the commit with DATA whether the refusal came
// during Write or in CommitLoad, and nothing is visible.
func TestPublishDuringWriteRefused(t *testing.T) {
	ctx := context.Background()
	topic := testTopic("direct_refused")
	req := sinkLoad(t, topic, "load-dr-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
	_, a := preparedAdmin(t, req)
	if err := a.createTopicWith(ctx, topic, 3, map[string]string{"max.message.bytes": "64"}); err != nil {
		t.Fatal(err)
	}
	c := New().(*Connector)
	defer c.Close()
	begin(t, c, req)
	write(t, c, req, 1, 2, 3)
	if _, err := c.CommitLoad(ctx, req, nil); sdk.CodeOf(err) != sdk.CodeData {
		t.Fatalf("CommitLoad into a topic refusing every message: got %v, want DATA", err)
	}
	expectOnce(t, topic)
}
