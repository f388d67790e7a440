package schema

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"
)

var orderSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true,
		Metadata: arrow.NewMetadata([]string{"dpone.native"}, []string{"text"})},
}, nil)

const orderRows = `[
	{"id": 1, "amount": "10.00", "status": "paid"},
	{"id": 2, "amount": null,    "status": "paid"},
	{"id": 3, "amount": "5.50",  "status": "lost"},
	{"id": 4, "amount": "7.25",  "status": "new"},
	{"id": 4, "amount": "1.00",  "status": "new"}
]`

var orderContract = map[string]any{"enforcement": "quarantine", "columns": map[string]any{
	"id":     map[string]any{"unique": true},
	"amount": map[string]any{"nullable": false, "min": 0},
	"status": map[string]any{"accepted_values": []any{"new", "paid"}},
}}

// jsonOf renders a record as JSON rows for comparisons.
func jsonOf(t *testing.T, rec arrow.RecordBatch) string {
	t.Helper()
	if rec == nil {
		return ""
	}
	b, err := rec.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestSplitAndQuarantine(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ctx := compute.WithAllocator(context.Background(), mem)
	rec := record(t, mem, orderSchema, orderRows)
	defer rec.Release()
	v, err := checker(t, orderContract, orderSchema).Check(rec)
	if err != nil {
		t.Fatal(err)
	}
	good, bad, err := Split(ctx, rec, v)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Release()
	defer bad.Release()
	wantGood := `[{"amount":"10","id":1,"status":"paid"}
,{"amount":"7.25","id":4,"status":"new"}
]`
	wantBad := `[{"amount":null,"id":2,"status":"paid"}
,{"amount":"5.5","id":3,"status":"lost"}
,{"amount":"1","id":4,"status":"new"}
]`
	if d := cmp.Diff(wantGood, jsonOf(t, good)); d != "" {
		t.Errorf("good (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantBad, jsonOf(t, bad)); d != "" {
		t.Errorf("bad (-want +got):\n%s", d)
	}
	if good.NumRows()+bad.NumRows() != rec.NumRows() {
		t.Errorf("good %d + bad %d != %d rows", good.NumRows(), bad.NumRows(), rec.NumRows())
	}

	at := time.Date(2026, 11, 26, 5, 0, 0, 123456789, time.UTC)
	q, err := Quarantine(mem, bad, v, Stamp{RunID: "r-1", At: at})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Release()
	wantSchema, _ := QuarantineSchema(orderSchema)
	if !q.Schema().Equal(wantSchema) {
		t.Errorf("quarantine schema:\ngot  %v\nwant %v", q.Schema(), wantSchema)
	}
	wantQ := `[{"_dpone_quarantined_at":"2026-11-26T05:00:00.123456Z","_dpone_reason":"column \"amount\" is NULL","_dpone_reason_code":"NOT_NULL","_dpone_run_id":"r-1","amount":null,"id":2,"status":"paid"}
,{"_dpone_quarantined_at":"2026-11-26T05:00:00.123456Z","_dpone_reason":"column \"status\": value \"lost\" is not one of [new, paid]","_dpone_reason_code":"ACCEPTED_VALUES","_dpone_run_id":"r-1","amount":"5.5","id":3,"status":"lost"}
,{"_dpone_quarantined_at":"2026-11-26T05:00:00.123456Z","_dpone_reason":"column \"id\": value 4 is a duplicate within this load","_dpone_reason_code":"UNIQUE","_dpone_run_id":"r-1","amount":"1","id":4,"status":"new"}
]`
	if d := cmp.Diff(wantQ, jsonOf(t, q)); d != "" {
		t.Errorf("quarantine (-want +got):\n%s", d)
	}
}

func TestQuarantineSchema(t *testing.T) {
	got, err := QuarantineSchema(orderSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true,
			Metadata: arrow.NewMetadata([]string{"dpone.native"}, []string{"text"})},
		{Name: "_dpone_reason_code", Type: arrow.BinaryTypes.String},
		{Name: "_dpone_reason", Type: arrow.BinaryTypes.String},
		{Name: "_dpone_run_id", Type: arrow.BinaryTypes.String},
		{Name: "_dpone_quarantined_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	if !got.Equal(want) {
		t.Errorf("QuarantineSchema:\ngot  %v\nwant %v", got, want)
	}
	clash := arrow.NewSchema([]arrow.Field{{Name: "_dpone_reason", Type: arrow.BinaryTypes.String}}, nil)
	if _, err := QuarantineSchema(clash); err == nil || err.Error() != `quarantine schema: source column "_dpone_reason" collides with a quarantine column` {
		t.Errorf("got %v, want collision error", err)
	}
	if got := QuarantineTable("orders"); got != "orders__quarantine" {
		t.Errorf("QuarantineTable = %q, want orders__quarantine", got)
	}
}

func TestSplitEdges(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	ctx := compute.WithAllocator(context.Background(), mem)
	s := oneColumn(arrow.PrimitiveTypes.Int64)
	ch := checker(t, map[string]any{"columns": map[string]any{"c": map[string]any{"min": 0}}}, s)

	all := recordOf(t, mem, s, `[1, 2]`)
	defer all.Release()
	v, _ := ch.Check(all)
	good, bad, err := Split(ctx, all, v)
	if err != nil || good != all || bad != nil {
		t.Errorf("all good: got good %p bad %v err %v, want the input and nil", good, bad, err)
	}
	good.Release()

	none := recordOf(t, mem, s, `[-1, -2]`)
	defer none.Release()
	v, _ = ch.Check(none)
	good, bad, err = Split(ctx, none, v)
	if err != nil || good != nil || bad != none {
		t.Errorf("all bad: got good %v bad %p err %v, want nil and the input", good, bad, err)
	}
	bad.Release()

	empty := array.NewRecordBatch(s, []arrow.Array{array.NewInt64Builder(mem).NewArray()}, 0)
	defer func() { empty.Column(0).Release(); empty.Release() }()
	v, _ = ch.Check(empty)
	good, bad, err = Split(ctx, empty, v)
	if err != nil || good != nil || bad != nil {
		t.Errorf("empty: got %v %v %v, want nil, nil, nil", good, bad, err)
	}

	if _, _, err := Split(ctx, all, &Violations{Rows: 5}); err == nil {
		t.Errorf("Split with mismatched violations: got nil error")
	}
	if _, err := Quarantine(mem, all, &Violations{Rows: 2, BadRows: 1}, Stamp{}); err == nil {
		t.Errorf("Quarantine with mismatched violations: got nil error")
	}
}
