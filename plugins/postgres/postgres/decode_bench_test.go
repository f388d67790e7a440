package postgres

import "testing"

// BenchmarkDecodeStream decodes a COPY stream of many 1 MiB batches, as a
// table read does: builders refill after every batch.
func BenchmarkDecodeStream(b *testing.B) { benchDecode(b, 200000) }
