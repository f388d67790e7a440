package catalog

// Kind is the kind of a logical type.
type Kind int

// Kinds of logical types.
const (
	KindUnspecified Kind = iota
	KindBool
	KindInt8
	KindInt16
	KindInt32
	KindInt64
	KindUint8
	KindUint16
	KindUint32
	KindUint64
	KindFloat32
	KindFloat64
	KindDecimal
	KindString
	KindBinary
	KindDate
	KindTime
	KindTimestamp
	KindInterval
	KindUUID
	KindJSON
	KindList
	KindStruct
	KindMap
)

var kindNames = [...]string{
	KindBool: "bool", KindInt8: "int8", KindInt16: "int16", KindInt32: "int32", KindInt64: "int64",
	KindUint8: "uint8", KindUint16: "uint16", KindUint32: "uint32", KindUint64: "uint64",
	KindFloat32: "float32", KindFloat64: "float64", KindDecimal: "decimal",
	KindString: "string", KindBinary: "binary", KindDate: "date", KindTime: "time",
	KindTimestamp: "timestamp", KindInterval: "interval", KindUUID: "uuid", KindJSON: "json",
	KindList: "list", KindStruct: "struct", KindMap: "map",
}

// String is the short lowercase name of a kind (int64, uuid, ...), or
// "unknown".
func (k Kind) String() string {
	if k <= KindUnspecified || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// LogicalType is dpone's type model, shared by every connector.
type LogicalType struct {
	Kind Kind
	// Decimal: precision and scale. Timestamp/Time: precision is the
	// fractional digits of the Arrow unit (0, 3, 6, 9).
	Precision int32
	Scale     int32
	// Timestamp: the value is an instant (timestamptz).
	WithTimeZone bool
	// String/Binary: declared maximum length, 0 when unbounded.
	MaxLength int64
	// List element, map value.
	Element *LogicalType
	// Map key.
	Key *LogicalType
	// Struct fields.
	Fields []*Field
	// The source's own type name, informational (e.g. "numeric(18,4)").
	Native string
	// String/Binary: blank-padded to exactly MaxLength (SQL char(n)).
	FixedLength bool
	// JSON: stored parsed (PostgreSQL jsonb).
	JSONBinary bool
	// String: exact decimal text of a numeric(Precision,Scale) Arrow's
	// decimals cannot hold.
	DecimalText bool
	// String: the text form of a source type with no logical type; Native
	// names it.
	TextForm bool
	// Time/Timestamp/Interval: fractional second digits the source type
	// holds; nil when Precision says it.
	FractionDigits *int32
}

// GetKind returns t's kind, KindUnspecified for nil.
func (t *LogicalType) GetKind() Kind {
	if t == nil {
		return KindUnspecified
	}
	return t.Kind
}

// GetPrecision returns t's precision, 0 for nil.
func (t *LogicalType) GetPrecision() int32 {
	if t == nil {
		return 0
	}
	return t.Precision
}

// GetScale returns t's scale, 0 for nil.
func (t *LogicalType) GetScale() int32 {
	if t == nil {
		return 0
	}
	return t.Scale
}

// GetWithTimeZone reports whether t is an instant, false for nil.
func (t *LogicalType) GetWithTimeZone() bool { return t != nil && t.WithTimeZone }

// GetMaxLength returns t's declared length, 0 for nil.
func (t *LogicalType) GetMaxLength() int64 {
	if t == nil {
		return 0
	}
	return t.MaxLength
}

// GetElement returns t's element type, nil for nil.
func (t *LogicalType) GetElement() *LogicalType {
	if t == nil {
		return nil
	}
	return t.Element
}

// GetKey returns t's map key type, nil for nil.
func (t *LogicalType) GetKey() *LogicalType {
	if t == nil {
		return nil
	}
	return t.Key
}

// GetFields returns t's struct fields, nil for nil.
func (t *LogicalType) GetFields() []*Field {
	if t == nil {
		return nil
	}
	return t.Fields
}

// GetNative returns the source's type name, "" for nil.
func (t *LogicalType) GetNative() string {
	if t == nil {
		return ""
	}
	return t.Native
}

// Field is one column of a schema.
type Field struct {
	Name     string
	Type     *LogicalType
	Nullable bool
	// 1-based position in the source's primary key; 0 when not part of it.
	PrimaryKeyPosition int32
}

// GetName returns f's name, "" for nil.
func (f *Field) GetName() string {
	if f == nil {
		return ""
	}
	return f.Name
}

// GetType returns f's type, nil for nil.
func (f *Field) GetType() *LogicalType {
	if f == nil {
		return nil
	}
	return f.Type
}

// GetNullable reports whether f may hold NULL, false for nil.
func (f *Field) GetNullable() bool { return f != nil && f.Nullable }

// GetPrimaryKeyPosition returns f's position in the primary key, 0 for nil.
func (f *Field) GetPrimaryKeyPosition() int32 {
	if f == nil {
		return 0
	}
	return f.PrimaryKeyPosition
}

// Schema is the columns of a stream, a load or a table, with the Arrow IPC
// schema message for exactly these fields when a peer sent one.
type Schema struct {
	Fields []*Field
	Arrow  []byte
}

// GetFields returns s's fields, nil for nil.
func (s *Schema) GetFields() []*Field {
	if s == nil {
		return nil
	}
	return s.Fields
}
