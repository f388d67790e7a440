package file

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

const ordersCSV = `id,customer,qty,price,paid,ordered_on,created_at,note
1,alice,2,9.50,true,2024-01-02,2024-01-02T10:00:00Z,
2,bob,1,10,false,2024-01-03,2024-01-03T11:30:00.5+02:00,"hello, ""world"""
3,,7,0.25,TRUE,2024-02-29,2024-01-04 12:00:00Z,line1
`

func TestCSVReadFull(t *testing.T) {
	root := writeFiles(t, map[string]string{"orders.csv": ordersCSV})
	rec := mustRead(t, root, "orders", "")
	wantSchema := []string{"id int64", "customer string", "qty int64", "price float64", "paid bool",
		"ordered_on date", "created_at timestamp(6, tz)", "note string"}
	if diff := cmp.Diff(wantSchema, schemaText(rec.schema)); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	want := [][]string{
		{"1", "alice", "2", "9.5", "true", "2024-01-02", "2024-01-02T10:00:00Z", "NULL"},
		{"2", "bob", "1", "10", "false", "2024-01-03", "2024-01-03T09:30:00.5Z", `hello, "world"`},
		{"3", "NULL", "7", "0.25", "true", "2024-02-29", "2024-01-04T12:00:00Z", "line1"},
	}
	if diff := cmp.Diff(want, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(rec.checkpoints) != 0 {
		t.Errorf("got %d checkpoints without the files strategy, want 0", len(rec.checkpoints))
	}
	if got := rec.progress; len(got) == 0 || got[len(got)-1] != 3 {
		t.Errorf("got progress %v, want it to end at 3 rows", got)
	}
}

func TestCSVInference(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
	}{
		{"bool", []string{"true", "False", ""}, "bool"},
		{"int", []string{"1", "-20", "+3"}, "int64"},
		{"leading zero stays string", []string{"007", "12"}, "string"},
		{"int and float", []string{"1", "2.5", "1e3"}, "float64"},
		{"date", []string{"2024-01-31", "1999-12-31"}, "date"},
		{"bad date", []string{"2024-02-30"}, "string"},
		{"timestamp", []string{"2024-01-31 10:00:00", "2024-01-31T10:00:00.123"}, "timestamp(6)"},
		{"timestamp nanos", []string{"2024-01-31T10:00:00.123456789"}, "timestamp(9)"},
		{"timestamp tz", []string{"2024-01-31T10:00:00Z", "2024-01-31T10:00:00+05:30"}, "timestamp(6, tz)"},
		{"date and timestamp", []string{"2024-01-31", "2024-01-31T10:00:00"}, "timestamp(6)"},
		{"naive and zoned", []string{"2024-01-31T10:00:00", "2024-01-31T10:00:00Z"}, "string"},
		{"bool and int", []string{"true", "1"}, "string"},
		{"all null", []string{"", ""}, "string"},
		{"nan stays string", []string{"NaN", "1.5"}, "string"},
		{"int overflow", []string{"99999999999999999999"}, "float64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeFiles(t, map[string]string{"t.csv": "v\n" + strings.Join(tt.values, "\n") + "\n"})
			rec := mustRead(t, root, "t", "")
			if got := schemaText(rec.schema)[0]; got != "v "+tt.want {
				t.Errorf("got %q, want %q", got, "v "+tt.want)
			}
		})
	}
}

