package bigquery

import (
	"strings"
	"testing"

	bq "google.golang.org/api/bigquery/v2"
)

// BenchmarkProtoRows measures serializing rows for the Storage Write API
// (write_api storage_write): the typesSchema record, per row.
func BenchmarkProtoRows(b *testing.B) {
	t := &testing.T{}
	rec := typesRecord(t, typesSchema(), 0, 1000)
	defer rec.Release()
	cols := rec.Columns()
	b.ResetTimer()
	var buf []byte
	total := 0
	for i := 0; i < b.N; i++ {
		var err error
		if buf, err = appendRow(buf[:0], cols, i%1000); err != nil {
			b.Fatal(err)
		}
		total += len(buf)
	}
	b.ReportMetric(float64(total)/float64(b.N), "bytes/row")
}

// BenchmarkRowDecoder measures decoding REST rows (tabledata.list,
// jobs.getQueryResults) into Arrow, per row of five scalar columns.
func BenchmarkRowDecoder(b *testing.B) {
	fields := []*bq.TableFieldSchema{{Name: "id", Type: "INT64"}, {Name: "ts", Type: "TIMESTAMP"},
		{Name: "n", Type: "NUMERIC"}, {Name: "s", Type: "STRING"}, {Name: "d", Type: "DATE"}}
	row := `{"f":[{"v":"123456"},{"v":"1764885600123456"},{"v":"12345.678900000"},{"v":"` + strings.Repeat("x", 40) + `"},{"v":"2026-12-04"}]}`
	rows := restRows(&testing.T{}, `{"rows":[`+strings.Repeat(row+",", 999)+row+`]}`)
	d := newRowDecoder(fields)
	defer d.release()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.append(rows[i%1000]); err != nil {
			b.Fatal(err)
		}
		if d.rows == 1000 {
			d.flush().Release()
		}
	}
}
