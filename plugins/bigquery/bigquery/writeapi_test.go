package bigquery

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/dpone-go/dpone/sdk"
)

// TestProtoRows: rows serialized for the Storage Write API decode with the
// descriptor sent alongside them (wire types match), each value in the
// form BigQuery documents for its column type: TIMESTAMP as UTC
// microseconds, DATE as days, DATETIME/TIME/NUMERIC/BIGNUMERIC as text,
// lists repeated, structs nested; NULLs absent.
func TestProtoRows(t *testing.T) {
	schema := typesSchema()
	rec := typesRecord(t, schema, 0, 3)
	defer rec.Release()
	desc, err := rowDescriptor(schema)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{Name: proto.String("row.proto"),
		MessageType: []*descriptorpb.DescriptorProto{desc}}, nil)
	if err != nil {
		t.Fatalf("descriptor: %v", err)
	}
	md := fd.Messages().ByName("dpone_row")
	var got []string
	for i := 0; i < int(rec.NumRows()); i++ {
		row, err := appendRow(nil, rec.Columns(), i)
		if err != nil {
			t.Fatal(err)
		}
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(row, m); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		got = append(got, stableJSON(t, m))
	}
	golden(t, "write/proto_rows.json", strings.Join(got, "\n")+"\n")
}

// stableJSON renders m as JSON with sorted keys and no spacing
// (protojson's spacing varies on purpose).
func stableJSON(t *testing.T, m proto.Message) string {
	t.Helper()
	js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// fakeAppend is an AppendRows stream that accepts every request.
type fakeAppend struct {
	reqs []*storagepb.AppendRowsRequest
}

func (f *fakeAppend) Send(r *storagepb.AppendRowsRequest) error {
	f.reqs = append(f.reqs, r)
	return nil
}

func (f *fakeAppend) Recv() (*storagepb.AppendRowsResponse, error) {
	return &storagepb.AppendRowsResponse{}, nil
}

// bigRows is a record of n rows holding a string of size bytes each.
func bigRows(n, size int) arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "blob", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(strings.Repeat("x", size))
	}
	return b.NewRecordBatch()
}

// TestAppendSplitsRequests: rows go in requests under BigQuery's 10 MB
// AppendRows limit (a peer failed with 413 on large rows), in order, at
// consecutive offsets, the writer schema only on the first; a row that
// cannot fit any request is a DATA error.
func TestAppendSplitsRequests(t *testing.T) {
	rec := bigRows(25, 1_000_000)
	f := &fakeAppend{}
	a := &appender{stream: f, name: "s", desc: &storagepb.ProtoSchema{}}
	res, err := a.appendAll(&sliceReader{schema: rec.Schema(), recs: []arrow.RecordBatch{rec}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 25 {
		t.Errorf("rows: got %d, want 25", res.Rows)
	}
	var lines []string
	for i, r := range f.reqs {
		n := len(r.GetProtoRows().GetRows().GetSerializedRows())
		lines = append(lines, fmt.Sprintf("request %d: offset %d, %d rows, %d bytes, schema %v", i, r.GetOffset().GetValue(), n, a.sizes[i], r.GetProtoRows().GetWriterSchema() != nil))
		if a.sizes[i] > 10_000_000 {
			t.Errorf("request %d is %d bytes: over the 10 MB limit", i, a.sizes[i])
		}
	}
	golden(t, "write/request_sizes.txt", strings.Join(lines, "\n")+"\n")
	rec.Release()

	huge := bigRows(1, maxRequestBytes+1)
	defer huge.Release()
	_, err = (&appender{stream: &fakeAppend{}, name: "s"}).appendAll(&sliceReader{schema: huge.Schema(), recs: []arrow.RecordBatch{huge}})
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "load_job") {
		t.Errorf("a row over the limit: got %v, want DATA naming write_api: load_job", err)
	}
}

// TestAppendRowErrors: a request BigQuery refuses for its rows is a DATA
// error naming the rows' offsets.
func TestAppendRowErrors(t *testing.T) {
	f := &refusingAppend{}
	rec := bigRows(3, 10)
	defer rec.Release()
	_, err := (&appender{stream: f, name: "s"}).appendAll(&sliceReader{schema: rec.Schema(), recs: []arrow.RecordBatch{rec}})
	if sdk.CodeOf(err) != sdk.CodeData || !strings.Contains(err.Error(), "row 2: bad value") {
		t.Errorf("got %v, want DATA naming row 2", err)
	}
}

type refusingAppend struct{ fakeAppend }

func (f *refusingAppend) Recv() (*storagepb.AppendRowsResponse, error) {
	return &storagepb.AppendRowsResponse{
		Response:  &storagepb.AppendRowsResponse_Error{Error: statusProto(3, "rows refused")},
		RowErrors: []*storagepb.RowError{{Index: 2, Message: "bad value"}},
	}, nil
}

// TestWriteAPIOption: write_api takes load_job or storage_write.
func TestWriteAPIOption(t *testing.T) {
	if err := (sinkOptions{WriteAPI: "streaming"}).check(); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("write_api streaming: got %v, want CONFIG", err)
	}
	for _, w := range []string{"", "load_job", "storage_write"} {
		if err := (sinkOptions{WriteAPI: w}).check(); err != nil {
			t.Errorf("write_api %q: %v", w, err)
		}
	}
}

// statusProto is a google.rpc.Status.
func statusProto(code int32, msg string) *spb.Status { return &spb.Status{Code: code, Message: msg} }
