package postgres

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Arrow field metadata keys and values (the same as proto/logical's, which
// plugins do not import).
const (
	metaLogical   = "dpone.logical"
	metaNative    = "dpone.native"
	metaMaxLength = "dpone.max_length"
	logicalUUID   = "uuid"
	logicalJSON   = "json"

	metaFixedLength    = "dpone.fixed_length"
	metaJSONBinary     = "dpone.json_binary"
	metaDecimalText    = "dpone.decimal_text"
	metaTextForm       = "dpone.text_form"
	metaFractionDigits = "dpone.fraction_digits"
	metaPrimaryKey     = "dpone.primary_key"
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
	// KeyPos is the 1-based position in the table's primary key, else 0.
	KeyPos int
}

// planColumns plans every column of a read. Key positions are kept only
// when the whole primary key is among cols: part of a key is no key.
func planColumns(cols []pgColumn) []colPlan {
	n, seen := 0, map[int]bool{}
	for _, c := range cols {
		if c.KeyPos > 0 {
			n = max(n, c.KeyPos)
			seen[c.KeyPos] = true
		}
	}
	whole := len(seen) == n
	out := make([]colPlan, len(cols))
	for i, c := range cols {
		if !whole {
			c.KeyPos = 0
		}
		out[i] = planColumn(c)
	}
	return out
}

// setKeyPositions numbers the columns of a relation that are in its
// primary key.
func (r *relation) setKeyPositions() {
	for i := range r.Columns {
		r.Columns[i].KeyPos = slices.Index(r.PK, r.Columns[i].Name) + 1
	}
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
	if c.KeyPos > 0 {
		md[metaPrimaryKey] = strconv.Itoa(c.KeyPos)
	}
	k, ok := scalarKinds[c.OID]
	if ok && k == kNumeric {
		if _, _, fits := numericTypmod(c.Typmod); !fits {
			ok = false
			md[metaDecimalText] = decimalText(c.Typmod)
		}
	}
	if ok && c.OID == oidBpchar && c.Typmod > 4 {
		md[metaFixedLength] = "true"
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
		emd := map[string]string{}
		if !eok {
			if scalarKinds[c.ElemOID] == kNumeric {
				emd[metaDecimalText] = decimalText(c.Typmod)
			} else {
				emd[metaTextForm] = "true"
			}
			ek = kText
			p.expr += "::text[]"
		} else if c.ElemOID == oidBpchar && c.Typmod > 4 {
			emd[metaFixedLength] = "true"
		}
		p.kind, p.elem = kList, ek
		if ek == kNumeric {
			_, p.scale, _ = numericTypmod(c.Typmod)
		}
		tm := c.Typmod // an array's typmod is its element's
		if !eok {
			tm = -1
		}
		edt := scalarArrow(ek, tm, emd)
		item := arrow.Field{Name: "item", Type: edt, Nullable: true}
		if len(emd) > 0 {
			item.Metadata = arrow.MetadataFrom(emd)
		}
		p.field = arrow.Field{Name: c.Name, Type: arrow.ListOfField(item), Nullable: !c.NotNull, Metadata: arrow.MetadataFrom(md)}
	default:
		p.kind = kText
		p.expr += "::text"
		if _, dec := md[metaDecimalText]; !dec {
			md[metaTextForm] = "true"
		}
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
		setFractionDigits(md, typmod)
		return arrow.FixedWidthTypes.Time64us
	case kTimestamp:
		setFractionDigits(md, typmod)
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case kTimestamptz:
		setFractionDigits(md, typmod)
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case kInterval:
		// PostgreSQL intervals hold microseconds at most: say so, so no
		// sink warns of nanoseconds this source cannot produce.
		digits := 6
		if p := int(typmod & 0xffff); typmod >= 0 && p < 6 {
			digits = p
		}
		md[metaFractionDigits] = strconv.Itoa(digits)
		return arrow.FixedWidthTypes.MonthDayNanoInterval
	case kUUID:
		md[metaLogical] = logicalUUID
	case kJSON:
		md[metaLogical] = logicalJSON
	case kJSONB:
		md[metaLogical] = logicalJSON
		md[metaJSONBinary] = "true"
	case kText:
		if typmod > 4 {
			md[metaMaxLength] = strconv.Itoa(int(typmod - 4))
		}
	}
	return arrow.BinaryTypes.String
}

// setFractionDigits records a declared time/timestamp precision below
// microseconds (timestamp(3)); the default (-1) is 6, the Arrow unit.
func setFractionDigits(md map[string]string, typmod int32) {
	if typmod >= 0 && typmod < 6 {
		md[metaFractionDigits] = strconv.Itoa(int(typmod))
	}
}

// decimalText is the dpone.decimal_text value of a numeric read as text:
// its declared "p,s", or "0,0" when unconstrained.
func decimalText(typmod int32) string {
	p, s, _ := numericTypmod(typmod)
	if typmod < 4 || p < 1 {
		return "0,0"
	}
	return fmt.Sprintf("%d,%d", p, s)
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
