package file

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/dpone-go/dpone/sdk"
)

// textFile is an open CSV or JSONL file: buffered, decompressed when the
// name ends in .gz, and failing with the context's error once ctx is done.
type textFile struct {
	*bufio.Reader
	f   *os.File
	gz  *gzip.Reader
	raw *countingReader
}

// Close closes the file.
func (t *textFile) Close() error {
	if t.gz != nil {
		t.gz.Close()
	}
	return t.f.Close()
}

// BytesRead is how many bytes of the file (compressed) were consumed.
func (t *textFile) BytesRead() int64 { return t.raw.n }

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// openText opens a CSV or JSONL file for reading.
func openText(ctx context.Context, f fileEntry) (*textFile, error) {
	osf, err := os.Open(f.abs)
	if err != nil {
		return nil, openError(f, err)
	}
	raw := &countingReader{r: osf, ctx: ctx}
	var r io.Reader = raw
	t := &textFile{f: osf, raw: raw}
	if f.gzip {
		gz, err := gzip.NewReader(bufio.NewReaderSize(raw, 64<<10))
		if err != nil {
			osf.Close()
			return nil, sdk.Errorf(sdk.CodeData, "%s: not a gzip file: %w", f.label(), err)
		}
		t.gz, r = gz, gz
	}
	t.Reader = bufio.NewReaderSize(r, 256<<10)
	if b, err := t.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		t.Discard(3)
	}
	return t, nil
}

// openError classifies an error opening a matched file.
func openError(f fileEntry, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return sdk.Errorf(sdk.CodeNotFound, "%s: file disappeared while reading: %w", f.label(), err)
	}
	return sdk.Errorf(sdk.CodeConfig, "open %s: %w", f.label(), err)
}

// countingReader counts bytes and stops at cancellation, so a Read ends
// within one buffer fill after ctx is done.
type countingReader struct {
	r   io.Reader
	ctx context.Context
	n   int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readLine returns the next line of r without its line ending, using buf
// for lines longer than r's buffer. It returns io.EOF after the last line.
func readLine(r *bufio.Reader, buf []byte) ([]byte, []byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		buf = append(buf[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, buf, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, buf, nil
}
