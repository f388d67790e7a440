package sdktest

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestExecReadTarget: a reader command's JSON Lines become canonical rows
// of the loaded schema, with {namespace} and {table} replaced and numbers
// kept exact; a failing command is an error that names it.
func TestExecReadTarget(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	target := &connectorv1.TableRef{Namespace: "ns", Name: "t1"}
	script := `test "$1.$2" = ns.t1 || exit 3
printf '%s\n' '{"id": 1, "amount": 9999999999999999999999999999.9999999999, "at": "2024-01-01T00:00:00.000001Z", "_dpone_run_id": "x"}' '' '{"id": 2, "amount": null, "at": null}'`
	rows, err := execReadTarget(context.Background(), []string{"sh", "-c", script, "sh", "{namespace}", "{table}"}, target, schema)
	if err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"id": "1", "amount": "9999999999999999999999999999.9999999999", "at": "2024-01-01T00:00:00.000001000Z"},
		{"id": "2", "amount": nullValue, "at": nullValue},
	}
	if d := diffRows(want, rows, []string{"id", "amount", "at"}, 5); d != nil {
		t.Errorf("rows: %v", d)
	}
	if _, err := execReadTarget(context.Background(), []string{"sh", "-c", "echo boom >&2; exit 1"}, target, schema); err == nil {
		t.Error("a failing reader: got no error")
	}
}
