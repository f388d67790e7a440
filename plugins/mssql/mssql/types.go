package mssql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// maxNVarChar is the longest declared nvarchar(n); longer is nvarchar(max).
const maxNVarChar = 4000

// ddlType renders the T-SQL type a column of the field's Arrow type is
// created with. Strings are nvarchar (UTF-16: every Unicode value fits
// whatever the database collation); unsigned 8-bit is tinyint, signed
// 8-bit smallint (tinyint is unsigned in SQL Server).
func ddlType(f arrow.Field) (string, error) {
	switch f.Metadata.FindKey(sdk.MetaLogical) {
	case -1:
	default:
		switch logical(f) {
		case sdk.LogicalUUID:
			return "uniqueidentifier", nil
		case sdk.LogicalJSON:
			return "nvarchar(max)", nil
		}
	}
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		return "bit", nil
	case *arrow.Uint8Type:
		return "tinyint", nil
	case *arrow.Int8Type, *arrow.Int16Type:
		return "smallint", nil
	case *arrow.Uint16Type, *arrow.Int32Type:
		return "int", nil
	case *arrow.Uint32Type, *arrow.Int64Type:
		return "bigint", nil
	case *arrow.Uint64Type:
		return "decimal(20,0)", nil
	case *arrow.Float32Type:
		return "real", nil
	case *arrow.Float64Type:
		return "float", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.Decimal256Type:
		if t.Precision <= 38 {
			return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
		}
		return "", sdk.Errorf(sdk.CodeSchema, "mssql sink: column %q is decimal(%d,%d): SQL Server decimals hold at most 38 digits; cast it in the source", f.Name, t.Precision, t.Scale)
	case *arrow.StringType, *arrow.LargeStringType:
		if n := maxLength(f); n > 0 && n <= maxNVarChar {
			return fmt.Sprintf("nvarchar(%d)", n), nil
		}
		return "nvarchar(max)", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return "varbinary(max)", nil
	case *arrow.FixedSizeBinaryType:
		if t.ByteWidth <= 8000 {
			return fmt.Sprintf("binary(%d)", t.ByteWidth), nil
		}
		return "varbinary(max)", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date", nil
	case *arrow.Time32Type:
		return fmt.Sprintf("time(%d)", fraction(t.Unit)), nil
	case *arrow.Time64Type:
		return fmt.Sprintf("time(%d)", fraction(t.Unit)), nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return fmt.Sprintf("datetimeoffset(%d)", fraction(t.Unit)), nil
		}
		return fmt.Sprintf("datetime2(%d)", fraction(t.Unit)), nil
	}
	return "", sdk.Errorf(sdk.CodeSchema, "mssql sink: column %q has type %s, which the SQL Server sink cannot store: cast it in the source (see docs/types/mssql.md)", f.Name, f.Type)
}

// targetLoss is the lossy note of loading field f into an existing
// target column c whose type keeps less than f carries, "" when none:
// datetime rounds to 1/300 s (…0.000, 0.003, 0.007), smalldatetime to
// the minute, and both drop a timestamp's offset after converting to UTC.
// CommitLoad logs the notes; the values load.
func targetLoss(c column, f arrow.Field) string {
	t, ok := f.Type.(*arrow.TimestampType)
	if !ok {
		return ""
	}
	switch {
	case c.Type == "datetime" && t.Unit != arrow.Second:
		return "column " + c.Name + " is datetime: values round to 1/300 s (3.33 ms steps: .000, .003, .007)"
	case c.Type == "smalldatetime":
		return "column " + c.Name + " is smalldatetime: values round to the minute"
	}
	return ""
}

// keyType is the type of a primary key column of a table the sink
// creates: SQL Server cannot index (max) types, and an index key holds
// at most 900 bytes, so an unbounded string key is nvarchar(450) and an
// unbounded binary key varbinary(900); a longer value fails the publish
// with a DATA error (truncation) instead of the CREATE TABLE failing.
func keyType(f arrow.Field) (string, error) {
	t, err := ddlType(f)
	switch t {
	case "nvarchar(max)":
		return "nvarchar(450)", err
	case "varbinary(max)":
		return "varbinary(900)", err
	}
	return t, err
}

// fraction is the fractional-second digits of a unit; SQL Server keeps at
// most 7 (100 ns), so nanoseconds round (a lossy note).
func fraction(u arrow.TimeUnit) int {
	switch u {
	case arrow.Second:
		return 0
	case arrow.Millisecond:
		return 3
	case arrow.Microsecond:
		return 6
	}
	return 7
}

func logical(f arrow.Field) string {
	v, _ := f.Metadata.GetValue(sdk.MetaLogical)
	return v
}

