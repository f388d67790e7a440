package bigquery

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	"github.com/dpone-go/dpone/sdk"
)

// stager writes and removes a load's Parquet files in Cloud Storage
// (gs://bucket/prefix/<load>/part-<writer>-N.parquet). Every Write of a
// load (the host opens one per source partition, concurrently) stages
// under its own writer id, so no Write touches another's files; the
// load job at commit reads them all.
type stager struct {
	gcs    *storage.Client
	bucket string
	prefix string
	loadID string
	writer string
}

// newWriterID is a fresh writer id: 12 hex digits.
func newWriterID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// open is the partWriter's openFunc: a resumable upload of 16 MiB chunks,
// so memory holds one chunk per open file.
func (s *stager) open(ctx context.Context, n int) (io.WriteCloser, error) {
	w := s.gcs.Bucket(s.bucket).Object(partName(s.prefix, s.loadID, s.writer, n)).NewWriter(ctx)
	w.ContentType = "application/vnd.apache.parquet"
	w.ChunkSize = 16 << 20
	return w, nil
}

// stage writes every record of records as Parquet files of about limit
// bytes and returns rows, Arrow bytes and the number of files. The host
// never retries a Write under the same load id (a failed load is aborted,
// which removes every file of it), so stage adds files and removes none.
func (s *stager) stage(ctx context.Context, records sdk.RecordReader, limit int64) (sdk.WriteResult, int, error) {
	return s.stageTo(ctx, records, limit, s.open)
}

// stageTo is stage with the parts opened by open (a Write that may upload
// its one part directly buffers part 0 first: upload.go).
func (s *stager) stageTo(ctx context.Context, records sdk.RecordReader, limit int64, open openFunc) (sdk.WriteResult, int, error) {
	pw := &partWriter{schema: records.Schema(), limit: limit, open: open}
	for {
		rec, err := records.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			pw.Close()
			return sdk.WriteResult{}, 0, err
		}
		err = pw.Write(ctx, rec)
		rec.Release()
		if err != nil {
			pw.Close()
			return sdk.WriteResult{}, 0, classify("stage parquet", err)
		}
	}
	if err := pw.Close(); err != nil {
		return sdk.WriteResult{}, 0, classify("stage parquet", err)
	}
	return sdk.WriteResult{Rows: pw.rows, Bytes: pw.bytes}, pw.Files(), nil
}

// remove deletes the load's files; none is not an error.
func (s *stager) remove(ctx context.Context) error {
	if s.bucket == "" {
		return nil
	}
	dir := s.dir()
	it := s.gcs.Bucket(s.bucket).Objects(ctx, &storage.Query{Prefix: dir})
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return classify("list staged files gs://"+s.bucket+"/"+dir, err)
		}
		if err := s.gcs.Bucket(s.bucket).Object(o.Name).Delete(ctx); err != nil && !isNotFound(err) {
			return classify("delete staged file "+o.Name, err)
		}
	}
}

// staged reports whether the load has staged files.
func (s *stager) staged(ctx context.Context) (bool, error) {
	if s.bucket == "" { // write_api storage_write without a bucket
		return false, nil
	}
	it := s.gcs.Bucket(s.bucket).Objects(ctx, &storage.Query{Prefix: s.dir()})
	_, err := it.Next()
	switch {
	case errors.Is(err, iterator.Done):
		return false, nil
	case err != nil:
		return false, classify("list staged files gs://"+s.bucket+"/"+s.dir(), err)
	}
	return true, nil
}

// dir is the object prefix of every file of the load.
func (s *stager) dir() string {
	d := partName(s.prefix, s.loadID, "", 0)
	return d[:len(d)-len("part--00000.parquet")]
}
