package bigquery

import (
	"bytes"
	"io"
	"testing"

	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"

	"github.com/dpone-go/dpone/sdk"
)

// storageMessages splits an Arrow IPC stream of recs the way the Storage
// Read API sends it: the schema once (ReadSession.arrow_schema), then each
// record batch message alone.
func storageMessages(t *testing.T, schema *arrow.Schema, recs []arrow.RecordBatch) ([]byte, [][]byte) {
	t.Helper()
	const eos = 8 // continuation marker + zero length
	var sb bytes.Buffer
	w := ipc.NewWriter(&sb, ipc.WithSchema(schema))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	head := sb.Bytes()[:sb.Len()-eos]
	var batches [][]byte
	for _, rec := range recs {
		var b bytes.Buffer
		w := ipc.NewWriter(&b, ipc.WithSchema(schema))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		w.Close()
		batches = append(batches, bytes.Clone(b.Bytes()[len(head):b.Len()-eos]))
	}
	return head, batches
}

// recorder is a RecordWriter that keeps rows written (as text per column).
type recorder struct {
	rows   int64
	values []string
}

func (r *recorder) Write(rec arrow.RecordBatch) error {
	r.rows += rec.NumRows()
	r.values = append(r.values, rec.Column(0).String())
	return nil
}

// TestReadStreamDecodes: Storage Read API batches decode to the records
// written, in order, and a retryable break after progress asks to resume.
func TestReadStreamDecodes(t *testing.T) {
	schema := typesSchema()
	recs := []arrow.RecordBatch{typesRecord(t, schema, 0, 5), typesRecord(t, schema, 5, 7)}
	head, batches := storageMessages(t, schema, recs)
	var i int
	recv := func() (*storagepb.ReadRowsResponse, error) {
		if i == len(batches) {
			return nil, io.EOF
		}
		i++
		return &storagepb.ReadRowsResponse{Rows: &storagepb.ReadRowsResponse_ArrowRecordBatch{
			ArrowRecordBatch: &storagepb.ArrowRecordBatch{SerializedRecordBatch: batches[i-1]}}}, nil
	}
	out := &recorder{}
	done, n, err := readStream(recv, &batchDecoder{schema: head}, out)
	if err != nil || !done || n != 12 {
		t.Fatalf("readStream: got done %v rows %d err %v, want done, 12 rows", done, n, err)
	}
	want := []string{recs[0].Column(0).String(), recs[1].Column(0).String()}
	if diff := cmp.Diff(want, out.values); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	for _, rec := range recs {
		rec.Release()
	}

	// A 503 after one batch: not done, the caller resumes at the offset.
	i = 0
	broken := func() (*storagepb.ReadRowsResponse, error) {
		if i == 1 {
			return nil, &googleapi.Error{Code: 503}
		}
		return recv()
	}
	done, n, err = readStream(broken, &batchDecoder{schema: head}, &recorder{})
	if done || n != 5 || sdk.CodeOf(err) != sdk.CodeUnavailable {
		t.Errorf("broken stream: got done %v rows %d err %v, want resume after 5 rows", done, n, err)
	}
}

// TestArrowFieldMap: BigQuery columns to the Arrow types the Storage
// Read API returns, with dpone metadata.
func TestArrowFieldMap(t *testing.T) {
	s := arrowSchema(&bq.TableSchema{Fields: []*bq.TableFieldSchema{
		{Name: "id", Type: "INTEGER", Mode: "REQUIRED"},
		{Name: "amount", Type: "NUMERIC"},
		{Name: "big", Type: "BIGNUMERIC"},
		{Name: "at", Type: "TIMESTAMP"},
		{Name: "local", Type: "DATETIME"},
		{Name: "doc", Type: "JSON"},
		{Name: "tags", Type: "STRING", Mode: "REPEATED"},
		{Name: "who", Type: "RECORD", Fields: []*bq.TableFieldSchema{{Name: "n", Type: "BOOL"}}},
	}})
	want := []string{"int64", "decimal(38, 9)", "decimal256(76, 38)", "timestamp[us, tz=UTC]", "timestamp[us]", "utf8",
		"list<item: utf8>", "struct<n: bool nullable>"}
	for i, f := range s.Fields() {
		if got := f.Type.String(); got != want[i] {
			t.Errorf("%s: got %s, want %s", f.Name, got, want[i])
		}
	}
	if s.Field(0).Nullable || !s.Field(1).Nullable {
		t.Errorf("nullability: REQUIRED must be NOT NULL, NULLABLE nullable")
	}
	if !isJSON(s.Field(5)) {
		t.Errorf("doc: JSON column has no dpone.logical=json")
	}
	// Round trip: a discovered column loads back as its own type.
	for i, name := range []string{"INT64", "NUMERIC", "BIGNUMERIC", "TIMESTAMP", "DATETIME", "JSON"} {
		if got, _ := bqType(s.Field(i)); got != name {
			t.Errorf("%s: loads as %s, want %s", s.Field(i).Name, got, name)
		}
	}
}

// TestTableStream: estimates and declared keys from table metadata.
func TestTableStream(t *testing.T) {
	s := tableStream(&bq.Table{
		TableReference: &bq.TableReference{DatasetId: "shop", TableId: "orders"},
		Schema:         &bq.TableSchema{Fields: []*bq.TableFieldSchema{{Name: "id", Type: "INT64"}, {Name: "note", Type: "STRING"}}},
		NumRows:        1234, NumBytes: 56789,
		TableConstraints: &bq.TableConstraints{PrimaryKey: &bq.TableConstraintsPrimaryKey{Columns: []string{"id"}}},
	})
	if s.Namespace != "shop" || s.Name != "orders" || s.RowEstimate != 1234 || s.ByteEstimate != 56789 {
		t.Errorf("stream: got %+v", s)
	}
	if diff := cmp.Diff([]string{"id"}, s.PrimaryKey); diff != "" {
		t.Errorf("key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"id"}, s.CursorCandidates); diff != "" {
		t.Errorf("cursor candidates (-want +got):\n%s", diff)
	}
}

// TestDatasetsToList: Discover lists the config's dataset and those the
// selector names; a glob over datasets lists them all.
func TestDatasetsToList(t *testing.T) {
	for _, tc := range []struct {
		sel  []string
		want []string
		all  bool
	}{
		{nil, []string{"landing"}, false},
		{[]string{"orders"}, []string{"landing", "orders"}, false},
		{[]string{"shop.orders", "shop.items", "crm"}, []string{"landing", "shop", "crm"}, false},
		{[]string{"ord*"}, []string{"landing"}, false},
		{[]string{"*.orders"}, nil, true},
	} {
		got, all := datasetsToList("landing", tc.sel)
		if all != tc.all || !cmp.Equal(got, tc.want) {
			t.Errorf("%v: got %v all=%v, want %v all=%v", tc.sel, got, all, tc.want, tc.all)
		}
	}
}
