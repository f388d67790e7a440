package postgres

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// Arrow field metadata keys and values (the same as proto/logical's, which
// plugins do not import).
const (
	metaLogical   = "dpone.logical"
	metaNative    = "dpone.native"
	metaMaxLength = "dpone.max_length"
	logicalUUID   = "uuid"
	logicalJSON   = "json"
)

// kind is how a column's binary COPY value is decoded or encoded.
type kind int

const (
	kText kind = iota + 1 // text, varchar, char, name, and anything cast ::text
	kBool
	kInt2
	kInt4
	kInt8
	kFloat4
	kFloat8
	kNumeric // numeric(p,s) with p <= 38 -> decimal128(p,s)
	kBytea
	kDate
	kTime
	kTimestamp
	kTimestamptz
	kInterval
	kUUID
	kJSON
	kJSONB
	kList // one-dimensional array of a scalar kind
)

// Built-in type OIDs (pg_type.oid, stable across versions).
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidDate        = 1082
	oidTime        = 1083
	oidTimestamp   = 1114
	oidTimestamptz = 1184
	oidInterval    = 1186
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
)

var scalarKinds = map[uint32]kind{
	oidBool: kBool, oidBytea: kBytea, oidName: kText, oidInt8: kInt8, oidInt2: kInt2, oidInt4: kInt4,
	oidText: kText, oidJSON: kJSON, oidFloat4: kFloat4, oidFloat8: kFloat8, oidBpchar: kText,
	oidVarchar: kText, oidDate: kDate, oidTime: kTime, oidTimestamp: kTimestamp,
	oidTimestamptz: kTimestamptz, oidInterval: kInterval, oidNumeric: kNumeric, oidUUID: kUUID,
	oidJSONB: kJSONB,
}

// oidOf is the element OID the encoder writes in array headers.
var oidOf = map[kind]uint32{
	kText: oidText, kBool: oidBool, kInt2: oidInt2, kInt4: oidInt4, kInt8: oidInt8, kFloat4: oidFloat4,
	kFloat8: oidFloat8, kNumeric: oidNumeric, kBytea: oidBytea, kDate: oidDate, kTime: oidTime,
	kTimestamp: oidTimestamp, kTimestamptz: oidTimestamptz, kInterval: oidInterval, kUUID: oidUUID,
	kJSON: oidJSON, kJSONB: oidJSONB,
}

// pgColumn is a column as the catalog (or a prepared statement) describes it.
type pgColumn struct {
	Name    string
	OID     uint32
	Typmod  int32
	Native  string // format_type(oid, typmod)
	NotNull bool
	// ElemOID is pg_type.typelem for arrays (typcategory 'A'), else 0.
	ElemOID uint32
}

// colPlan is how one column is read: the SELECT expression and the decoder.
type colPlan struct {
	name  string
	expr  string
	field arrow.Field
	kind  kind
	elem  kind  // element kind of kList
	scale int32 // of kNumeric (or its list element)
}

// planColumn maps a PostgreSQL column to its Arrow field and decoder. Types
// without a native decoder are cast to text (arrays of them to text[]) in
// the COPY query; dpone.native keeps the original type name.
func planColumn(c pgColumn) colPlan {
	p := colPlan{name: c.Name, expr: ident(c.Name)}
	md := map[string]string{metaNative: c.Native}
	k, ok := scalarKinds[c.OID]
	if ok && k == kNumeric {
		if _, _, fits := numericTypmod(c.Typmod); !fits {
			ok = false
		}
	}
	switch {
	case ok:
		p.kind = k
		dt := scalarArrow(k, c.Typmod, md)
		if k == kNumeric {
			_, p.scale, _ = numericTypmod(c.Typmod)
		}
		p.field = arrow.Field{Name: c.Name, Type: dt, Nullable: !c.NotNull, Metadata: arrow.MetadataFrom(md)}
	case c.ElemOID != 0:
		ek, eok := scalarKinds[c.ElemOID]
		if eok && ek == kNumeric {
			if _, _, fits := numericTypmod(c.Typmod); !fits {
				eok = false
			}
		}
		if !eok {
			ek = kText
			p.expr += "::text[]"
		}
		p.kind, p.elem = kList, ek
		if ek == kNumeric {
			_, p.scale, _ = numericTypmod(c.Typmod)
		}
		emd := map[string]string{}
		edt := scalarArrow(ek, c.Typmod, emd)
		delete(emd, metaMaxLength)
		item := arrow.Field{Name: "item", Type: edt, Nullable: true}
		if len(emd) > 0 {
			item.Metadata = arrow.MetadataFrom(emd)
		}
		p.field = arrow.Field{Name: c.Name, Type: arrow.ListOfField(item), Nullable: !c.NotNull, Metadata: arrow.MetadataFrom(md)}
	default:
		p.kind = kText
		p.expr += "::text"
		p.field = arrow.Field{Name: c.Name, Type: arrow.BinaryTypes.String, Nullable: !c.NotNull, Metadata: arrow.MetadataFrom(md)}
	}
	return p
}

