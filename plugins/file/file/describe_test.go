package file

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

func TestDescribeStreamUsesReadOptions(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "people_2026.csv"), []byte("id,score\n1,9.50\n2,7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"root": root})
	opts, _ := json.Marshal(map[string]any{"path": "people_*.csv", "columns": map[string]any{"score": "decimal(6,2)"}})
	st, err := (&Connector{}).DescribeStream(context.Background(), sdk.ReadRequest{Config: cfg, Namespace: "shop", Stream: "people", Options: opts})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	got := map[string]string{}
	for _, f := range st.Schema.Fields() {
		got[f.Name] = f.Type.String()
	}
	want := map[string]string{"id": "int64", "score": "decimal(6, 2)"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("column %s: got %s, want %s", k, got[k], v)
		}
	}
}
