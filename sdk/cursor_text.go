package sdk

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// CursorText renders value i of arr (not NULL) as SQL literal text that
// PostgreSQL and DuckDB parse back into the column's type: integers,
// floats (NaN, Infinity), decimals, strings, dates, times and timestamps
// (UTC with "+00" when the type has a zone; years before 1 as "BC").
// Equal values render equally, so a checkpoint compares cursors as text.
func CursorText(arr arrow.Array, i int) (string, error) {
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i)), nil
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), nil
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10), nil
	case *array.Float32:
		return floatText(float64(a.Value(i)), 32), nil
	case *array.Float64:
		return floatText(a.Value(i), 64), nil
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale), nil
	case *array.Decimal256:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Date32:
		return sqlTimeText(time.Unix(int64(a.Value(i))*86400, 0).UTC(), "2006-01-02"), nil
	case *array.Time64:
		d := time.Duration(a.Value(i))
		if a.DataType().(*arrow.Time64Type).Unit == arrow.Microsecond {
			d *= time.Microsecond
		}
		return fmt.Sprintf("%02d:%02d:%02d.%09d", d/time.Hour, d/time.Minute%60, d/time.Second%60, d%time.Second), nil
	case *array.Timestamp:
		typ := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(typ.Unit)
		s := sqlTimeText(t, "2006-01-02 15:04:05.999999999")
		if typ.TimeZone != "" {
			s = strings.Replace(s, " BC", "", 1) + "+00"
			if t.Year() <= 0 {
				s += " BC"
			}
		}
		return s, nil
	}
	return "", Errorf(CodeConfig, "a %s column cannot be an incremental cursor", arr.DataType())
}

// sqlTimeText formats t, writing years before 1 AD the SQL way (BC).
func sqlTimeText(t time.Time, layout string) string {
	if t.Year() > 0 {
		return t.Format(layout)
	}
	bc := t.AddDate(1-2*t.Year(), 0, 0) // year y (<= 0) is (1-y) BC
	return bc.Format(layout) + " BC"
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// RowFingerprint is a 128-bit digest of row i of rec, every column, NULLs
// distinct from any value: the identity of a row version in a checkpoint.
func RowFingerprint(rec arrow.RecordBatch, i int) string {
	h := sha256.New()
	var n [8]byte
	for j := 0; j < int(rec.NumCols()); j++ {
		col := rec.Column(j)
		if col.IsNull(i) {
			h.Write([]byte{0})
			continue
		}
		s := col.ValueStr(i)
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write([]byte{1})
		h.Write(n[:])
		h.Write([]byte(s))
	}
	sum := h.Sum(nil)
	return base64.RawStdEncoding.EncodeToString(sum[:16])
}
