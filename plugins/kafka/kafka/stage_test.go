package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestBundleFrames: a bundle gives back every message as added, telling
// nil keys and values from empty ones; a truncated bundle is an error.
func TestBundleFrames(t *testing.T) {
	type kv struct{ K, V []byte }
	in := []kv{{nil, []byte(`{"a":1}`)}, {[]byte{}, []byte{}}, {[]byte("k"), nil}, {[]byte("key-2"), []byte("value-2")}}
	var b bundle
	for _, m := range in {
		b.add(m.K, m.V)
	}
	var got []kv
	if err := eachBundled(b.buf, func(k, v []byte) error { got = append(got, kv{k, v}); return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Fatalf("messages (-want +got):\n%s", diff)
	}
	for i, m := range got {
		if (m.K == nil) != (in[i].K == nil) || (m.V == nil) != (in[i].V == nil) {
			t.Errorf("message %d: nil key/value %v/%v, want %v/%v", i, m.K == nil, m.V == nil, in[i].K == nil, in[i].V == nil)
		}
	}
	// A bundle stays under bundleBytes unless it holds one message.
	var big bundle
	row := make([]byte, 100<<10)
	for range 5 {
		if !big.fits(nil, row) {
			if len(big.buf) > bundleBytes {
				t.Fatalf("bundle of %d messages is %d bytes, over %d", big.n, len(big.buf), bundleBytes)
			}
			big.reset()
		}
		big.add(nil, row)
	}
	if huge := make([]byte, 2*bundleBytes); big.fits(nil, huge) || !(&bundle{}).fits(nil, huge) {
		t.Errorf("a message over bundleBytes: want it alone in an empty bundle")
	}
	err := eachBundled(b.buf[:len(b.buf)-3], func(k, v []byte) error { return nil })
	if !errors.Is(err, errBundle) {
		t.Errorf("truncated bundle: got %v, want errBundle", err)
	}
}

// TestWriteStagesBundles: Write stages a load of many rows as a few
// bundle messages (not one message per row), and CommitLoad publishes
// one message per row with its key and the load's headers; with the
// staging compressed by lz4 (default), uncompressed and by zstd.
func TestWriteStagesBundles(t *testing.T) {
	for _, opts := range []string{`{}`, `{"staging_compression":"none"}`, `{"staging_compression":"zstd"}`} {
		t.Run(opts, func(t *testing.T) { testWriteStagesBundles(t, opts) })
	}
}

func testWriteStagesBundles(t *testing.T, opts string) {
	topic := testTopic("sink_bundles")
	ctx := context.Background()
	req := sinkLoad(t, topic, "load-bundles-"+topic, sdk.ModeAppend, []string{"id"}, opts)
	const n = 5000
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	stage(t, req, ids...)
	c := New().(*Connector)
	l, a := preparedAdmin(t, req)
	ends, err := a.offsets(ctx, l.staging, []int32{0}, ck.LatestOffsetSpec)
	if err != nil {
		t.Fatal(err)
	}
	if ends[0] > 10 {
		t.Errorf("staging topic %s holds %d messages for %d rows, want a few bundles", l.staging, ends[0], n)
	}
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	out, err := readTopic(t, topic, `{"format":"string"}`, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rows) != n {
		t.Fatalf("target has %d messages, want %d", len(out.rows), n)
	}
	got := map[string]bool{}
	for _, r := range out.rows {
		got[r[colKey].(string)] = true
		var h map[string]string
		_ = json.Unmarshal([]byte(r[colHeaders].(string)), &h)
		if want := map[string]string{headerLoadID: req.LoadID, headerRunID: "run-1"}; !cmp.Equal(h, want) {
			t.Fatalf("headers: got %v, want %v", h, want)
		}
	}
	for _, id := range ids {
		if !got[strconv.FormatInt(id, 10)] {
			t.Fatalf("key %d missing from the target", id)
		}
	}
}
