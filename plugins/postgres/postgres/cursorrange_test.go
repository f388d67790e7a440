package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

// payloadCounter counts the rows of a native payload read.
type payloadCounter struct {
	*memWriter
	rows int64
}

func (p *payloadCounter) WritePayload(_ []byte, rows int64) error {
	p.rows += rows
	return nil
}

// TestReadCursorRange: a read with a cursor range takes exactly the rows
// with lower <= cursor < upper, never a NULL cursor, for integer and
// timestamptz cursors, as Arrow and as native payload.
func TestReadCursorRange(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE TABLE public.rng (id int PRIMARY KEY, at timestamptz, v text);
		INSERT INTO public.rng SELECT g, CASE WHEN g % 100 = 0 THEN NULL ELSE '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 minute' END, 'v' || g
		FROM generate_series(1, 3000) g`)
	t.Cleanup(func() { mustExec(t, conn, "DROP TABLE public.rng") })
	c := New().(*Connector)
	for _, tc := range []struct {
		name, column, lower, upper string
		want                       int
	}{
		// ids 10..1999
		{"integer", "id", "10", "2000", 1990},
		// minutes 60..119 after midnight UTC: ids 60..119 less id 100
		{"timestamptz", "at", "2024-01-01 01:00:00+00:00", "2024-01-01 02:00:00+00:00", 59},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := json.RawMessage(`{"incremental_strategy": "column", "incremental_column": "` + tc.column + `", "null_policy": "fail"}`)
			req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "rng", Mode: sdk.ReadFull, Options: opts,
				CursorRange: &sdk.CursorRange{Lower: tc.lower, Upper: tc.upper}}
			ids, _, _ := readIDs(t, c, req, 1<<20)
			if len(ids) != tc.want {
				t.Errorf("arrow: got %d rows, want %d", len(ids), tc.want)
			}
			pw := &payloadCounter{memWriter: &memWriter{batchBytes: 1 << 20}}
			if err := c.ReadPayload(context.Background(), req, sdk.PayloadPGBinaryCopy, pw); err != nil {
				t.Fatal(err)
			}
			if pw.rows != int64(tc.want) {
				t.Errorf("payload: got %d rows, want %d", pw.rows, tc.want)
			}
		})
	}
	t.Run("bad bound", func(t *testing.T) {
		opts := json.RawMessage(`{"incremental_strategy": "column", "incremental_column": "id"}`)
		req := sdk.ReadRequest{Config: cfg, Namespace: "public", Stream: "rng", Mode: sdk.ReadFull, Options: opts,
			CursorRange: &sdk.CursorRange{Lower: "2024-01-01", Upper: "2024-01-02"}}
		err := c.Read(context.Background(), req, &memWriter{batchBytes: 1 << 20})
		var se *sdk.Error
		if !errors.As(err, &se) || se.Code != sdk.CodeConfig {
			t.Errorf("got %v, want a CONFIG error naming the bound", err)
		}
	})
	if !c.Spec().CursorRange {
		t.Error("spec does not declare cursor_range")
	}
}
