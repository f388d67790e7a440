package schema

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// column is one contracted column compiled against the source schema.
type column struct {
	name    string
	rule    *ColumnRule
	field   arrow.Field
	idx     int    // index in the record; -1 when the source lacks it
	typeErr string // set when the column's type breaks the contract
	notNull bool
	rules   []valueRule
	unique  uniqueSet
}

// compileColumn builds the checks of rule r for a column of field f's
// type. Rules that cannot apply to the type are *ConfigError.
func compileColumn(r *ColumnRule, f arrow.Field) (*column, error) {
	c := &column{name: r.Name, rule: r, field: f, notNull: r.Nullable != nil && !*r.Nullable}
	if r.Type != nil {
		lt, err := v1convert.FieldFromArrow(f)
		if err != nil || !Fits(lt.GetType(), r.Type) {
			actual := f.Type.String()
			if err == nil {
				actual = TypeName(lt.GetType())
			}
			// A column of the wrong type fails TYPE for every row; its
			// value rules were written for the declared type: skip them.
			c.typeErr = fmt.Sprintf("column %q is %s, the contract wants %s", r.Name, actual, TypeName(r.Type))
			return c, nil
		}
	}
	vr, err := valueRuleFor(r, f.Type)
	if err != nil {
		return nil, err
	}
	if vr != nil {
		c.rules = append(c.rules, vr)
	}
	if r.Unique {
		if c.unique = newUniqueSet(f.Type); c.unique == nil {
			return nil, configErr(ContractPath+".columns."+r.Name+".unique", "cannot compare values of type %s", f.Type)
		}
	}
	return c, nil
}

