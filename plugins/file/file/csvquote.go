package file

import (
	"bufio"
	"context"
	"errors"
	"io"
)

// unclosedQuote finds the quote that opens a never-closed quoted field in
// the record starting on line start of f (encoding/csv reports only the
// record's line and where it gave up): the line and column (1-based,
// in characters) of that quote. It reads the file again; ok is false when
// it cannot tell.
func (s *csvStream) unclosedQuote(f fileEntry, start int) (line, col int, ok bool) {
	t, err := openText(context.Background(), f)
	if err != nil {
		return 0, 0, false
	}
	defer t.Close()
	r := bufio.NewReader(t)
	comma := s.comma(f)
	ln, c := 1, 0
	for ln < start {
		b, err := r.ReadByte()
		if err != nil {
			return 0, 0, false
		}
		if b == '\n' {
			ln++
		}
	}
	fieldStart, quoted := true, false
	var openLine, openCol int
	for {
		ch, _, err := r.ReadRune()
		if errors.Is(err, io.EOF) {
			return openLine, openCol, quoted
		}
		if err != nil {
			return 0, 0, false
		}
		c++
		switch {
		case quoted && ch == '"':
			if next, _, err := r.ReadRune(); err == nil && next == '"' {
				c++ // an escaped quote
			} else {
				if err == nil {
					_ = r.UnreadRune()
				}
				quoted = false
			}
		case quoted:
			if ch == '\n' {
				ln, c = ln+1, 0
			}
		case ch == '"' && fieldStart:
			quoted, openLine, openCol = true, ln, c
			fieldStart = false
		case ch == comma:
			fieldStart = true
		case ch == '\n':
			ln, c, fieldStart = ln+1, 0, true
		default:
			fieldStart = false
		}
	}
}