func TestCSVOverrides(t *testing.T) {
	root := writeFiles(t, map[string]string{"orders.csv": ordersCSV})
	rec := mustRead(t, root, "orders", `{"columns": {"price": "decimal(18,4)", "id": "int32",
		"created_at": "timestamp(3, tz)", "ordered_on": "string", "qty": "Decimal(5, 0)", "paid": "string"}}`)
	want := []string{"id int32", "customer string", "qty decimal(5,0)", "price decimal(18,4)", "paid string",
		"ordered_on string", "created_at timestamp(3, tz)", "note string"}
	if diff := cmp.Diff(want, schemaText(rec.schema)); diff != "" {
		t.Errorf("schema (-want +got):\n%s", diff)
	}
	got := []string{rec.rows[0][3], rec.rows[1][3], rec.rows[2][3], rec.rows[1][6], rec.rows[2][4]}
	if diff := cmp.Diff([]string{"9.5", "10", "0.25", "2024-01-03T09:30:00.5Z", "TRUE"}, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
}

func TestCSVOptions(t *testing.T) {
	t.Run("delimiter header nulls", func(t *testing.T) {
		root := writeFiles(t, map[string]string{"p.txt": "1;x;NA\n2;NA;3\n"})
		rec := mustRead(t, root, "p", `{"format": "csv", "delimiter": ";", "header": false, "null_values": ["NA"]}`)
		if diff := cmp.Diff([]string{"column1 int64", "column2 string", "column3 int64"}, schemaText(rec.schema)); diff != "" {
			t.Errorf("schema (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([][]string{{"1", "x", "NULL"}, {"2", "NULL", "3"}}, rec.rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
	t.Run("tsv gzip bom", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprint(zw, "\xef\xbb\xbfa\tb\n1\thello world\n")
		zw.Close()
		root := writeFiles(t, map[string]string{"s.tsv.gz": buf.String()})
		rec := mustRead(t, root, "s", "")
		if diff := cmp.Diff([][]string{{"1", "hello world"}}, rec.rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"a int64", "b string"}, schemaText(rec.schema)); diff != "" {
			t.Errorf("schema (-want +got):\n%s", diff)
		}
	})
	t.Run("projection", func(t *testing.T) {
		root := writeFiles(t, map[string]string{"orders.csv": ordersCSV})
		rec := &recorder{}
		err := New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "orders",
			Columns: []string{"qty", "id"}}, rec)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]string{{"2", "1"}, {"1", "2"}, {"7", "3"}}, rec.rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
	t.Run("files with columns in another order or missing", func(t *testing.T) {
		root := writeFiles(t, map[string]string{"m_1.csv": "a,b\n1,x\n", "m_2.csv": "b\ny\n"})
		rec := mustRead(t, root, "m", "")
		if diff := cmp.Diff([][]string{{"1", "x"}, {"NULL", "y"}}, rec.rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
}

func TestCSVBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content string
		options string
		code    sdk.Code
		parts   []string
	}{
		{"bad int", "id,qty\n1,2\n2,3\n3,abc\n", `{"columns": {"qty": "int64"}}`, sdk.CodeData,
			[]string{`orders.csv:4: column "qty": "abc" is not an int64`}},
		{"value beyond the sample", "id,qty\n1,2\n2,x\n", `{"sample_rows": 1}`, sdk.CodeData,
			[]string{`orders.csv:3: column "qty": "x" is not an int64`}},
		{"decimal rounding", "p\n1.2345\n", `{"columns": {"p": "decimal(10,2)"}}`, sdk.CodeData,
			[]string{`orders.csv:2: column "p": "1.2345" is not a decimal(10,2): has more digits after the point`}},
		{"bad date", "d\n2024-13-01\n", `{"columns": {"d": "date"}}`, sdk.CodeData,
			[]string{`orders.csv:2: column "d": "2024-13-01" is not a date`}},
		{"ragged row", "a,b\n1,2\n3\n", "", sdk.CodeData, []string{"orders.csv:3: has 1 fields, the header has 2"}},
		{"bare quote", "a,b\n1,x\"y\n", "", sdk.CodeData, []string{"orders.csv:2: column 4:", "bare \""}},
		// Reported where the quote opened, not at the end of the file.
		{"unclosed quote", "a,b\n1,2\n3,\"open\n4,5\n6,7\n", "", sdk.CodeData,
			[]string{"orders.csv:3:3: this quote opens a field that is never closed", "gave up at line 5"}},
		{"unclosed quote after a quoted field", "a,b\n\"x \"\"y\"\" z\",2\n3,\"\"\"\n4,5\n", "", sdk.CodeData,
			[]string{"orders.csv:3:3: this quote opens a field that is never closed"}},
		// latin1 bytes: file:line:column of the first invalid byte.
		{"invalid utf-8", "id,name\n1,ok\n2,caf\xe9 au lait\n", "", sdk.CodeData,
			[]string{`orders.csv:3:6: column "name": invalid UTF-8 (byte 0xe9)`, "iconv -f latin1 -t utf-8"}},
		{"duplicate header", "a,a\n1,2\n", "", sdk.CodeSchema, []string{`orders.csv:1: column "a" appears twice`}},
		{"empty file", "", "", sdk.CodeSchema, []string{"orders.csv: empty CSV file"}},
		{"unknown type", "a\n1\n", `{"columns": {"a": "money"}}`, sdk.CodeConfig, []string{`columns.a: unknown type "money"`, "decimal(p,s)"}},
		{"override unknown column", "a\n1\n", `{"columns": {"zz": "int64"}}`, sdk.CodeConfig, []string{`"zz"`, "not in the file header"}},
		{"unknown format", "a\n1\n", `{"format": "xml"}`, sdk.CodeConfig, []string{`unknown format "xml" (allowed: csv, jsonl, parquet)`}},
		{"unknown option", "a\n1\n", `{"query": "select 1"}`, sdk.CodeConfig, []string{`unknown key "query"`}},
		{"bad delimiter", "a\n1\n", `{"delimiter": ";;"}`, sdk.CodeConfig, []string{`delimiter ";;"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeFiles(t, map[string]string{"orders.csv": tt.content})
			_, err := read(t, root, "orders", tt.options)
			wantError(t, err, tt.code, tt.parts...)
		})
	}
}

func TestCSVExtraColumnInLaterFile(t *testing.T) {
	root := writeFiles(t, map[string]string{"e_1.csv": "a\n1\n", "e_2.csv": "a,b\n1,2\n"})
	// Within the sample, the columns of every sampled file are the stream's.
	rec := mustRead(t, root, "e", "")
	if diff := cmp.Diff([][]string{{"1", "NULL"}, {"1", "2"}}, rec.rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// Beyond it, a new column is an error.
	_, err := read(t, root, "e", `{"sample_rows": 1}`)
	wantError(t, err, sdk.CodeSchema, `e_2.csv: column "b" is not in the stream's columns (a) inferred from the first 1 rows`)
}

func TestCSVLargeFileSplitsIntoBatches(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("id,name,amount\n")
	const n = 50000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "%d,name-%d,%d.25\n", i, i, i)
	}
	root := writeFiles(t, map[string]string{"big.csv": sb.String()})
	rec := &recorder{batchBytes: 64 << 10}
	err := New().(*Connector).Read(t.Context(), sdk.ReadRequest{Config: configJSON(root), Stream: "big"}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.rows) != n {
		t.Fatalf("got %d rows, want %d", len(rec.rows), n)
	}
	if rec.batches < 10 {
		t.Errorf("got %d batches of ~64KiB for ~1.4MB of data, want at least 10", rec.batches)
	}
	if got := rec.rows[n-1]; got[0] != fmt.Sprint(n-1) {
		t.Errorf("got last row %v, want id %d", got, n-1)
	}
	if len(rec.progress) != rec.batches {
		t.Errorf("got %d progress messages for %d batches, want one per batch", len(rec.progress), rec.batches)
	}
}
