// Package jsonlex reads JSON response bodies for the rest connector: a
// Lexer hands out whole, validated values of a body read in chunks (byte
// offsets in its errors, invalid UTF-8 refused), and helpers walk values
// it already validated without decoding them.
package jsonlex

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Lexer reads one JSON body in chunks and hands out whole, validated
// values as slices of its buffer: memory holds the largest single value
// the caller asks for, never the body. A slice it returns is valid until
// the next call. The zero Lexer is ready for Reset.
type Lexer struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte of buf
	base int64 // body offset of buf[0]
	eof  bool
}

// lexChunk is the size of one read of the body.
const lexChunk = 64 << 10

// maxDepth bounds nesting, so a hostile body cannot exhaust the stack.
const maxDepth = 10000

// errIncomplete is a value that runs past the bytes read so far.
var errIncomplete = errors.New("incomplete value")

// syntaxError is malformed JSON at index at of the scanned slice.
type syntaxError struct {
	at  int
	msg string
}

func (e *syntaxError) Error() string { return e.msg }

// Reset starts reading body r, keeping the buffer.
func (l *Lexer) Reset(r io.Reader) {
	l.r, l.buf, l.pos, l.base, l.eof = r, l.buf[:0], 0, 0, false
}

// fill reads more of the body after buf[pos:], which it moves to the
// front; at least min unread bytes are buffered unless the body ends.
func (l *Lexer) fill(min int) error {
	if l.pos > 0 {
		n := copy(l.buf, l.buf[l.pos:])
		l.base += int64(l.pos)
		l.buf, l.pos = l.buf[:n], 0
	}
	for !l.eof && len(l.buf) < min {
		if cap(l.buf)-len(l.buf) < lexChunk/2 {
			nb := make([]byte, len(l.buf), max(2*cap(l.buf), len(l.buf)+lexChunk, min))
			copy(nb, l.buf)
			l.buf = nb
		}
		n, err := l.r.Read(l.buf[len(l.buf):cap(l.buf)])
		l.buf = l.buf[:len(l.buf)+n]
		switch {
		case err == io.EOF:
			l.eof = true
		case err != nil:
			return &ReadError{Offset: l.base + int64(len(l.buf)), Err: err}
		}
	}
	return nil
}

