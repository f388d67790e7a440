package schema

import (
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
)

// Enforcement says what a contract violation does to a load.
type Enforcement string

// Values of schema_contract.enforcement.
const (
	// EnforceStrict (the default): the first violation fails the unit;
	// nothing is committed and state does not advance.
	EnforceStrict Enforcement = "strict"
	// EnforceQuarantine: good rows load; bad rows go to <table>__quarantine
	// (see Quarantine), committed with the load; state advances.
	EnforceQuarantine Enforcement = "quarantine"
	// EnforceWarn: every row loads; violations are only counted.
	EnforceWarn Enforcement = "warn"
)

// ContractPath is the manifest key a Contract is read from.
const ContractPath = "schema_contract"

var (
	enforcements    = []string{string(EnforceStrict), string(EnforceQuarantine), string(EnforceWarn)}
	contractKeys    = []string{"enforcement", "freeze", "columns"}
	columnRuleKeys  = []string{"type", "nullable", "unique", "accepted_values", "regex", "min", "max", "max_length"}
	defaultEnforced = EnforceStrict
)

// Contract is a parsed schema_contract. It is immutable after
// ParseContract and safe to share; per-load state lives in a Checker.
type Contract struct {
	Enforcement Enforcement
	// Freeze: the source's column set must equal Columns' names exactly.
	Freeze bool
	// Columns holds one rule set per contracted column, sorted by name.
	Columns []*ColumnRule
}

// ColumnRule is what schema_contract.columns.<name> declares. Zero
// values mean "not checked".
type ColumnRule struct {
	Name string
	// Type: the column's type must fit it (Fits): int32 satisfies int64.
	Type *catalog.LogicalType
	// Nullable, when set to false, makes NULL a NOT_NULL violation.
	Nullable *bool
	// Unique: no two non-NULL values within one load (across batches).
	Unique bool
	// AcceptedValues, as text ("1", "EUR", "true", "2024-01-31").
	AcceptedValues []string
	// Regex must match somewhere in the value (write ^...$ for all of it).
	Regex *regexp.Regexp
	// Min and Max bound numbers, decimals, dates, times and timestamps,
	// inclusive, as text; "" means unbounded.
	Min, Max string
	// MaxLength bounds strings (in characters) and binary (in bytes).
	MaxLength int64
}

// Column returns the rule for name, or nil.
func (c *Contract) Column(name string) *ColumnRule {
	i := slices.IndexFunc(c.Columns, func(r *ColumnRule) bool { return r.Name == name })
	if i < 0 {
		return nil
	}
	return c.Columns[i]
}

// ParseContract reads the value of schema_contract. nil means no contract
// (it returns nil, nil). Unknown keys and bad values are *ConfigError with
// the key's path and a "did you mean". Rules that do not apply to a
// declared type (regex on an int64 column, min that is not a number) are
// reported here; for undeclared types, NewChecker reports them.
func ParseContract(m map[string]any) (*Contract, error) {
	if m == nil {
		return nil, nil
	}
	if err := unknownKeys(ContractPath, m, contractKeys); err != nil {
		return nil, err
	}
	c := &Contract{Enforcement: defaultEnforced}
	if v, ok := m["enforcement"]; ok {
		s, err := enumValue(ContractPath+".enforcement", v, enforcements)
		if err != nil {
			return nil, err
		}
		c.Enforcement = Enforcement(s)
	}
	if v, ok := m["freeze"]; ok {
		b, ok := v.(bool)
		if !ok {
			return nil, configErr(ContractPath+".freeze", "want true or false, got %v (%T)", v, v)
		}
		c.Freeze = b
	}
	cols, ok := m["columns"].(map[string]any)
	if v, present := m["columns"]; present && v != nil && !ok {
		return nil, configErr(ContractPath+".columns", "want a mapping of column name to rules, got %T", v)
	}
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r, err := parseColumnRule(name, cols[name])
		if err != nil {
			return nil, err
		}
		c.Columns = append(c.Columns, r)
	}
	return c, nil
}

func parseColumnRule(name string, v any) (*ColumnRule, error) {
	path := ContractPath + ".columns." + name
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, configErr(path, "want a mapping of rules (%v), got %T", columnRuleKeys, v)
	}
	if err := unknownKeys(path, m, columnRuleKeys); err != nil {
		return nil, err
	}
	r := &ColumnRule{Name: name}
	if v, ok := m["type"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, configErr(path+".type", "want a type name such as int64 or decimal(18,4), got %v (%T)", v, v)
		}
		t, err := ParseType(s)
		if err != nil {
			return nil, configErr(path+".type", "%v", err)
		}
		r.Type = t
	}
	if v, ok := m["nullable"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, configErr(path+".nullable", "want true or false, got %v (%T)", v, v)
		}
		r.Nullable = &b
	}
	if v, ok := m["unique"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return nil, configErr(path+".unique", "want true or false, got %v (%T)", v, v)
		}
		r.Unique = b
	}
	if v, ok := m["accepted_values"]; ok {
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			return nil, configErr(path+".accepted_values", "want a non-empty list of values, got %v", v)
		}
		for _, x := range list {
			s, ok := scalarText(x)
			if !ok {
				return nil, configErr(path+".accepted_values", "%v (%T) is not a scalar value", x, x)
			}
			r.AcceptedValues = append(r.AcceptedValues, s)
		}
	}
	if v, ok := m["regex"]; ok {
		s, isStr := v.(string)
		if !isStr {
			return nil, configErr(path+".regex", "want a regular expression string, got %T", v)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, configErr(path+".regex", "%v", err)
		}
		r.Regex = re
	}
	for _, key := range []string{"min", "max"} {
		v, ok := m[key]
		if !ok {
			continue
		}
		s, isScalar := scalarText(v)
		if !isScalar || s == "" {
			return nil, configErr(path+"."+key, "want a number, date or timestamp, got %v (%T)", v, v)
		}
		if key == "min" {
			r.Min = s
		} else {
			r.Max = s
		}
	}
	if v, ok := m["max_length"]; ok {
		n, isInt := intValue(v)
		if !isInt || n <= 0 {
			return nil, configErr(path+".max_length", "want a positive integer, got %v", v)
		}
		r.MaxLength = n
	}
	if r.Type != nil {
		dt, md, err := v1convert.TypeToArrow(r.Type)
		if err != nil {
			return nil, configErr(path+".type", "%v", err)
		}
		if _, err := compileColumn(r, arrow.Field{Name: name, Type: dt, Nullable: true, Metadata: md}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// FreezeError: schema_contract.freeze is true and the source's columns
// are not exactly the contracted ones.
type FreezeError struct {
	// Extra columns are in the source but not in the contract.
	Extra []string
	// Missing columns are in the contract but not in the source.
	Missing []string
}

func (e *FreezeError) Error() string {
	msg := ContractPath + ".freeze: the source columns differ from the contract"
	if len(e.Extra) > 0 {
		msg += fmt.Sprintf("; not in the contract: %v", e.Extra)
	}
	if len(e.Missing) > 0 {
		msg += fmt.Sprintf("; missing from the source: %v", e.Missing)
	}
	return msg + "; update " + ContractPath + ".columns or set freeze: false"
}
