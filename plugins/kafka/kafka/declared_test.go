package kafka

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestReadDeclaredJSONSchema: declared columns replace inference: their
// types (decimal, timestamp, date, json) hold from the first message on,
// undeclared fields are skipped, a value that does not parse as its
// declared type is a poison row.
func TestReadDeclaredJSONSchema(t *testing.T) {
	topic := testTopic("declared")
	createTestTopic(t, topic, 1)
	produceTest(t, topic, []testMessage{
		{Value: `{"id":1,"price":"12.50","at":"2026-01-02T03:04:05Z","day":"2026-01-02","doc":{"a":[1,2]},"extra":true}`},
		{Value: `{"id":2,"price":3}`},
		{Value: `{"id":"x3","price":1}`},
	}, "", false)
	opts := `{"envelope":false,"headers":false,"columns":[{"name":"id","type":"int64"},{"name":"price","type":"decimal(10,2)"},
	  {"name":"at","type":"timestamp"},{"name":"day","type":"date"},{"name":"doc","type":"json"}]}`
	out, err := readTopic(t, topic, opts, sdk.ReadFull, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fieldNames(out.schema), []string{"id", "price", "at", "day", "doc", colError}; !cmp.Equal(got, want) {
		t.Fatalf("columns: got %v, want %v", got, want)
	}
	if got := out.schema.Field(1).Type.String(); got != "decimal(10, 2)" {
		t.Errorf("price type: got %s, want decimal(10, 2)", got)
	}
	want := []map[string]any{
		{"id": int64(1), "price": "12.5", "at": "2026-01-02T03:04:05Z", "day": "2026-01-02", "doc": `{"a":[1,2]}`, colError: nil},
		{"id": int64(2), "price": "3", "at": nil, "day": nil, "doc": nil, colError: nil},
	}
	if d := cmp.Diff(want, out.rows[:2]); d != "" {
		t.Errorf("rows (-want +got):\n%s", d)
	}
	if s, _ := out.rows[2][colError].(string); !strings.Contains(s, `field "id"`) {
		t.Errorf("row 3 %s: got %v, want the id field named", colError, out.rows[2][colError])
	}
	for _, bad := range []string{
		`{"columns":[{"name":"id","type":"integer"}]}`,
		`{"columns":[{"name":"p","type":"decimal(50,2)"}]}`,
		`{"columns":[{"name":"id","type":"int64"},{"name":"id","type":"int64"}]}`,
		`{"format":"string","columns":[{"name":"id","type":"int64"}]}`,
	} {
		if _, err := decodeSourceOptions(json.RawMessage(bad)); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("%s: got %v, want CONFIG", bad, err)
		}
	}
}
