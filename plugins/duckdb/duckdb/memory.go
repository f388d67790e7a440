package duckdb

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The memory_limit of a config that sets none is sized from the memory
// the plugin may use: a quarter of the machine's memory, or of its cgroup's
// limit when that is lower (a container), and never less than
// minMemoryLimit. DuckDB's own default is 80% of the machine; a quarter
// leaves room for the databases dpone loads from, the host and the other
// plugins of a run. When nothing can be read (not Linux), minMemoryLimit.
//
// Measured (make bench, Parquet→DuckDB of bench_src): at 128MB DuckDB
// evicts and rewrites blocks while it ingests, and the same CREATE TABLE
// … AS SELECT took 1.6× as long as with DuckDB's default; see
// docs/types/duckdb.md for the numbers.
const (
	minMemoryLimit  = 128 << 20
	memoryLimitPart = 4 // a quarter
)

// memoryFiles are where the machine's and the cgroup's memory are read;
// tests point them elsewhere.
type memoryFiles struct {
	meminfo string   // /proc/meminfo
	cgroups []string // cgroup v2 memory.max, then v1 memory.limit_in_bytes
}

var systemMemory = memoryFiles{
	meminfo: "/proc/meminfo",
	cgroups: []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
}

// defaultMemoryLimit is the memory_limit of a config without one, in
// DuckDB's syntax (e.g. "5990MiB").
func defaultMemoryLimit() string { return formatBytes(systemMemory.limit()) }

// limit is the default memory_limit in bytes.
func (m memoryFiles) limit() int64 {
	avail := m.total()
	for _, p := range m.cgroups {
		if n := readLimit(p); n > 0 && (avail == 0 || n < avail) {
			avail = n
		}
	}
	return max(avail/memoryLimitPart, minMemoryLimit)
}

// total is MemTotal of meminfo in bytes, 0 when unreadable.
func (m memoryFiles) total() int64 {
	data, err := os.ReadFile(m.meminfo)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil && n > 0 {
				return n << 10
			}
		}
	}
	return 0
}

// readLimit reads a cgroup memory limit in bytes; 0 when the file is
// absent, says "max" or holds v1's "no limit" (a huge number).
func readLimit(path string) int64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0
	}
	return n
}

// formatBytes renders n bytes as a DuckDB memory_limit in whole MiB.
func formatBytes(n int64) string { return fmt.Sprintf("%dMiB", n>>20) }
