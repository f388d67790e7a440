package jsonlex

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestScanValueAgreesWithEncodingJSON: the page scanner accepts exactly
// what encoding/json accepts, for well-formed and broken values (but for
// invalid UTF-8, which encoding/json replaces and the scanner rejects:
// TestLexerErrorOffsets).
func TestScanValueAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`1`, `-0`, `0.5e+10`, `-12.25E-3`, `"a\"b\\c\u00e9\/"`, `"ünï"`, `true`, `false`, `null`,
		`{}`, `[]`, `{"a":[1,{"b":null}],"c":"}"}`, ` [ 1 , 2 ] `, `{"a" : {"b" : []}}`,
		`01`, `1.`, `.5`, `-`, `1e`, `+1`, `"a`, `"\x"`, `"\u12g4"`, "\"a\x01\"", `tru`, `nul`, `truex`,
		`{"a"}`, `{"a":}`, `{a:1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1"b":2}`, `[`, `{`, `]`, `}`,
	} {
		end, err := scanValue([]byte(in), 0, true, 0)
		ok := err == nil && strings.TrimSpace(in[end:]) == ""
		if want := json.Valid([]byte(in)); ok != want {
			t.Errorf("%q: scanValue ok=%v (end %d, err %v), encoding/json valid=%v", in, ok, end, err, want)
		}
	}
}

// TestLexerChunks reads values split at every byte boundary (one byte
// per Read) and values larger than a chunk.
func TestLexerChunks(t *testing.T) {
	big := `"` + strings.Repeat("x", 3*lexChunk) + `"`
	body := `{"a":[1,22.50,"s"],"b":` + big + `,"c":-3e2}  `
	for name, r := range map[string]io.Reader{
		"one byte": iotest.OneByteReader(strings.NewReader(body)),
		"half":     iotest.HalfReader(strings.NewReader(body)),
		"whole":    strings.NewReader(body),
	} {
		t.Run(name, func(t *testing.T) {
			l := &Lexer{}
			l.Reset(r)
			v, err := l.Value()
			if err != nil {
				t.Fatal(err)
			}
			if string(v) != strings.TrimSpace(body) {
				t.Errorf("got %d bytes, want the body (%d)", len(v), len(strings.TrimSpace(body)))
			}
			if end, err := l.AtEnd(); err != nil || !end {
				t.Errorf("atEnd = %v, %v; want true", end, err)
			}
		})
	}
}

// TestLexerErrorOffsets: a malformed body is an *Error at the byte
// where the scan stopped, whatever the read sizes.
func TestLexerErrorOffsets(t *testing.T) {
	cases := []struct {
		body string
		at   int64
		msg  string
	}{
		{`{"a":1,"b":x}`, 11, "invalid character 'x'"},
		{`{"a":[1,2,]}`, 10, "invalid character ']'"},
		{`{"a":"b`, 7, "ends mid-value"},
		{`{"a":1 "b":2}`, 7, "want ',' or '}'"},
		{"{\"a\":\"\xff\"}", 6, "invalid UTF-8"},
	}
	for _, c := range cases {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(c.body)
			if one {
				r = iotest.OneByteReader(r)
			}
			l := &Lexer{}
			l.Reset(r)
			_, err := l.Value()
			var je *Error
			if !errors.As(err, &je) {
				t.Fatalf("%q: got %v, want an *Error", c.body, err)
			}
			if je.Offset != c.at || !strings.Contains(je.Error(), c.msg) {
				t.Errorf("%q (one byte reads %v): got %q at %d, want %q at %d", c.body, one, je.Error(), je.Offset, c.msg, c.at)
			}
		}
	}
}

// TestLexerReadError: a body that breaks off is a *ReadError, not bad JSON.
func TestLexerReadError(t *testing.T) {
	l := &Lexer{}
	l.Reset(io.MultiReader(strings.NewReader(`{"data":[{"id":1},`), iotest.ErrReader(errors.New("connection reset"))))
	_, err := l.Value()
	var re *ReadError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("got %v, want a *ReadError", err)
	}
}