// ReadError is a body that broke off while being read.
type ReadError struct {
	Offset int64 // the body bytes read before it broke off
	Err    error
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("the body broke off at byte %d: %v", e.Offset, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Error is a malformed body: what is wrong at byte Offset.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string {
	if errors.Is(e.Err, io.ErrUnexpectedEOF) || errors.Is(e.Err, io.EOF) {
		return fmt.Sprintf("malformed JSON at byte %d: the body ends mid-value", e.Offset)
	}
	return fmt.Sprintf("malformed JSON at byte %d: %v", e.Offset, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Peek skips white space and returns the next byte, unread;
// io.ErrUnexpectedEOF at the end of the body.
func (l *Lexer) Peek() (byte, error) {
	for {
		for l.pos < len(l.buf) {
			switch c := l.buf[l.pos]; c {
			case ' ', '\t', '\n', '\r':
				l.pos++
			default:
				return c, nil
			}
		}
		if l.eof {
			return 0, l.ErrAt(0, io.ErrUnexpectedEOF)
		}
		if err := l.fill(1); err != nil {
			return 0, err
		}
	}
}

// AtEnd reports whether only white space is left of the body.
func (l *Lexer) AtEnd() (bool, error) {
	_, err := l.Peek()
	var je *Error
	if errors.As(err, &je) && errors.Is(je.Err, io.ErrUnexpectedEOF) {
		return true, nil
	}
	return false, err
}

// Value returns the next whole value, validated.
func (l *Lexer) Value() ([]byte, error) {
	if _, err := l.Peek(); err != nil {
		return nil, err
	}
	for {
		n, err := scanValue(l.buf[l.pos:], 0, l.eof, 0)
		if err == nil {
			v := l.buf[l.pos : l.pos+n : l.pos+n]
			l.pos += n
			return v, nil
		}
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, l.ErrAt(se.at, errors.New(se.msg))
		}
		if l.eof { // incomplete at the end of the body
			return nil, l.ErrAt(len(l.buf)-l.pos, io.ErrUnexpectedEOF)
		}
		if err := l.fill(max(2*(len(l.buf)-l.pos), lexChunk)); err != nil {
			return nil, err
		}
	}
}

// Expect consumes the delimiter c (after white space).
func (l *Lexer) Expect(c byte, what string) error {
	got, err := l.Peek()
	if err != nil {
		return err
	}
	if got != c {
		return l.ErrAt(0, fmt.Errorf("invalid character %q %s", got, what))
	}
	l.pos++
	return nil
}

// ErrAt is an *Error at index at past the next unread byte.
func (l *Lexer) ErrAt(at int, err error) error {
	return &Error{Offset: l.base + int64(l.pos+at), Err: err}
}

// Advance consumes the byte Peek returned.
func (l *Lexer) Advance() { l.pos++ }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanValue returns the index just past the JSON value starting at or
// after i in b (white space first), checking it is well-formed.
// errIncomplete: b ends inside the value (final: no more bytes come).
func scanValue(b []byte, i int, final bool, depth int) (int, error) {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i >= len(b) {
		return 0, errIncomplete
	}
	if depth > maxDepth {
		return 0, &syntaxError{i, fmt.Sprintf("values nested deeper than %d", maxDepth)}
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '{' || c == '[':
		return scanContainer(b, i, final, depth)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i, final)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	default:
		return 0, &syntaxError{i, fmt.Sprintf("invalid character %q looking for a value", c)}
	}
}

// scanContainer scans an object or an array starting at b[i].
func scanContainer(b []byte, i int, final bool, depth int) (int, error) {
	obj := b[i] == '{'
	closing := byte(']')
	if obj {
		closing = '}'
	}
	i++
	for n := 0; ; n++ {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return 0, errIncomplete
		}
		if n == 0 && b[i] == closing {
			return i + 1, nil
		}
		var err error
		if obj {
			if b[i] != '"' {
				return 0, &syntaxError{i, fmt.Sprintf("invalid character %q looking for an object key", b[i])}
			}
			if i, err = scanString(b, i); err != nil {
				return 0, err
			}
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i >= len(b) {
				return 0, errIncomplete
			}
			if b[i] != ':' {
				return 0, &syntaxError{i, fmt.Sprintf("invalid character %q after an object key", b[i])}
			}
			i++
		}
		if i, err = scanValue(b, i, final, depth+1); err != nil {
			return 0, err
		}
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return 0, errIncomplete
		}
		switch b[i] {
		case ',':
			i++
		case closing:
			return i + 1, nil
		default:
			return 0, &syntaxError{i, fmt.Sprintf("invalid character %q after a value, want ',' or '%c'", b[i], closing)}
		}
	}
}

// scanString scans a string starting at the quote b[i].
func scanString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); {
		c := b[j]
		switch {
		case c == '"':
			return j + 1, nil
		case c == '\\':
			if j+1 >= len(b) {
				return 0, errIncomplete
			}
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(b) {
					return 0, errIncomplete
				}
				for _, h := range b[j+2 : j+6] {
					if !isHex(h) {
						return 0, &syntaxError{j, "invalid \\u escape in a string"}
					}
				}
				j += 6
			default:
				return 0, &syntaxError{j, fmt.Sprintf("invalid escape \\%c in a string", b[j+1])}
			}
		case c < 0x20:
			return 0, &syntaxError{j, "control character in a string"}
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(b[j:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(b[j:]) {
					return 0, errIncomplete
				}
				return 0, &syntaxError{j, "invalid UTF-8 in a string"}
			}
			j += size
		}
	}
	return 0, errIncomplete
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(b []byte, i int, final bool) (int, error) {
	start := i
	bad := func(at int) (int, error) {
		if at >= len(b) && !final {
			return 0, errIncomplete
		}
		return 0, &syntaxError{start, fmt.Sprintf("malformed number %s", Short(b[start:min(at+1, len(b))]))}
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return bad(i)
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return bad(i)
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return bad(i)
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return bad(i)
		}
	}
	if i >= len(b) && !final {
		return 0, errIncomplete // more digits may follow
	}
	return i, nil
}

// scanLiteral scans true, false or null.
func scanLiteral(b []byte, i int, lit string) (int, error) {
	for k := 0; k < len(lit); k++ {
		if i+k >= len(b) {
			return 0, errIncomplete
		}
		if b[i+k] != lit[k] {
			return 0, &syntaxError{i, fmt.Sprintf("invalid literal %s, want %s", Short(b[i:min(i+len(lit), len(b))]), lit)}
		}
	}
	return i + len(lit), nil
}
