package objstage

import (
	"context"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/util"
)

// BenchmarkStageVerify writes 100k rows (two columns, 1000-row batches)
// as Parquet parts into an area and verifies them: what staging adds to a
// load before the loader reads the files. Local always; S3 on gofakes3
// with DPONE_TEST_S3_ENDPOINT.
func BenchmarkStageVerify(b *testing.B) {
	areas := map[string]*Config{"local": {Type: TypeLocal, Prefix: b.TempDir()}}
	if ep := os.Getenv("DPONE_TEST_S3_ENDPOINT"); ep != "" {
		areas["s3"] = &Config{Type: TypeS3, Bucket: "dpone-test", Prefix: "bench", Endpoint: ep,
			Credentials: map[string]string{"access_key_id": "k", "secret_access_key": "s"}}
	}
	recs := make([]arrow.RecordBatch, 100)
	var size int64
	for i := range recs {
		recs[i] = batch(i*1000, 1000)
		size += util.TotalRecordSize(recs[i])
	}
	for name, cfg := range areas {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			a, err := Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				l := a.Load("bench")
				w, _ := l.NewWriter(testSchema, 0)
				for _, rec := range recs {
					if err := w.Write(ctx, rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(ctx); err != nil {
					b.Fatal(err)
				}
				if err := l.WriteManifest(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := a.Verify(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
				if err := a.Remove(ctx, "bench"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
