package kafka

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
)

// keySpill partitions keyed records by a hash of the key into bucket
// files on disk (a grace hash join), so snapshot_diff never holds a
// topic's keys in memory: each bucket is read back alone, holding about
// spillPerBucket records however many keys the target has.
type keySpill struct {
	dir   string
	seed  maphash.Seed
	files []*os.File
	ws    []*bufio.Writer
	buf   []byte
}

// spillPerBucket is the number of records a bucket is sized for.
const spillPerBucket = 100_000

// maxBuckets bounds the open files (and their write buffers).
const maxBuckets = 1024

// spillRec is one record of a key.
type spillRec struct {
	kind byte
	// seq orders a key's target records: the latest is the highest.
	seq   int64
	value []byte // a soft delete's latest value, else nil
}

// Kinds of spill records.
const (
	recLive        byte = iota // a value
	recSoftDeleted             // a value with _dpone_deleted_at set
	recTombstone               // a null value
	recStaged                  // the key is in the snapshot
)

// newKeySpill makes a spill for about records records.
func newKeySpill(records int64) (*keySpill, error) {
	n := int(min(max(records/spillPerBucket+1, 1), maxBuckets))
	dir, err := os.MkdirTemp("", "dpone-kafka-diff-")
	if err != nil {
		return nil, fmt.Errorf("snapshot_diff spill: %w (set TMPDIR to a writable directory)", err)
	}
	s := &keySpill{dir: dir, seed: maphash.MakeSeed()}
	for i := range n {
		f, err := os.Create(fmt.Sprintf("%s/%d", dir, i))
		if err != nil {
			s.close()
			return nil, fmt.Errorf("snapshot_diff spill: %w", err)
		}
		s.files = append(s.files, f)
		s.ws = append(s.ws, bufio.NewWriterSize(f, 32<<10))
	}
	return s, nil
}

// add spills one record of key.
func (s *keySpill) add(key []byte, r spillRec) error {
	b := binary.AppendUvarint(s.buf[:0], uint64(len(key)))
	b = append(b, key...)
	b = append(b, r.kind)
	b = binary.AppendVarint(b, r.seq)
	b = appendFrame(b, r.value)
	s.buf = b
	w := s.ws[maphash.Bytes(s.seed, key)%uint64(len(s.ws))]
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("snapshot_diff spill: %w", err)
	}
	return nil
}

// buckets is the number of buckets.
func (s *keySpill) buckets() int { return len(s.files) }

// each calls fn with every record of bucket i, in the order added. key
// and r.value are valid only during the call.
func (s *keySpill) each(i int, fn func(key []byte, r spillRec) error) error {
	if err := s.ws[i].Flush(); err != nil {
		return fmt.Errorf("snapshot_diff spill: %w", err)
	}
	f := s.files[i]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("snapshot_diff spill: %w", err)
	}
	defer f.Seek(0, io.SeekEnd)
	r := bufio.NewReaderSize(f, 64<<10)
	var key, val []byte
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("snapshot_diff spill: %w", err)
		}
		key = grow(key, int(n))
		if _, err := io.ReadFull(r, key); err != nil {
			return fmt.Errorf("snapshot_diff spill: %w", err)
		}
		var rec spillRec
		if rec.kind, err = r.ReadByte(); err != nil {
			return fmt.Errorf("snapshot_diff spill: %w", err)
		}
		if rec.seq, err = binary.ReadVarint(r); err != nil {
			return fmt.Errorf("snapshot_diff spill: %w", err)
		}
		vn, err := binary.ReadUvarint(r)
		if err != nil {
			return fmt.Errorf("snapshot_diff spill: %w", err)
		}
		if vn > 0 {
			val = grow(val, int(vn-1))
			if _, err := io.ReadFull(r, val); err != nil {
				return fmt.Errorf("snapshot_diff spill: %w", err)
			}
			rec.value = val
		}
		if err := fn(key, rec); err != nil {
			return err
		}
	}
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// close removes the spill's files.
func (s *keySpill) close() {
	for _, f := range s.files {
		f.Close()
	}
	os.RemoveAll(s.dir)
}
