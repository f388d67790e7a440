package file

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

const eventsJSONL = `{"id": 1, "user": "alice", "score": 1.5, "ok": true, "day": "2024-01-02", "at": "2024-01-02T10:00:00Z", "meta": {"a": [1, 2.50]}, "tags": ["x"]}
{"id": 2, "user": "b\u00f6b \"q\"", "score": 2, "ok": false, "day": null, "at": "2024-01-02T11:00:00.123456+01:00", "meta": {}, "tags": []}

{"user": null, "id": 3, "extra": "later"}
`

func TestJSONLReadFull(t *testing.T) {
	root := writeFiles(t, map[string]string{"events.jsonl": eventsJSONL})
	rec := mustRead(t, root, "events", "")
	wantSchema := []string{"id int64", "user string", "score float64", "ok bool", "day date",
		"at timestamp(6, tz)", "meta string json", "tags string json", "extra string"}
	if diff := cmp.Diff(wantSchema, schemaText(rec.schema)); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	want := [][]string{
		{"1", "alice", "1.5", "true", "2024-01-02", "2024-01-02T10:00:00Z", `{"a": [1, 2.50]}`, `["x"]`, "NULL"},
		{"2", `böb "q"`, "2", "false", "NULL", "2024-01-02T10:00:00.123456Z", "{}", "[]", "NULL"},
		{"3", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "later"},
	}
	if diff := cmp.Diff(want, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestJSONLInference(t *testing.T) {
	tests := []struct {
		name  string
		lines string
		want  string
	}{
		{"int", `{"v": 1}` + "\n" + `{"v": -2}`, "int64"},
		{"float", `{"v": 1}` + "\n" + `{"v": 2.5e1}`, "float64"},
		{"quoted number stays string", `{"v": "12"}`, "string"},
		{"bool", `{"v": true}`, "bool"},
		{"timestamp", `{"v": "2024-01-02 03:04:05"}`, "timestamp(6)"},
		{"object", `{"v": {"x": 1}}`, "string json"},
		{"object and string", `{"v": "a"}` + "\n" + `{"v": [1]}`, "string json"},
		{"string and number", `{"v": "a"}` + "\n" + `{"v": 1}`, "string"},
		{"null", `{"v": null}`, "string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeFiles(t, map[string]string{"t.jsonl": tt.lines + "\n"})
			rec := mustRead(t, root, "t", "")
			if got := schemaText(rec.schema)[0]; got != "v "+tt.want {
				t.Errorf("got %q, want %q", got, "v "+tt.want)
			}
		})
	}
}

func TestJSONLOverrides(t *testing.T) {
	root := writeFiles(t, map[string]string{"p.ndjson": `{"id": "7", "price": 12.30, "n": 1}` + "\n" + `{"id": "8", "price": "0.1", "late": "2024-01-01"}` + "\n"})
	rec := mustRead(t, root, "p", `{"sample_rows": 1, "columns": {"id": "int64", "price": "decimal(10,2)", "late": "date", "n": "json"}}`)
	if diff := cmp.Diff([]string{"id int64", "price decimal(10,2)", "n string json", "late date"}, schemaText(rec.schema)); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"7", "12.3", "1", "NULL"}, {"8", "0.1", "NULL", "2024-01-01"}}, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestJSONLBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		options string
		code    sdk.Code
		parts   []string
	}{
		{"not an object", `{"a": 1}` + "\n" + `[1]` + "\n", "", sdk.CodeData, []string{"e.jsonl:2: not a JSON object"}},
		{"truncated", `{"a": 1}` + "\n" + `{"a": 2` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{"e.jsonl:2: invalid JSON"}},
		{"bad literal", `{"a": 1}` + "\n" + `{"a": tru}` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{"e.jsonl:2: invalid JSON value \"tru\""}},
		{"bad value", `{"a": 1}` + "\n" + `{"a": "x"}` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{`e.jsonl:2: column "a": "x" is not an int64`}},
		// latin1 bytes in a string: the file and line, not a failure at the sink.
		{"invalid utf-8", `{"a": "ok"}` + "\n" + `{"a": "caf` + "\xe9" + `"}` + "\n", "", sdk.CodeData,
			[]string{`e.jsonl:2: column "a": invalid UTF-8 (byte 0xe9 at byte 4 of the value)`, "iconv"}},
		{"object into int", `{"a": 1}` + "\n" + `{"a": {}}` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{`e.jsonl:2: column "a": an object is not an int64`}},
		{"new key", `{"a": 1}` + "\n" + `{"a": 1, "b": 2}` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{`e.jsonl:2: key "b" is not in the stream's columns (a)`}},
		{"duplicate key", `{"a": 1, "a": 2}` + "\n", "", sdk.CodeData, []string{`e.jsonl:1: key "a" appears twice`}},
		{"invalid nested", `{"a": {"x": 1}}` + "\n" + `{"a": {"x": ]}}` + "\n", `{"sample_rows": 1}`, sdk.CodeData, []string{`e.jsonl:2: column "a": invalid JSON`}},
		{"no keys", `{}` + "\n", "", sdk.CodeSchema, []string{"e.jsonl: no JSON object with keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeFiles(t, map[string]string{"e.jsonl": tt.content})
			_, err := read(t, root, "e", tt.options)
			wantError(t, err, tt.code, tt.parts...)
		})
	}
}
