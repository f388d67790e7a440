package file_test

import (
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
	cfg, _ := json.Marshal(map[string]string{"root": root})
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
			},
		},
	})
}
