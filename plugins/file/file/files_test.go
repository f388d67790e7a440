package file

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestStreamKey(t *testing.T) {
	tests := map[string]string{
		"orders.csv":            "orders",
		"orders_001.csv":        "orders",
		"orders-part-2.csv.gz":  "orders",
		"orders_2024-01-31.csv": "orders",
		"orders_part3.parquet":  "orders",
		"orders2.csv":           "orders2",
		"orders_v2.jsonl":       "orders_v2",
		"2024.csv":              "2024",
		"a.b.csv":               "a.b",
		"notes.txt":             "notes",
	}
	for name, want := range tests {
		if got := streamKey(name); got != want {
			t.Errorf("streamKey(%q): got %q, want %q", name, got, want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*.csv", "a.csv", true},
		{"*.csv", "d/a.csv", false},
		{"**/*.csv", "a.csv", true},
		{"**/*.csv", "d/e/a.csv", true},
		{"d/**", "d/e/a.csv", true},
		{"d/*/a.csv", "d/e/a.csv", true},
		{"d/*/a.csv", "d/e/f/a.csv", false},
	}
	for _, tt := range tests {
		if got := globMatch(splitSlash(tt.pattern), splitSlash(tt.path)); got != tt.want {
			t.Errorf("globMatch(%q, %q): got %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestMatchFiles(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"orders.csv": "a\n1\n", "orders_002.csv": "a\n3\n", "orders_001.csv": "a\n2\n",
		"customers.jsonl": `{"a": 1}` + "\n", "data/orders_1.csv": "a\n4\n", "data/orders_2.csv": "a\n5\n",
		"data/x/orders_3.csv": "a\n6\n", "data/.hidden.csv": "a\n0\n", "data/_SUCCESS": "",
		"sales/orders.csv": "a\n7\n", "mixed.csv": "a\n1\n", "mixed.jsonl": `{"a": 1}` + "\n",
		"notes.txt": "a\n8\n",
	})
	tests := []struct {
		name, namespace, stream, options string
		want                             []string
	}{
		{"by name with parts", "", "orders", "", []string{"orders.csv", "orders_001.csv", "orders_002.csv"}},
		{"glob option", "", "orders", `{"path": "data/orders_*.csv"}`, []string{"data/orders_1.csv", "data/orders_2.csv"}},
		{"double star", "", "orders", `{"path": "data/**/*.csv"}`, []string{"data/orders_1.csv", "data/orders_2.csv", "data/x/orders_3.csv"}},
		{"directory", "", "x", `{"path": "data"}`, []string{"data/orders_1.csv", "data/orders_2.csv", "data/x/orders_3.csv"}},
		{"single file", "", "x", `{"path": "data/orders_2.csv"}`, []string{"data/orders_2.csv"}},
		{"glob as stream", "", "data/orders_[12].csv", "", []string{"data/orders_1.csv", "data/orders_2.csv"}},
		{"namespace", "sales", "orders", "", []string{"sales/orders.csv"}},
		{"format picks among mixed", "", "mixed", `{"format": "jsonl"}`, []string{"mixed.jsonl"}},
		{"format for unknown extension", "", "notes", `{"format": "csv"}`, []string{"notes.txt"}},
		// dpone read file path/to/x.csv: a stream naming a file is that file.
		{"file path as stream", "", "data/orders_2.csv", "", []string{"data/orders_2.csv"}},
		{"file name as stream", "", "customers.jsonl", "", []string{"customers.jsonl"}},
		{"file name in namespace", "sales", "orders.csv", "", []string{"sales/orders.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := parseOptions(json.RawMessage(tt.options))
			if err != nil {
				t.Fatal(err)
			}
			files, err := matchFiles(Config{Root: root}, opts, tt.namespace, tt.stream)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range files {
				got = append(got, f.rel)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("glob rows in order", func(t *testing.T) {
		rec := mustRead(t, root, "orders", `{"path": "data/**/orders_*.csv"}`)
		if diff := cmp.Diff([][]string{{"4"}, {"5"}, {"6"}}, rec.rows); diff != "" {
			t.Errorf("rows (-want +got):\n%s", diff)
		}
	})
}

func TestMatchFilesErrors(t *testing.T) {
	root := writeFiles(t, map[string]string{"mixed.csv": "a\n1\n", "mixed.jsonl": `{"a": 1}` + "\n", "notes.txt": "x"})
	tests := []struct {
		name, stream, options string
		code                  sdk.Code
		parts                 []string
	}{
		{"no stream files", "orders", "", sdk.CodeNotFound, []string{`no files for stream "orders"`, root, "options.path"}},
		{"no glob match", "x", `{"path": "data/orders_*.csv"}`, sdk.CodeNotFound, []string{`no files match "data/orders_*.csv" under root "` + root + `"`}},
		{"missing path", "x", `{"path": "nope.csv"}`, sdk.CodeNotFound, []string{`path "nope.csv" not found under root "` + root + `"`}},
		{"bad glob", "x", `{"path": "[.csv"}`, sdk.CodeConfig, []string{`path "[.csv" is not a valid glob`}},
		{"mixed formats", "mixed", "", sdk.CodeConfig, []string{"mixed.csv is csv but mixed.jsonl is jsonl"}},
		{"unknown extension", "x", `{"path": "notes.txt"}`, sdk.CodeConfig, []string{`cannot tell the format of "notes.txt"`, "options.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := read(t, root, tt.stream, tt.options)
			wantError(t, err, tt.code, tt.parts...)
		})
	}
	t.Run("missing root", func(t *testing.T) {
		_, err := read(t, root+"/nope", "x", "")
		wantError(t, err, sdk.CodeNotFound, `root "`+root+`/nope" does not exist`)
	})
	t.Run("config unknown key", func(t *testing.T) {
		err := New().(*Connector).Check(t.Context(), json.RawMessage(`{"root": "x", "dsn": "y"}`))
		wantError(t, err, sdk.CodeConfig, `unknown field "dsn"`)
	})
	t.Run("config unknown format", func(t *testing.T) {
		err := New().(*Connector).Check(t.Context(), json.RawMessage(`{"format": "avro"}`))
		wantError(t, err, sdk.CodeConfig, `unknown format "avro" (allowed: csv, jsonl, parquet)`)
	})
}

func TestDiscover(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"orders_1.csv": "id,amount\n1,2.5\n2,3\n", "orders_2.csv": "id,amount\n3,4\n",
		"sales/customers.jsonl": `{"id": 1, "name": "a"}` + "\n", "notes.txt": "ignored", "_tmp/x.csv": "a\n1\n",
	})
	streams, err := New().(*Connector).Discover(t.Context(), configJSON(root), nil)
	if err != nil {
		t.Fatal(err)
	}
	type summary struct {
		Namespace, Name string
		Schema          []string
		Rows, Bytes     int64
	}
	var got []summary
	for _, s := range streams {
		got = append(got, summary{s.Namespace, s.Name, schemaText(s.Schema), s.RowEstimate, s.ByteEstimate})
	}
	want := []summary{
		{"", "orders", []string{"id int64", "amount float64"}, 3, 34},
		{"sales", "customers", []string{"id int64", "name string"}, 1, 23},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("streams (-want +got):\n%s", diff)
	}
	streams, err = New().(*Connector).Discover(t.Context(), configJSON(root), []string{"sales.*"})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 1 || streams[0].Name != "customers" {
		t.Errorf("got %v with selector sales.*, want only customers", streams)
	}
}
