package file

import (
	"testing"
	"time"
)

func TestParseTypeName(t *testing.T) {
	ok := map[string]string{
		"int64": "int64", "INT32": "int32", "bool": "bool", "boolean": "bool", "float64": "float64",
		"decimal(18,4)": "decimal(18,4)", "decimal(18, 4)": "decimal(18,4)", "numeric(10)": "decimal(10,0)",
		"decimal(60,10)": "decimal(60,10)", "string": "string", "uuid": "uuid", "json": "json", "date": "date",
		"timestamp": "timestamp(6)", "timestamp(3)": "timestamp(3)", "timestamp(6, tz)": "timestamp(6, tz)",
		"timestamptz": "timestamp(6, tz)", "time(0)": "time(0)", "time": "time(6)", "uint16": "uint16", "binary": "binary",
	}
	for in, want := range ok {
		ct, err := parseTypeName(in)
		if err != nil {
			t.Errorf("parseTypeName(%q): %v", in, err)
			continue
		}
		if got := typeName(ct); got != want {
			t.Errorf("parseTypeName(%q): got %s, want %s", in, got, want)
		}
	}
	for _, bad := range []string{"money", "decimal(0,1)", "decimal(10,11)", "decimal(x)", "timestamp(4)", "timestamp(6, utc)", "time(6,tz)", ""} {
		if _, err := parseTypeName(bad); err == nil {
			t.Errorf("parseTypeName(%q): got no error, want one", bad)
		}
	}
}

func TestConvertValues(t *testing.T) {
	tests := []struct{ typ, in, want string }{
		{"decimal(5,2)", "-1.5", "-1.5"},
		{"decimal(38,2)", "123456789012345678901234567890.10", "123456789012345678901234567890.1"},
		{"decimal(60,0)", "-123456789012345678901234567890123456789012345", "-123456789012345678901234567890123456789012345"},
		{"decimal(5,2)", "1.500", "1.5"},
		{"timestamp(0)", "2024-01-02T03:04:05.999", "2024-01-02T03:04:05"},
		{"timestamp(9, tz)", "1969-12-31T23:59:59.123456789-01:00", "1970-01-01T00:59:59.123456789Z"},
		{"timestamp(6)", "2024-01-02", "2024-01-02T00:00:00"},
		{"time(6)", "13:14:15.5", "13:14:15.500000"},
		{"time(3)", "13:14:15.5", "13:14:15.500"},
		{"bool", "yes", "true"},
		{"uuid", "8C4A1F0E-1B2C-4D5E-8F90-A1B2C3D4E5F6", "8c4a1f0e-1b2c-4d5e-8f90-a1b2c3d4e5f6"},
		{"int8", "-128", "-128"},
		{"float32", "1.5", "1.5"},
	}
	for _, tt := range tests {
		ct, err := parseTypeName(tt.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, err := convertOne(ct, tt.in)
		if err != nil {
			t.Errorf("%s %q: %v", tt.typ, tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s %q: got %q, want %q", tt.typ, tt.in, got, tt.want)
		}
	}
	bad := []struct{ typ, in string }{
		{"decimal(5,2)", "1234.5"}, {"int8", "128"}, {"uint8", "-1"}, {"uuid", "nope"}, {"json", "{"},
		{"timestamp(6)", "2024-01-02T25:00:00"}, {"time(6)", "13:14"}, {"bool", "maybe"}, {"decimal(5,2)", "1e3"},
	}
	for _, tt := range bad {
		ct, _ := parseTypeName(tt.typ)
		if _, err := convertOne(ct, tt.in); err == nil {
			t.Errorf("%s %q: got no error, want one", tt.typ, tt.in)
		}
	}
}

func TestCivilDays(t *testing.T) {
	for _, d := range []string{"1970-01-01", "1969-12-31", "2000-02-29", "2024-12-31", "0001-01-01", "1900-03-01", "9999-12-31"} {
		c, ok := parseDate(d)
		if !ok {
			t.Fatalf("parseDate(%q) failed", d)
		}
		tm, _ := time.Parse("2006-01-02", d)
		if got, want := int64(c.days()), tm.Unix()/86400; got != want {
			t.Errorf("%s: got %d days, want %d", d, got, want)
		}
	}
}
