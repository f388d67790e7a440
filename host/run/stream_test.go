package run

import "testing"

// parallel: auto reads one partition per million estimated rows, at most
// one per two cores and never more than two: more partitions
// into one staging table cost CPU and wait on its extension lock
// (docs/types/postgres.md, "Parallel reads").
func TestAutoPartitions(t *testing.T) {
	tests := []struct {
		name string
		rows int64
		cpus int
		want int
	}{
		{"small table", 900_000, 16, 0},
		{"one million", 1_000_000, 16, 1},
		{"rows limit", 1_500_000, 16, 1},
		{"one core", 50_000_000, 1, 0},
		{"two cores: one partition each two", 5_000_000, 2, 1},
		{"four cores", 5_000_000, 4, 2},
		{"many cores", 50_000_000, 16, 2},
		{"no estimate", 0, 16, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := autoPartitions(tc.rows, tc.cpus); got != tc.want {
				t.Errorf("autoPartitions(%d, %d): got %d, want %d", tc.rows, tc.cpus, got, tc.want)
			}
		})
	}
}
