package duckdb

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/dpone-go/dpone/sdk"
)

func TestMemorySettings(t *testing.T) {
	tests := []struct {
		name        string
		cfg         string
		wantLimit   string // "": the sized default (memory.go)
		wantThreads int64
		wantErr     bool // a CONFIG error
	}{
		{"defaults", `{}`, "", 2, false},
		{"set", `{"memory_limit": "1GB", "threads": 1}`, "953.6 MiB", 1, false},
		{"bad limit", `{"memory_limit": "lots"}`, "", 0, true},
		{"bad threads", `{"threads": -1}`, "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg map[string]any
			if err := json.Unmarshal([]byte(tc.cfg), &cfg); err != nil {
				t.Fatal(err)
			}
			cfg["path"] = filepath.Join(t.TempDir(), "m.duckdb")
			raw, _ := json.Marshal(cfg)
			c := New().(*Connector)
			defer c.Close()
			d, err := c.openConfig(context.Background(), raw, true)
			if tc.wantErr {
				if got := sdk.CodeOf(err); err == nil || got != sdk.CodeConfig {
					t.Fatalf("got %v (%v), want CONFIG", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var limit string
			var threads int64
			if err := d.db.QueryRow("SELECT current_setting('memory_limit'), current_setting('threads')").Scan(&limit, &threads); err != nil {
				t.Fatal(err)
			}
			if tc.wantLimit == "" {
				tc.wantLimit = openedLimit(t, `{"memory_limit": "`+defaultMemoryLimit()+`"}`)
			}
			if limit != tc.wantLimit || threads != tc.wantThreads {
				t.Errorf("got memory_limit %q threads %d, want %q %d", limit, threads, tc.wantLimit, tc.wantThreads)
			}
		})
	}
}