func maxLength(f arrow.Field) int {
	v, ok := f.Metadata.GetValue(sdk.MetaMaxLength)
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

// TypeLoss notes where the created column cannot hold every value of the
// field's Arrow type exactly.
func (c *Connector) TypeLoss(f arrow.Field) string {
	switch t := f.Type.(type) {
	case *arrow.TimestampType:
		if t.Unit == arrow.Nanosecond {
			return "nanoseconds round to 100 ns (SQL Server keeps 7 fractional digits)"
		}
		if t.TimeZone != "" && t.TimeZone != "UTC" && t.TimeZone != "+00:00" {
			return "stored as datetimeoffset with offset +00:00 (the instant is exact; the zone name " + t.TimeZone + " is not kept)"
		}
	case *arrow.Time64Type:
		if t.Unit == arrow.Nanosecond {
			return "nanoseconds round to 100 ns (time(7))"
		}
	}
	return ""
}

// column is a column of a SQL Server table as sys.columns describes it.
type column struct {
	Name      string
	Type      string // type name: int, nvarchar, datetime2, ...
	MaxLength int    // bytes (-1 for max)
	Precision int
	Scale     int
	Nullable  bool
	Identity  bool
	Computed  bool
	Collation string
}

// native renders the column's declared type, e.g. decimal(18,4).
func (c column) native() string {
	switch c.Type {
	case "decimal", "numeric":
		return fmt.Sprintf("%s(%d,%d)", c.Type, c.Precision, c.Scale)
	case "datetime2", "datetimeoffset", "time":
		return fmt.Sprintf("%s(%d)", c.Type, c.Scale)
	case "varchar", "char", "varbinary", "binary":
		if c.MaxLength < 0 {
			return c.Type + "(max)"
		}
		return fmt.Sprintf("%s(%d)", c.Type, c.MaxLength)
	case "nvarchar", "nchar":
		if c.MaxLength < 0 {
			return c.Type + "(max)"
		}
		return fmt.Sprintf("%s(%d)", c.Type, c.MaxLength/2)
	}
	return c.Type
}

// writable reports whether a load may write the column: computed,
// rowversion and timestamp columns are the server's.
func (c column) writable() bool {
	return !c.Computed && c.Type != "timestamp" && c.Type != "rowversion"
}

// arrowField maps a SQL Server column to an Arrow field; the native type
// travels in sdk.MetaNative. Types with no exact Arrow form are refused.
func (c column) arrowField() (arrow.Field, error) {
	meta := map[string]string{sdk.MetaNative: c.native()}
	var t arrow.DataType
	switch c.Type {
	case "bit":
		t = arrow.FixedWidthTypes.Boolean
	case "tinyint":
		t = arrow.PrimitiveTypes.Uint8
	case "smallint":
		t = arrow.PrimitiveTypes.Int16
	case "int":
		t = arrow.PrimitiveTypes.Int32
	case "bigint":
		t = arrow.PrimitiveTypes.Int64
	case "real":
		t = arrow.PrimitiveTypes.Float32
	case "float":
		t = arrow.PrimitiveTypes.Float64
	case "decimal", "numeric":
		t = &arrow.Decimal128Type{Precision: int32(c.Precision), Scale: int32(c.Scale)}
	case "money":
		t = &arrow.Decimal128Type{Precision: 19, Scale: 4}
	case "smallmoney":
		t = &arrow.Decimal128Type{Precision: 10, Scale: 4}
	case "char", "varchar", "nchar", "nvarchar", "text", "ntext", "xml", "sysname":
		t = arrow.BinaryTypes.String
		if strings.HasPrefix(c.Type, "n") && c.MaxLength > 0 {
			meta[sdk.MetaMaxLength] = strconv.Itoa(c.MaxLength / 2)
		} else if (c.Type == "varchar" || c.Type == "char") && c.MaxLength > 0 {
			meta[sdk.MetaMaxLength] = strconv.Itoa(c.MaxLength)
		}
	case "uniqueidentifier":
		t = arrow.BinaryTypes.String
		meta[sdk.MetaLogical] = sdk.LogicalUUID
	case "timestamp", "rowversion":
		// 8 bytes, big-endian, monotonic per database: read as bigint so it
		// can be an incremental cursor (selectSQL casts it).
		meta[sdk.MetaNative] = "rowversion"
		t = arrow.PrimitiveTypes.Int64
	case "binary", "varbinary", "image":
		t = arrow.BinaryTypes.Binary
	case "date":
		t = arrow.FixedWidthTypes.Date32
	case "time":
		// Arrow's time64 takes µs or ns only.
		u := arrow.Microsecond
		if c.Scale > 6 {
			u = arrow.Nanosecond
		}
		t = &arrow.Time64Type{Unit: u}
	case "datetime2":
		t = &arrow.TimestampType{Unit: timeUnit(c.Scale)}
	case "datetime":
		// 1/300 s ticks: 3.333… ms needs nanoseconds to stay exact.
		t = &arrow.TimestampType{Unit: arrow.Nanosecond}
	case "smalldatetime":
		t = &arrow.TimestampType{Unit: arrow.Second}
	case "datetimeoffset":
		t = &arrow.TimestampType{Unit: timeUnit(c.Scale), TimeZone: "UTC"}
	default:
		return arrow.Field{}, sdk.Errorf(sdk.CodeSchema, "mssql source: column %q has type %s, which dpone cannot read exactly: leave it out with columns: or cast it in a view", c.Name, c.Type)
	}
	return arrow.Field{Name: c.Name, Type: t, Nullable: c.Nullable, Metadata: arrow.MetadataFrom(meta)}, nil
}

// timeUnit is the Arrow unit that holds n fractional digits exactly.
func timeUnit(n int) arrow.TimeUnit {
	switch {
	case n == 0:
		return arrow.Second
	case n <= 3:
		return arrow.Millisecond
	case n <= 6:
		return arrow.Microsecond
	}
	return arrow.Nanosecond
}