// scalarArrow is the Arrow type of a scalar kind; it adds logical and
// max_length metadata to md.
func scalarArrow(k kind, typmod int32, md map[string]string) arrow.DataType {
	switch k {
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kInt2:
		return arrow.PrimitiveTypes.Int16
	case kInt4:
		return arrow.PrimitiveTypes.Int32
	case kInt8:
		return arrow.PrimitiveTypes.Int64
	case kFloat4:
		return arrow.PrimitiveTypes.Float32
	case kFloat8:
		return arrow.PrimitiveTypes.Float64
	case kNumeric:
		p, s, _ := numericTypmod(typmod)
		return &arrow.Decimal128Type{Precision: p, Scale: s}
	case kBytea:
		return arrow.BinaryTypes.Binary
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTime:
		return arrow.FixedWidthTypes.Time64us
	case kTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kTimestamptz:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case kUUID:
		md[metaLogical] = logicalUUID
	case kJSON, kJSONB:
		md[metaLogical] = logicalJSON
	case kText:
		if typmod > 4 {
			md[metaMaxLength] = strconv.Itoa(int(typmod - 4))
		}
	}
	return arrow.BinaryTypes.String
}

// numericTypmod decodes numeric(p,s); fits is false when the column has no
// typmod, a precision above 38 or a negative scale (read as text then).
func numericTypmod(typmod int32) (p, s int32, fits bool) {
	if typmod < 4 {
		return 0, 0, false
	}
	t := typmod - 4
	p, s = (t>>16)&0xffff, t&0x7ff
	if s > 0x3ff { // negative scale (PostgreSQL 15+), sign-extended 11 bits
		return p, s - 0x800, false
	}
	return p, s, p >= 1 && p <= 38
}

// ddlType renders the PostgreSQL column type for an Arrow field (sink side).
func ddlType(f arrow.Field) (string, error) {
	logical, _ := f.Metadata.GetValue(metaLogical)
	native, _ := f.Metadata.GetValue(metaNative)
	switch t := f.Type.(type) {
	case *arrow.BooleanType:
		return "boolean", nil
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Uint8Type:
		return "smallint", nil
	case *arrow.Int32Type, *arrow.Uint16Type:
		return "integer", nil
	case *arrow.Int64Type, *arrow.Uint32Type:
		return "bigint", nil
	case *arrow.Uint64Type:
		return "numeric(20,0)", nil
	case *arrow.Float32Type:
		return "real", nil
	case *arrow.Float64Type:
		return "double precision", nil
	case *arrow.Decimal128Type:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType:
		switch logical {
		case logicalUUID:
			return "uuid", nil
		case logicalJSON:
			if native == "jsonb" || native == "JSONB" {
				return "jsonb", nil
			}
			return "json", nil
		}
		if ml, ok := f.Metadata.GetValue(metaMaxLength); ok {
			if n, err := strconv.Atoi(ml); err == nil && n > 0 && n <= 10485760 {
				return fmt.Sprintf("varchar(%d)", n), nil
			}
		}
		return "text", nil
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return "bytea", nil
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date", nil
	case *arrow.Time32Type:
		if t.Unit == arrow.Second {
			return "time(0)", nil
		}
		return "time(3)", nil
	case *arrow.Time64Type:
		return "time", nil
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "timestamptz", nil
		}
		return "timestamp", nil
	case *arrow.MonthDayNanoIntervalType, *arrow.DurationType:
		return "interval", nil
	case *arrow.ListType:
		elem, err := ddlType(t.ElemField())
		if err != nil {
			return "", err
		}
		if _, nested := t.Elem().(*arrow.ListType); nested {
			return "", sdk.Errorf(sdk.CodeSchema, "column %q: nested lists are not supported by postgres", f.Name)
		}
		return elem + "[]", nil
	}
	return "", sdk.Errorf(sdk.CodeSchema, "column %q: arrow type %s has no postgres mapping", f.Name, f.Type)
}
