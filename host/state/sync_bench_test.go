package state

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkSQLiteStateCommit measures one load's state path
// (RecordPending, SetPendingCheckpoint, MarkCommitted: three commits) with
// synchronous=NORMAL (before) and FULL (what OpenSQLite uses). Run with
//
//	go test -run '^$' -bench SQLiteStateCommit ./state/
func BenchmarkSQLiteStateCommit(b *testing.B) {
	for _, mode := range []string{"NORMAL", "FULL"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			s, err := openSQLite(filepath.Join(b.TempDir(), "state.db"), mode)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			stream := StreamKey{"m", "u"}
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("l-%d", i)
				if err := s.RecordPending(ctx, Load{ID: id, RunID: "r", Stream: stream, Target: "s.t", Mode: "incremental_append"}); err != nil {
					b.Fatal(err)
				}
				if err := s.SetPendingCheckpoint(ctx, id, []byte(`{"cursor":1}`)); err != nil {
					b.Fatal(err)
				}
				if err := s.MarkCommitted(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
