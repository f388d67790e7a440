package sdktest

import "github.com/apache/arrow-go/v18/arrow"

// Values returns the rows of recs as maps keyed by column, with Go values
// (int64, uint64, float64, string, []byte, bool, time.Time, nil; decimals
// as exact text). A Go LoadFixture.ReadTarget that reads Arrow data back
// can return it directly.
func Values(recs ...arrow.RecordBatch) []map[string]any {
	var out []map[string]any
	for _, rec := range recs {
		s := rec.Schema()
		for i := 0; i < int(rec.NumRows()); i++ {
			m := make(map[string]any, s.NumFields())
			for j, f := range s.Fields() {
				v := valueAt(rec.Column(j), i)
				if d, ok := v.(decimalValue); ok {
					v = string(d)
				}
				m[f.Name] = v
			}
			out = append(out, m)
		}
	}
	return out
}
