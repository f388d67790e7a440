package bigquery

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	bq "google.golang.org/api/bigquery/v2"

	"github.com/dpone-go/dpone/sdk"
)

// restRows decodes tabledata.list JSON as the REST client does.
func restRows(t *testing.T, body string) []*bq.TableRow {
	t.Helper()
	var l bq.TableDataList
	if err := json.Unmarshal([]byte(body), &l); err != nil {
		t.Fatal(err)
	}
	return l.Rows
}

// TestRowDecoderTypes: REST cells of every BigQuery type decode to the
// Arrow types the Storage Read API gives (arrowField), values exact:
// int64-microsecond timestamps, NUMERIC/BIGNUMERIC digits, base64 bytes,
// NaN and infinities, REPEATED and RECORD cells, NULLs.
func TestRowDecoderTypes(t *testing.T) {
	fields := []*bq.TableFieldSchema{
		{Name: "i", Type: "INTEGER"}, {Name: "f", Type: "FLOAT"}, {Name: "b", Type: "BOOLEAN"},
		{Name: "n", Type: "NUMERIC"}, {Name: "bn", Type: "BIGNUMERIC"}, {Name: "s", Type: "STRING"},
		{Name: "by", Type: "BYTES"}, {Name: "d", Type: "DATE"}, {Name: "t", Type: "TIME"},
		{Name: "dt", Type: "DATETIME"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "j", Type: "JSON"},
		{Name: "tags", Type: "STRING", Mode: "REPEATED"},
		{Name: "who", Type: "RECORD", Fields: []*bq.TableFieldSchema{{Name: "name", Type: "STRING"}, {Name: "age", Type: "INT64"}}},
	}
	rows := restRows(t, `{"rows":[
	 {"f":[{"v":"-9223372036854775808"},{"v":"NaN"},{"v":"true"},{"v":"-99999999999999999999999999999.999999999"},
	       {"v":"1.00000000000000000000000000000000000001"},{"v":"žluť 🚀"},{"v":"AAH/"},{"v":"0001-01-01"},
	       {"v":"23:59:59.999999"},{"v":"9999-12-31T23:59:59.999999"},{"v":"-62135596800000000"},{"v":"{\"a\":[1,2]}"},
	       {"v":[{"v":"x"},{"v":"y"}]},{"v":{"f":[{"v":"Ann"},{"v":"41"}]}}]},
	 {"f":[{"v":null},{"v":"-Infinity"},{"v":null},{"v":null},{"v":null},{"v":""},{"v":null},{"v":null},
	       {"v":null},{"v":null},{"v":"1764583200123456"},{"v":null},{"v":[]},{"v":null}]}
	]}`)
	d := newRowDecoder(fields)
	defer d.release()
	for _, r := range rows {
		if err := d.append(r); err != nil {
			t.Fatal(err)
		}
	}
	rec := d.flush()
	defer rec.Release()
	if want := arrowSchema(&bq.TableSchema{Fields: fields}); !rec.Schema().Equal(want) {
		t.Fatalf("schema: got %v, want the Storage Read API's %v", rec.Schema(), want)
	}
	got := map[string]string{}
	for i, f := range rec.Schema().Fields() {
		got[f.Name] = rec.Column(i).String()
	}
	want := map[string]string{
		"i":    "[-9223372036854775808 (null)]",
		"f":    "[NaN -Inf]",
		"b":    "[true (null)]",
		"n":    "[-99999999999999999999999999999.999999999 (null)]",
		"bn":   "[1.00000000000000000000000000000000000001 (null)]",
		"s":    `["žluť 🚀" ""]`,
		"by":   `["\x00\x01\xff" (null)]`,
		"d":    "[0001-01-01 (null)]",
		"t":    "[86399999999 (null)]",                  // 23:59:59.999999 in µs
		"dt":   "[253402300799999999 (null)]",           // 9999-12-31T23:59:59.999999 in µs
		"ts":   "[-62135596800000000 1764583200123456]", // 0001-01-01, 2025-12-01T10:00:00.123456Z
		"j":    `["{\"a\":[1,2]}" (null)]`,
		"tags": `[["x" "y"] []]`,
		"who":  `{["Ann" (null)] [41 (null)]}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if rec.Column(13).IsValid(1) || !rec.Column(13).IsValid(0) {
		t.Errorf("who: a NULL RECORD must be NULL, a present one valid")
	}
}

// TestRowDecoderPicksCells: a server that ignores selectedFields sends
// every cell; pick maps the selected columns to theirs.
func TestRowDecoderPicksCells(t *testing.T) {
	d := newRowDecoder([]*bq.TableFieldSchema{{Name: "c", Type: "INT64"}})
	defer d.release()
	d.pick = []int{2}
	for _, r := range restRows(t, `{"rows":[{"f":[{"v":"1"},{"v":"2"},{"v":"3"}]}]}`) {
		if err := d.append(r); err != nil {
			t.Fatal(err)
		}
	}
	rec := d.flush()
	defer rec.Release()
	if got := rec.Column(0).String(); got != "[3]" {
		t.Errorf("got %s, want [3]", got)
	}
	if rec.Schema().Field(0).Type.ID() != arrow.INT64 {
		t.Errorf("type: got %v", rec.Schema().Field(0).Type)
	}
}

// TestRowDecoderRefuses: a cell that is not its type's text is a DATA
// error naming the column.
func TestRowDecoderRefuses(t *testing.T) {
	d := newRowDecoder([]*bq.TableFieldSchema{{Name: "when", Type: "DATE"}})
	defer d.release()
	err := d.append(restRows(t, `{"rows":[{"f":[{"v":"yesterday"}]}]}`)[0])
	if err == nil || !strings.Contains(err.Error(), "when") {
		t.Errorf("got %v, want an error naming column when", err)
	}
}

// memWriter is an sdk.RecordWriter that keeps what a read sent.
type memWriter struct {
	rows     []int64
	progress [][2]int64
	limit    int
}

func (w *memWriter) Schema(*arrow.Schema) error { return nil }
func (w *memWriter) Write(rec arrow.RecordBatch) error {
	w.rows = append(w.rows, rec.NumRows())
	return nil
}
func (w *memWriter) Checkpoint([]byte) error { return nil }
func (w *memWriter) Progress(rows, estimate int64) error {
	w.progress = append(w.progress, [2]int64{rows, estimate})
	return nil
}
func (w *memWriter) Log(sdk.LogLevel, string) error { return nil }
func (w *memWriter) BatchBytes() int                { return w.limit }

// TestEmitterBatchesByBytes: REST pages become records of about the
// writer's batch size whatever the page size, and progress carries the
// estimate.
func TestEmitterBatchesByBytes(t *testing.T) {
	fields := []*bq.TableFieldSchema{{Name: "s", Type: "STRING"}}
	d := newRowDecoder(fields)
	defer d.release()
	w := &memWriter{limit: 10 * 1000}
	e := &emitter{d: d, out: w, progress: w, limit: w.BatchBytes(), estimate: 25}
	row := `{"f":[{"v":"` + strings.Repeat("x", 992) + `"}]}`
	rows := restRows(t, `{"rows":[`+strings.Repeat(row+",", 14)+row+`]}`) // 15 rows of ~1000 bytes
	pages := map[string]page{"": {rows: rows, next: "p2", total: 30}, "p2": {rows: rows[:10]}}
	err := e.pages(context.Background(), func(token string) (page, error) { return pages[token], nil })
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{10, 10, 5}, w.rows); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if last := w.progress[len(w.progress)-1]; last != [2]int64{25, 30} {
		t.Errorf("last progress: got %v, want 25 of 30", last)
	}
}

// TestTimestampMicros: every TIMESTAMP text form the REST API (and the
// emulator) sends reads back exactly.
func TestTimestampMicros(t *testing.T) {
	for in, want := range map[string]int64{
		"1764885600123456":            1764885600123456,
		"1764885600.123456000":        1764885600123456,
		"1764885600.5":                1764885600500000,
		"-1.5":                        -1500000,
		"1.7648856E9":                 1764885600000000,
		"2025-12-04T22:00:00.123456Z": 1764885600123456,
	} {
		got, err := timestampMicros(in)
		if err != nil || got != want {
			t.Errorf("%s: got %d (%v), want %d", in, got, err, want)
		}
	}
}

// TestEmulatorTimestamp: the emulator's seconds.microseconds text.
func TestEmulatorTimestamp(t *testing.T) {
	for in, want := range map[string]int64{
		"1719748800.1": 1719748800000001, "1796421600.123456": 1796421600123456,
		"-14182939.-876544": -14182939876544, "0": 0,
	} {
		if got, err := emulatorTimestamp(in); err != nil || got != want {
			t.Errorf("%s: got %d (%v), want %d", in, got, err, want)
		}
	}
}