// valueRuleFor type-switches once on the Arrow type and returns the typed
// checks for accepted_values, regex, min/max and max_length (nil when the
// rule sets none of them).
func valueRuleFor(r *ColumnRule, dt arrow.DataType) (valueRule, error) {
	if len(r.AcceptedValues) == 0 && r.Regex == nil && r.Min == "" && r.Max == "" && r.MaxLength == 0 {
		return nil, nil
	}
	id := dt.ID()
	if err := applicable(r, dt); err != nil {
		return nil, err
	}
	switch id {
	case arrow.INT8:
		return newIntRule(r, func(a arrow.Array) []int8 { return a.(*array.Int8).Int8Values() }, intParser(dt))
	case arrow.INT16:
		return newIntRule(r, func(a arrow.Array) []int16 { return a.(*array.Int16).Int16Values() }, intParser(dt))
	case arrow.INT32:
		return newIntRule(r, func(a arrow.Array) []int32 { return a.(*array.Int32).Int32Values() }, intParser(dt))
	case arrow.INT64:
		return newIntRule(r, func(a arrow.Array) []int64 { return a.(*array.Int64).Int64Values() }, intParser(dt))
	case arrow.DATE32:
		return newIntRule(r, func(a arrow.Array) []arrow.Date32 { return a.(*array.Date32).Date32Values() }, intParser(dt))
	case arrow.DATE64:
		return newIntRule(r, func(a arrow.Array) []arrow.Date64 { return a.(*array.Date64).Date64Values() }, intParser(dt))
	case arrow.TIME32:
		return newIntRule(r, func(a arrow.Array) []arrow.Time32 { return a.(*array.Time32).Time32Values() }, intParser(dt))
	case arrow.TIME64:
		return newIntRule(r, func(a arrow.Array) []arrow.Time64 { return a.(*array.Time64).Time64Values() }, intParser(dt))
	case arrow.TIMESTAMP:
		return newIntRule(r, func(a arrow.Array) []arrow.Timestamp { return a.(*array.Timestamp).TimestampValues() }, intParser(dt))
	case arrow.UINT8:
		return newUintRule(r, func(a arrow.Array) []uint8 { return a.(*array.Uint8).Uint8Values() })
	case arrow.UINT16:
		return newUintRule(r, func(a arrow.Array) []uint16 { return a.(*array.Uint16).Uint16Values() })
	case arrow.UINT32:
		return newUintRule(r, func(a arrow.Array) []uint32 { return a.(*array.Uint32).Uint32Values() })
	case arrow.UINT64:
		return newUintRule(r, func(a arrow.Array) []uint64 { return a.(*array.Uint64).Uint64Values() })
	case arrow.FLOAT32:
		return newFloatRule(r, func(a arrow.Array) []float32 { return a.(*array.Float32).Float32Values() })
	case arrow.FLOAT64:
		return newFloatRule(r, func(a arrow.Array) []float64 { return a.(*array.Float64).Float64Values() })
	case arrow.DECIMAL128:
		parse := parseDecimal128(dt.(*arrow.Decimal128Type).Scale)
		set, err := parseSet(r, parse)
		if err != nil {
			return nil, err
		}
		lo, hi, hasLo, hasHi, err := parseBounds(r, parse)
		return &decimal128Rule{accepted: set, lo: lo, hi: hi, hasMin: hasLo, hasMax: hasHi}, err
	case arrow.DECIMAL256:
		parse := parseDecimal256(dt.(*arrow.Decimal256Type).Scale)
		set, err := parseSet(r, parse)
		if err != nil {
			return nil, err
		}
		lo, hi, hasLo, hasHi, err := parseBounds(r, parse)
		return &decimal256Rule{accepted: set, lo: lo, hi: hi, hasMin: hasLo, hasMax: hasHi}, err
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return newStringRule(r), nil
	case arrow.BINARY:
		return &binaryRule[*array.Binary]{maxLen: int(r.MaxLength)}, nil
	case arrow.LARGE_BINARY:
		return &binaryRule[*array.LargeBinary]{maxLen: int(r.MaxLength)}, nil
	case arrow.BINARY_VIEW:
		return &binaryRule[*array.BinaryView]{maxLen: int(r.MaxLength)}, nil
	case arrow.FIXED_SIZE_BINARY:
		return &fixedBinaryRule{width: dt.(*arrow.FixedSizeBinaryType).ByteWidth, maxLen: int(r.MaxLength)}, nil
	case arrow.BOOL:
		return newBoolRule(r)
	}
	return nil, fmt.Errorf("unreachable: %s passed applicable", dt)
}

// ruleKinds: which Arrow type IDs each rule applies to.
var (
	textIDs   = []arrow.Type{arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW}
	binaryIDs = []arrow.Type{arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY}
	rangeIDs  = []arrow.Type{arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.UINT32, arrow.UINT64, arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256,
		arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64, arrow.TIMESTAMP}
	acceptIDs = slices.Concat([]arrow.Type{arrow.BOOL}, textIDs, rangeIDs)
)

// applicable rejects a rule the column's type cannot have.
func applicable(r *ColumnRule, dt arrow.DataType) error {
	id := dt.ID()
	check := func(key string, set bool, ids []arrow.Type, what string) error {
		if set && !hasID(ids, id) {
			return configErr(ContractPath+".columns."+r.Name+"."+key, "applies to %s; column %s is %s", what, r.Name, dt)
		}
		return nil
	}
	return firstErr(
		check("accepted_values", len(r.AcceptedValues) > 0, acceptIDs, "strings, booleans, numbers, dates and timestamps"),
		check("regex", r.Regex != nil, textIDs, "string columns"),
		check("min", r.Min != "", rangeIDs, "numbers, decimals, dates, times and timestamps"),
		check("max", r.Max != "", rangeIDs, "numbers, decimals, dates, times and timestamps"),
		check("max_length", r.MaxLength > 0, slices.Concat(textIDs, binaryIDs), "string and binary columns"),
	)
}

func hasID(ids []arrow.Type, id arrow.Type) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

var (
	_ valueRule = (*decimal128Rule)(nil)
	_ valueRule = (*decimal256Rule)(nil)
)
