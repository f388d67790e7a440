package schema

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseContract(t *testing.T) {
	c, err := ParseContract(map[string]any{
		"enforcement": "quarantine",
		"freeze":      true,
		"columns": map[string]any{
			"status": map[string]any{"type": "string", "accepted_values": []any{"new", "paid"}, "regex": "^[a-z]+$", "max_length": 10},
			"amount": map[string]any{"type": "decimal(18,4)", "nullable": false, "min": 0, "max": 1000.5},
			"id":     map[string]any{"unique": true, "nullable": false},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := false
	want := &Contract{Enforcement: EnforceQuarantine, Freeze: true, Columns: []*ColumnRule{
		{Name: "amount", Type: ty(t, "decimal(18,4)"), Nullable: &f, Min: "0", Max: "1000.5"},
		{Name: "id", Nullable: &f, Unique: true},
		{Name: "status", Type: ty(t, "string"), AcceptedValues: []string{"new", "paid"}, Regex: c.Column("status").Regex, MaxLength: 10},
	}}
	if d := cmp.Diff(want, c, cmpProto); d != "" {
		t.Errorf("ParseContract (-want +got):\n%s", d)
	}
	if c.Column("status").Regex.String() != "^[a-z]+$" {
		t.Errorf("regex = %v, want ^[a-z]+$", c.Column("status").Regex)
	}
	if got, _ := ParseContract(map[string]any{}); got.Enforcement != EnforceStrict {
		t.Errorf("default enforcement = %q, want strict", got.Enforcement)
	}
	if got, err := ParseContract(nil); got != nil || err != nil {
		t.Errorf("ParseContract(nil) = %v, %v; want nil, nil", got, err)
	}
}

func TestParseContractErrors(t *testing.T) {
	col := func(rule map[string]any) map[string]any {
		return map[string]any{"columns": map[string]any{"qty": rule}}
	}
	tests := []struct {
		name string
		in   map[string]any
		want string
	}{
		{"unknown key", map[string]any{"enforcment": "warn"},
			`schema_contract: unknown key "enforcment" (did you mean "enforcement"?)`},
		{"unknown enforcement", map[string]any{"enforcement": "quarantined"},
			`schema_contract.enforcement: "quarantined" is not allowed (did you mean "quarantine"?)`},
		{"freeze not bool", map[string]any{"freeze": "yes"},
			`schema_contract.freeze: want true or false, got yes (string)`},
		{"columns not a map", map[string]any{"columns": []any{"a"}},
			`schema_contract.columns: want a mapping of column name to rules, got []interface {}`},
		{"unknown rule", col(map[string]any{"nulable": false}),
			`schema_contract.columns.qty: unknown key "nulable" (did you mean "nullable"?)`},
		{"unknown rule far off", col(map[string]any{"zzz": 1}),
			`schema_contract.columns.qty: unknown key "zzz" (valid: accepted_values, max, max_length, min, nullable, regex, type, unique)`},
		{"bad type", col(map[string]any{"type": "int46"}),
			`schema_contract.columns.qty.type: type "int46" is not a logical type (did you mean "int16"?)`},
		{"bad regex", col(map[string]any{"regex": "("}),
			"schema_contract.columns.qty.regex: error parsing regexp: missing closing ): `(`"},
		{"bad max_length", col(map[string]any{"max_length": -1}),
			`schema_contract.columns.qty.max_length: want a positive integer, got -1`},
		{"empty accepted_values", col(map[string]any{"accepted_values": []any{}}),
			`schema_contract.columns.qty.accepted_values: want a non-empty list of values, got []`},
		{"nested accepted value", col(map[string]any{"accepted_values": []any{map[string]any{}}}),
			`schema_contract.columns.qty.accepted_values: map[] (map[string]interface {}) is not a scalar value`},
		{"min not a number for declared int", col(map[string]any{"type": "int64", "min": "ten"}),
			`schema_contract.columns.qty.min: "ten" is not an integer`},
		{"regex on declared int", col(map[string]any{"type": "int64", "regex": "^1"}),
			`schema_contract.columns.qty.regex: applies to string columns; column qty is int64`},
		{"max_length on declared int", col(map[string]any{"type": "int32", "max_length": 3}),
			`schema_contract.columns.qty.max_length: applies to string and binary columns; column qty is int32`},
		{"min on string", col(map[string]any{"type": "string", "min": 1}),
			`schema_contract.columns.qty.min: applies to numbers, decimals, dates, times and timestamps; column qty is utf8`},
		{"bad date bound", col(map[string]any{"type": "date", "max": "31/01/2024"}),
			`schema_contract.columns.qty.max: "31/01/2024" is not a date or timestamp (write 2024-01-31 or 2024-01-31T12:00:00Z)`},
		{"bad accepted decimal", col(map[string]any{"type": "decimal(10,2)", "accepted_values": []any{"x"}}),
			`schema_contract.columns.qty.accepted_values: "x" is not a decimal that fits 38 digits with scale 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseContract(tt.in)
			if err == nil {
				t.Fatalf("got nil error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("got %q, want %q", err.Error(), tt.want)
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("errors.Is(err, ErrConfig) = false, want true")
			}
		})
	}
}
