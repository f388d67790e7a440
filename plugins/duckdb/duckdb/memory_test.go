package duckdb

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The default memory_limit is a quarter of the machine's memory, or of
// the cgroup's limit when lower, at least 128MB.
func TestDefaultMemoryLimit(t *testing.T) {
	const gib = int64(1) << 30
	tests := []struct {
		name    string
		meminfo string // "" leaves the file absent
		cgroups []string
		want    int64
	}{
		{"machine", "MemTotal:       8388608 kB\nMemFree: 1 kB\n", nil, 2 * gib},
		{"cgroup below the machine", "MemTotal: 8388608 kB\n", []string{"1073741824\n"}, gib / 4},
		{"cgroup v2 max", "MemTotal: 8388608 kB\n", []string{"max\n"}, 2 * gib},
		{"cgroup v1 no limit", "MemTotal: 8388608 kB\n", []string{"", "9223372036854771712\n"}, 2 * gib},
		{"cgroup above the machine", "MemTotal: 8388608 kB\n", []string{"34359738368\n"}, 2 * gib},
		{"small machine", "MemTotal: 262144 kB\n", nil, 128 << 20},
		{"nothing readable", "", nil, 128 << 20},
		{"cgroup only", "", []string{"4294967296"}, gib},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m := memoryFiles{meminfo: filepath.Join(dir, "meminfo")}
			if tc.meminfo != "" {
				writeFile(t, m.meminfo, tc.meminfo)
			}
			for i, c := range tc.cgroups {
				p := filepath.Join(dir, "cgroup", string(rune('a'+i)))
				m.cgroups = append(m.cgroups, p)
				if c != "" {
					writeFile(t, p, c)
				}
			}
			if got := m.limit(); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// A config without memory_limit runs DuckDB at the sized default, which
// is what the same value set explicitly gives.
func TestMemoryLimitDefaultApplied(t *testing.T) {
	want := systemMemory.limit()
	if want <= minMemoryLimit {
		t.Skipf("this machine's default is the minimum (%d bytes): nothing to tell apart", want)
	}
	got := openedLimit(t, `{}`)
	explicit := openedLimit(t, `{"memory_limit": "`+defaultMemoryLimit()+`"}`)
	if got != explicit || got == openedLimit(t, `{"memory_limit": "128MB"}`) {
		t.Errorf("default memory_limit: got %q, want %q (%d bytes)", got, explicit, want)
	}
}

func openedLimit(t *testing.T, cfg string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(cfg), &m); err != nil {
		t.Fatal(err)
	}
	m["path"] = filepath.Join(t.TempDir(), "m.duckdb")
	raw, _ := json.Marshal(m)
	c := New().(*Connector)
	defer c.Close()
	d, err := c.openConfig(context.Background(), raw, true)
	if err != nil {
		t.Fatal(err)
	}
	var limit string
	if err := d.db.QueryRow("SELECT current_setting('memory_limit')").Scan(&limit); err != nil {
		t.Fatal(err)
	}
	return limit
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
