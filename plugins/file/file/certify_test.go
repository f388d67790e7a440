package file_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dpone-go/dpone/plugins/file/file"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// TestCertify runs dpone's certification suite against the file source,
// in process through the SDK's gRPC adapter, over real CSV and JSONL files.
func TestCertify(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"orders.csv": "id,amount,created_at,note,code\n" +
			"1,9999999999999999999999999999.9999999999,1969-07-20T20:17:40.123456Z,naïve café,123e4567-e89b-12d3-a456-426614174000\n" +
			"2,-9999999999999999999999999999.9999999999,1970-01-01T00:00:00Z,\"quote \"\" and, comma\",00000000-0000-0000-0000-000000000000\n" +
			"3,0.0000000001,2024-02-29 23:59:59.999999+05:30,,\n",
		"orders_002.csv": "id,amount,created_at,note,code\n" +
			"4,0,1900-01-01T00:00:00Z,emoji 😀🎉,FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n" +
			"5,,,日本語,\n",
		"events.jsonl": `{"id":1,"name":"","payload":{"a":1,"b":[true,null,"x"],"c":{"d":22.00}},"at":"1969-12-31T23:59:59.999999Z"}` + "\n" +
			`{"id":2,"name":null,"payload":[],"at":"2024-06-30T12:00:00.000001+02:00"}` + "\n" +
			`{"id":3,"name":"emoji 👩‍💻","payload":{},"at":null}` + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Parquet: the stream lists the parquet-files payload (payload check).
	file.WriteParquet(t, filepath.Join(root, "metrics.parquet"), 0, 50, 10)
	file.WriteParquet(t, filepath.Join(root, "metrics_002.parquet"), 50, 120, 40)
	cfg, _ := json.Marshal(map[string]string{"root": root})
	write := func(name, body string, appendTo bool) func(context.Context) error {
		return func(context.Context) error {
			flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
			if appendTo {
				flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
			}
			f, err := os.OpenFile(filepath.Join(root, name), flag, 0o644)
			if err != nil {
				return err
			}
			if _, err := f.WriteString(body); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
	}
	remove := func(name string) func(context.Context) error {
		return func(context.Context) error { return os.Remove(filepath.Join(root, name)) }
	}
	both := func(fs ...func(context.Context) error) func(context.Context) error {
		return func(ctx context.Context) error {
			for _, f := range fs {
				if err := f(ctx); err != nil {
					return err
				}
			}
			return nil
		}
	}
	const orders3 = "id,amount,created_at,note,code\n6,1.5,2025-01-01T00:00:00Z,new file,\n"
	incremental := &sdktest.IncrementalFixture{Options: json.RawMessage(`{"incremental_strategy":"files"}`)}
	sdktest.TestSource(t, sdktest.Fixture{
		Factory: file.New,
		Config:  cfg,
		Streams: []sdktest.StreamFixture{
			{
				Name:    "orders",
				Options: json.RawMessage(`{"columns":{"amount":"decimal(38,10)","created_at":"timestamp(6, tz)","code":"uuid"}}`),
				Rows: []map[string]any{
					{"id": 1, "amount": "9999999999999999999999999999.9999999999", "created_at": "1969-07-20T20:17:40.123456Z", "note": "naïve café", "code": "123e4567-e89b-12d3-a456-426614174000"},
					{"id": 2, "amount": "-9999999999999999999999999999.9999999999", "created_at": "1970-01-01T00:00:00Z", "note": `quote " and, comma`, "code": "00000000-0000-0000-0000-000000000000"},
					{"id": 3, "amount": "0.0000000001", "created_at": "2024-02-29T18:29:59.999999Z", "note": nil, "code": nil},
					{"id": 4, "amount": 0, "created_at": "1900-01-01T00:00:00Z", "note": "emoji 😀🎉", "code": "ffffffff-ffff-ffff-ffff-ffffffffffff"},
					{"id": 5, "amount": nil, "created_at": nil, "note": "日本語", "code": nil},
				},
				Types: map[string]string{"id": "int64", "amount": "decimal(38,10)", "created_at": "timestamp(6, tz)",
					"note": "string", "code": "uuid"},
				Incremental: incremental,
				// The files strategy reads new files and files whose size
				// or mtime changed, whole; a removed file is not read.
				Mutations: []sdktest.MutationFixture{
					{Name: "new file orders_003.csv, orders_002.csv removed", Do: both(write("orders_003.csv", orders3, false), remove("orders_002.csv"))},
					{Name: "a row appended to orders_003.csv: the file is read again, whole", Do: write("orders_003.csv", "7,-2.25,2025-01-02T00:00:00+01:00,appended,\n", true),
						Rows: []map[string]any{
							{"id": 6, "amount": "1.5", "created_at": "2025-01-01T00:00:00Z", "note": "new file", "code": nil},
							{"id": 7, "amount": "-2.25", "created_at": "2025-01-01T23:00:00Z", "note": "appended", "code": nil},
						}},
				},
			},
			{
				Name: "events",
				Rows: []map[string]any{
					{"id": 1, "name": "", "payload": `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, "at": "1969-12-31T23:59:59.999999Z"},
					{"id": 2, "name": nil, "payload": `[]`, "at": "2024-06-30T10:00:00.000001Z"},
					{"id": 3, "name": "emoji 👩‍💻", "payload": `{}`, "at": nil},
				},
				Types:       map[string]string{"id": "int64", "name": "string", "payload": "json", "at": "timestamp(6, tz)"},
				Incremental: incremental,
				Mutations: []sdktest.MutationFixture{
					{Name: "a line appended to events.jsonl: the file is read again, whole", Do: write("events.jsonl", `{"id":4,"name":"appended","payload":{"x":1.10},"at":"2025-03-01T12:00:00-03:30"}`+"\n", true),
						Rows: []map[string]any{
							{"id": 1, "name": "", "payload": `{"a":1,"b":[true,null,"x"],"c":{"d":22.00}}`, "at": "1969-12-31T23:59:59.999999Z"},
							{"id": 2, "name": nil, "payload": `[]`, "at": "2024-06-30T10:00:00.000001Z"},
							{"id": 3, "name": "emoji 👩‍💻", "payload": `{}`, "at": nil},
							{"id": 4, "name": "appended", "payload": `{"x":1.10}`, "at": "2025-03-01T15:30:00Z"},
						}},
				},
			},
			{
				Name:        "metrics",
				RowCount:    ptr(int64(120)),
				Types:       map[string]string{"id": "int64", "name": "string"},
				Incremental: incremental,
				Mutations: []sdktest.MutationFixture{{Name: "new file metrics_003.parquet: only its rows are read",
					Do: func(context.Context) error {
						file.WriteParquet(t, filepath.Join(root, "metrics_003.parquet"), 120, 125, 10)
						return nil
					}, RowCount: ptr(int64(5))}},
			},
		},
		// Files have no credentials and no network address.
		NotApplicable: map[string]string{
			"check/bad_credentials": "files have no credentials",
			"check/unreachable":     "files have no network address (a missing root is a CONFIG error)",
		},
		Strict: true,
	})
}

func ptr[T any](v T) *T { return &v }
