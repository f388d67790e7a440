package duckdb

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.TypeLossReporter = (*Connector)(nil)

// TypeLoss names what the DuckDB type of f cannot hold exactly (plans
// show it), or "" when the mapping is lossless.
func (*Connector) TypeLoss(f arrow.Field) string { return typeLoss(f.Type) }

func typeLoss(dt arrow.DataType) string {
	switch t := dt.(type) {
	case arrow.DecimalType:
		if t.GetPrecision() > maxDecimal {
			return fmt.Sprintf("decimal(%d,%d) is wider than DuckDB's DECIMAL (%d digits): stored as exact text in VARCHAR", t.GetPrecision(), t.GetScale(), maxDecimal)
		}
	case *arrow.TimestampType:
		if t.TimeZone != "" && t.Unit == arrow.Nanosecond {
			return "TIMESTAMPTZ keeps microseconds: nanoseconds are truncated"
		}
	case *arrow.Time64Type:
		if t.Unit == arrow.Nanosecond {
			return "TIME keeps microseconds: nanoseconds are truncated"
		}
	case *arrow.MonthDayNanoIntervalType:
		return "INTERVAL keeps microseconds: sub-microsecond parts are truncated"
	case *arrow.FixedSizeListType:
		return "stored as a variable-length list: the fixed length is not kept"
	case *arrow.ListType:
		if l := typeLoss(t.Elem()); l != "" {
			return "list element: " + l
		}
	}
	return ""
}
