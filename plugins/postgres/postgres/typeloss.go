package postgres

import (
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

var _ sdk.TypeLossReporter = (*Connector)(nil)

// TypeLoss names what the PostgreSQL type of f cannot hold exactly (plans
// show it), or "" when the mapping is lossless.
func (*Connector) TypeLoss(f arrow.Field) string { return typeLoss(f.Type) }

func typeLoss(dt arrow.DataType) string {
	switch t := dt.(type) {
	case *arrow.TimestampType:
		if t.Unit == arrow.Nanosecond {
			return "PostgreSQL timestamps keep microseconds: nanoseconds are truncated"
		}
	case *arrow.Time64Type:
		if t.Unit == arrow.Nanosecond {
			return "PostgreSQL time keeps microseconds: nanoseconds are truncated"
		}
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType:
		return "PostgreSQL interval keeps microseconds: sub-microsecond parts are truncated"
	case *arrow.FixedSizeBinaryType:
		return "stored as bytea: the fixed length is not enforced"
	case *arrow.ListType:
		if l := typeLoss(t.Elem()); l != "" {
			return "array element: " + l
		}
	}
	return ""
}
