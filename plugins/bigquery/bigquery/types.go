package bigquery

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/dpone-go/dpone/sdk"
)

// bqType is the BigQuery standard SQL type that holds values of field's
// Arrow type (docs/types/bigquery.md is this table in prose). Types with
// no BigQuery column type are SCHEMA errors.
func bqType(f arrow.Field) (string, error) {
	if f.Metadata.FindKey(sdk.MetaLogical) >= 0 {
		switch f.Metadata.Values()[f.Metadata.FindKey(sdk.MetaLogical)] {
		case sdk.LogicalJSON:
			return "JSON", nil
		case sdk.LogicalUUID:
			return "STRING", nil
		}
	}
	return typeOf(f.Name, f.Type, false)
}

func typeOf(name string, t arrow.DataType, inList bool) (string, error) {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "BOOL", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Int64Type,
		*arrow.Uint8Type, *arrow.Uint16Type, *arrow.Uint32Type:
		return "INT64", nil
	case *arrow.Uint64Type:
		return "NUMERIC", nil
	case *arrow.Float16Type, *arrow.Float32Type, *arrow.Float64Type:
		return "FLOAT64", nil
	case *arrow.Decimal128Type:
		return decimalType(t.Precision, t.Scale), nil
	case *arrow.Decimal256Type:
		return decimalType(t.Precision, t.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "STRING", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType, *arrow.BinaryViewType:
		return "BYTES", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "DATE", nil
	case *arrow.Time32Type, *arrow.Time64Type:
		return "TIME", nil
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "DATETIME", nil
		}
		return "TIMESTAMP", nil
	case *arrow.ListType:
		return listType(name, t.Elem(), inList)
	case *arrow.LargeListType:
		return listType(name, t.Elem(), inList)
	case *arrow.FixedSizeListType:
		return listType(name, t.Elem(), inList)
	case *arrow.StructType:
		parts := make([]string, 0, t.NumFields())
		for _, c := range t.Fields() {
			ct, err := bqType(c)
			if err != nil {
				return "", err
			}
			parts = append(parts, quoteIdent(c.Name)+" "+ct)
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">", nil
	case *arrow.MapType:
		kt, err := typeOf(name, t.KeyType(), false)
		if err != nil {
			return "", err
		}
		vt, err := typeOf(name, t.ItemType(), false)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("ARRAY<STRUCT<key %s, value %s>>", kt, vt), nil
	}
	return "", sdk.Errorf(sdk.CodeSchema, "column %s: arrow type %s has no BigQuery type: cast it in the source query", name, t)
}

// listType is ARRAY<elem>; BigQuery has no array of arrays, so a nested
// list is a SCHEMA error.
func listType(name string, elem arrow.DataType, inList bool) (string, error) {
	if _, nested := elem.(arrow.ListLikeType); nested || inList {
		return "", sdk.Errorf(sdk.CodeSchema, "column %s: BigQuery has no ARRAY of ARRAY: wrap the inner list in a struct", name)
	}
	et, err := typeOf(name, elem, true)
	if err != nil {
		return "", err
	}
	return "ARRAY<" + et + ">", nil
}

// decimalType picks NUMERIC (38 digits, scale ≤ 9, ≤ 29 integer digits)
// when the decimal fits, else BIGNUMERIC (scale ≤ 38).
func decimalType(p, s int32) string {
	if s >= 0 && s <= 9 && p-s <= 29 {
		return "NUMERIC"
	}
	return "BIGNUMERIC"
}

// TypeLoss notes columns whose BigQuery type cannot hold every value of
// the Arrow type exactly; "" when the mapping is lossless.
func (c *Connector) TypeLoss(f arrow.Field) string { return typeLoss(f.Type) }

func typeLoss(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.Uint64Type:
		return "no unsigned 64-bit type: stored as NUMERIC"
	case *arrow.Decimal128Type:
		return decimalLoss(t.Precision, t.Scale)
	case *arrow.Decimal256Type:
		return decimalLoss(t.Precision, t.Scale)
	case *arrow.Float16Type, *arrow.Float32Type:
		return ""
	case *arrow.TimestampType:
		if t.Unit == arrow.Nanosecond {
			return "TIMESTAMP/DATETIME keep microseconds: nanoseconds are truncated"
		}
	case *arrow.Time64Type:
		if t.Unit == arrow.Nanosecond {
			return "TIME keeps microseconds: nanoseconds are truncated"
		}
	case *arrow.Date64Type:
		return "DATE keeps days: a time of day in date64 is dropped"
	}
	return ""
}

func decimalLoss(p, s int32) string {
	switch {
	case s > 38:
		return fmt.Sprintf("BIGNUMERIC keeps 38 decimal places: decimal(%d,%d) is rounded", p, s)
	case p-s > 38:
		return fmt.Sprintf("BIGNUMERIC holds 38 integer digits: decimal(%d,%d) may overflow", p, s)
	}
	return ""
}

// quoteIdent quotes a BigQuery identifier with backticks.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "`", "\\`") + "`"
}
