package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// payloadSink records what a copyChunker sends.
type payloadSink struct {
	sdk.RecordWriter
	payloads [][]byte
	rows     []int64
}

func (p *payloadSink) WritePayload(data []byte, rows int64) error {
	p.payloads, p.rows = append(p.payloads, bytes.Clone(data)), append(p.rows, rows)
	return nil
}

func (p *payloadSink) Progress(int64, int64) error { return nil }

// binaryCopy builds a binary COPY stream of n tuples of three fields (an
// int8, a text of varying length, NULL every third row), with a header
// extension area, and returns it with the tuples alone.
func binaryCopy(n int) (stream, tuples []byte) {
	stream = append(stream, "PGCOPY\n\xff\r\n\x00"...)
	stream = binary.BigEndian.AppendUint32(stream, 0)
	stream = binary.BigEndian.AppendUint32(stream, 3) // extension area of 3 bytes
	stream = append(stream, "ext"...)
	for i := range n {
		t := binary.BigEndian.AppendUint16(nil, 3)
		t = binary.BigEndian.AppendUint32(t, 8)
		t = binary.BigEndian.AppendUint64(t, uint64(i))
		s := strings.Repeat("x", i%37)
		t = binary.BigEndian.AppendUint32(t, uint32(len(s)))
		t = append(t, s...)
		if i%3 == 0 {
			t = binary.BigEndian.AppendUint32(t, 0xffffffff) // NULL
		} else {
			t = binary.BigEndian.AppendUint32(t, 1)
			t = append(t, 'y')
		}
		tuples = append(tuples, t...)
	}
	stream = append(stream, tuples...)
	return append(stream, 0xff, 0xff), tuples
}

func TestCopyChunkerCutsAtTuples(t *testing.T) {
	stream, tuples := binaryCopy(500)
	for _, step := range []int{1, 2, 5, 19, 64, 1000, len(stream)} {
		for _, limit := range []int{1, 100, 4096, 1 << 20} {
			out := &payloadSink{}
			ch := &copyChunker{out: out, limit: limit, fields: 3}
			for off := 0; off < len(stream); off += step {
				if _, err := ch.Write(stream[off:min(off+step, len(stream))]); err != nil {
					t.Fatalf("step %d limit %d: write: %v", step, limit, err)
				}
			}
			if err := ch.finish(); err != nil {
				t.Fatalf("step %d limit %d: finish: %v", step, limit, err)
			}
			got, rows := bytes.Join(out.payloads, nil), int64(0)
			for i, p := range out.payloads {
				rows += out.rows[i]
				if n := countTuples(t, p); n != out.rows[i] {
					t.Fatalf("step %d limit %d: payload %d says %d rows, holds %d whole tuples", step, limit, i, out.rows[i], n)
				}
			}
			if !bytes.Equal(got, tuples) || rows != 500 {
				t.Fatalf("step %d limit %d: got %d bytes, %d rows; want %d bytes, 500 rows", step, limit, len(got), rows, len(tuples))
			}
			if limit == 1<<20 && len(out.payloads) != 1 {
				t.Errorf("limit 1 MiB: got %d payloads, want 1", len(out.payloads))
			}
		}
	}
}

// countTuples parses p as whole 3-field tuples.
func countTuples(t *testing.T, p []byte) int64 {
	t.Helper()
	var n int64
	for off := 0; off < len(p); n++ {
		if binary.BigEndian.Uint16(p[off:]) != 3 {
			t.Fatalf("tuple %d: bad field count", n)
		}
		off += 2
		for range 3 {
			l := int32(binary.BigEndian.Uint32(p[off:]))
			off += 4 + max(int(l), 0)
		}
		if off > len(p) {
			t.Fatalf("tuple %d runs past the payload", n)
		}
	}
	return n
}

func TestCopyChunkerRefusesBrokenStreams(t *testing.T) {
	stream, _ := binaryCopy(10)
	for name, in := range map[string][]byte{
		"no trailer":    stream[:len(stream)-2],
		"cut mid tuple": stream[:len(stream)-5],
		"bad signature": append([]byte("PGCOPX"), stream[6:]...),
		"wrong arity":   append(append(bytes.Clone(stream[:22]), 0, 2), stream[24:]...),
	} {
		ch := &copyChunker{out: &payloadSink{}, limit: 1 << 20, fields: 3}
		_, err := ch.Write(in)
		if err == nil {
			err = ch.finish()
		}
		if err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

// TestAcceptPayloadComparesTypes: staging columns of the source's types
// take its binary tuples; a column of another type (a target widened to
// bigint, a source integer) refuses them with the column named, and the
// host reads Arrow instead.
func TestAcceptPayloadComparesTypes(t *testing.T) {
	cfg, conn := testDB(t)
	ctx := context.Background()
	c := New().(*Connector)
	field := func(name string, dt arrow.DataType, native string) arrow.Field {
		return arrow.Field{Name: name, Type: dt, Nullable: true, Metadata: arrow.NewMetadata([]string{sdk.MetaNative}, []string{native})}
	}
	same := arrow.NewSchema([]arrow.Field{field("id", arrow.PrimitiveTypes.Int64, "bigint"),
		field("name", arrow.BinaryTypes.String, "character varying(20)")}, nil)
	req := sdk.LoadRequest{Config: cfg, LoadID: "accept-1", Target: sdk.TableRef{Namespace: "passtest", Name: "same"},
		Schema: same, Mode: sdk.ModeFullRefresh}
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	if reason, err := c.AcceptPayload(ctx, req, sdk.PayloadPGBinaryCopy); err != nil || reason != "" {
		t.Errorf("same types: got %q, %v; want accepted", reason, err)
	}
	// The target exists with a wider id: staging is shaped like it.
	mustExec(t, conn, "CREATE TABLE passtest.wide (id bigint, name text)")
	narrow := arrow.NewSchema([]arrow.Field{field("id", arrow.PrimitiveTypes.Int64, "integer"),
		field("name", arrow.BinaryTypes.String, "text")}, nil)
	req = sdk.LoadRequest{Config: cfg, LoadID: "accept-2", Target: sdk.TableRef{Namespace: "passtest", Name: "wide"},
		Schema: narrow, Mode: sdk.ModeFullRefresh}
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	reason, err := c.AcceptPayload(ctx, req, sdk.PayloadPGBinaryCopy)
	if err != nil || !strings.Contains(reason, "column id: source type integer, staging type bigint") {
		t.Errorf("integer into bigint: got %q, %v; want a refusal naming column id", reason, err)
	}
}
