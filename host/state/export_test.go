package state

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testExportImport(t *testing.T, open opener) {
	ctx := context.Background()
	src := withClock(t, open.must(t), &clock{t: t0})
	blobs := map[StreamKey]string{
		{"shop", "public.orders"}:    `{"v":1,"cursor":"2026-11-26T05:00:00Z","ids":[1,2]}`,
		{"shop", "public.customers"}: `{"v":1,"xmin":"12345"}`,
		{"crm", "contacts"}:          "\x00binary\xff",
	}
	for k, v := range blobs {
		if err := src.SetCheckpoint(ctx, k, []byte(v), "seed"); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := Export(ctx, src, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"cursor": "2026-11-26T05:00:00Z"`) {
		t.Errorf("export does not show JSON state inline:\n%s", buf.String())
	}
	// Import into a store that already has a version of one stream.
	dst := src
	for k := range blobs {
		if err := dst.SetCheckpoint(ctx, k, []byte(`{"v":0}`), "older"); err != nil {
			t.Fatal(err)
		}
	}
	if err := Import(ctx, dst, &buf); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Checkpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotBlobs := map[StreamKey]string{}
	for _, c := range got {
		gotBlobs[c.Stream] = string(c.State)
		if c.Version != 3 {
			t.Errorf("%s: got version %d, want 3", c.Stream, c.Version)
		}
	}
	if diff := cmp.Diff(blobs, gotBlobs); diff != "" {
		t.Errorf("imported state (-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"format":"other","checkpoints":[]}`, `{"format":"dpone.state.v1","extra":1}`, `not json`} {
		if err := Import(ctx, dst, strings.NewReader(bad)); err == nil {
			t.Errorf("Import(%s): got nil error", bad)
		}
	}
}
