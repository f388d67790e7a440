package file

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

func TestReadStopsWhenCancelled(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,v\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&sb, "%d,%d\n", i, i)
	}
	var jl strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&jl, `{"id": %d}`+"\n", i)
	}
	root := writeFiles(t, map[string]string{"c.csv": sb.String(), "j.jsonl": jl.String()})
	writeParquet(t, filepath.Join(root, "p.parquet"), 0, 200000, 50000)
	for _, stream := range []string{"c", "j", "p"} {
		t.Run(stream, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &recorder{batchBytes: 16 << 10}
			rec.onWrite = cancel // cancel after the first batch
			err := New().(*Connector).Read(ctx, sdk.ReadRequest{Config: configJSON(root), Stream: stream}, rec)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got error %v, want context.Canceled", err)
			}
			if rec.batches > 2 {
				t.Errorf("got %d batches after cancelling at the first, want at most 2", rec.batches)
			}
			if len(rec.checkpoints) != 0 {
				t.Errorf("got a checkpoint from a cancelled read")
			}
		})
	}
}
