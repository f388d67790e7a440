// Package page reads one API response body for the rest connector as it
// streams in: the records a records_path (RFC 9535 JSONPath) selects, one
// at a time, and the values the paginator wants (next links, totals).
package page

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"
)

// ParseKeys parses the JSONPath subset the paginators take for values
// in a body: the root "$" followed by object keys ($.meta.next,
// $['odd key']); "" is the root. records_path takes any JSONPath
// (Compile).
func ParseKeys(p string) ([]string, error) {
	p = strings.TrimSpace(p)
	if p == "" || p == "$" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "$") {
		p = "$." + p
	}
	var keys []string
	rest := p[1:]
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, fmt.Errorf("%q: unclosed ['", p)
			}
			keys = append(keys, rest[2:end])
			rest = rest[end+2:]
		case strings.HasPrefix(rest, "."):
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("%q: empty key", p)
			}
			keys = append(keys, rest[:end])
			rest = rest[end:]
		default:
			return nil, fmt.Errorf("%q: want $.key.key or $['key'] (object keys only)", p)
		}
	}
	return keys, nil
}

// Scan reads one response body as a stream: the records the
// records path selects go to onRecord one by one (a streamed path never
// holds the page whole) and the values at the wanted paths are captured.
type Scan struct {
	Records  *Path
	Wants    [][]string // paths (ParseKeys) whose values are captured
	Captured []json.RawMessage
	// OnRecord gets each record; raw is valid only during the call.
	OnRecord func(raw []byte) error
	lx       *jsonlex.Lexer
	// pageRecords is, for a full path whose leading member names lead to
	// an array ($.data[?...], $.data[1:3]), that array's length: what the
	// empty-page and short-page stop rules count, not the records the
	// path selects (-1: count those). pageBody is then the array's text,
	// the page's digest for loop detection.
	PageRecords int
	PageBody    []byte
}

// errRecord wraps an error of onRecord, so it is not taken for bad JSON.
type errRecord struct{ err error }

func (e errRecord) Error() string { return e.err.Error() }
func (e errRecord) Unwrap() error { return e.err }

// Read decodes body. A JSON error is a *jsonlex.Error with the byte
// offset; a body that breaks off is a *jsonlex.ReadError.
func (s *Scan) Read(body io.Reader) error {
	if s.lx == nil {
		s.lx = &jsonlex.Lexer{}
	}
	s.lx.Reset(body)
	s.PageRecords, s.PageBody = -1, s.PageBody[:0]
	if cap(s.Captured) >= len(s.Wants) {
		s.Captured = s.Captured[:len(s.Wants)]
		clear(s.Captured)
	} else {
		s.Captured = make([]json.RawMessage, len(s.Wants))
	}
	end, err := s.lx.AtEnd()
	switch {
	case err != nil:
		return err
	case end: // an empty body (204 No Content): a page without records
		return nil
	case s.Records.Streamed():
		err = s.walk(nil)
	default:
		err = s.whole()
	}
	if err == nil {
		if end, err = s.lx.AtEnd(); err == nil && !end {
			err = s.lx.ErrAt(0, errors.New("data after the top-level value"))
		}
	}
	var rec errRecord
	if errors.As(err, &rec) {
		return rec.err
	}
	return err
}

func pathEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isPrefix(p, of []string) bool { return len(p) < len(of) && pathEqual(p, of[:len(p)]) }

// walk reads the value at path.
func (s *Scan) walk(path []string) error {
	if pathEqual(path, s.Records.keys) {
		if s.Records.each {
			return s.readEach()
		}
		return s.readRecords()
	}
	for i, w := range s.Wants {
		if pathEqual(path, w) {
			raw, err := s.lx.Value()
			s.Captured[i] = bytes.Clone(raw)
			return err
		}
	}
	descend := isPrefix(path, s.Records.keys)
	for _, w := range s.Wants {
		descend = descend || isPrefix(path, w)
	}
	c, err := s.lx.Peek()
	if err != nil {
		return err
	}
	if !descend || c != '{' { // nothing wanted below, or no keys to go by
		_, err := s.lx.Value()
		return err
	}
	return s.members(func(key string) error { return s.walk(append(path[:len(path):len(path)], key)) })
}

// members reads an object (at its '{'), calling fn for each member with
// the lexer at its value, which fn must read.
func (s *Scan) members(fn func(key string) error) error {
	s.lx.Advance() // '{'
	if c, err := s.lx.Peek(); err != nil || c == '}' {
		s.lx.Advance()
		return err
	}
	for {
		if c, err := s.lx.Peek(); err != nil {
			return err
		} else if c != '"' {
			return s.lx.ErrAt(0, fmt.Errorf("invalid character %q looking for an object key", c))
		}
		k, err := s.lx.Value()
		if err != nil {
			return err
		}
		key := jsonlex.UnquoteKey(k)
		if err := s.lx.Expect(':', "after an object key"); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		if end, err := s.next('}'); err != nil || end {
			return err
		}
	}
}

// next reads the ',' between members or elements, or the closing
// delimiter (end true).
func (s *Scan) next(closing byte) (bool, error) {
	c, err := s.lx.Peek()
	if err != nil {
		return false, err
	}
	switch c {
	case ',':
		s.lx.Advance()
		return false, nil
	case closing:
		s.lx.Advance()
		return true, nil
	}
	return false, s.lx.ErrAt(0, fmt.Errorf("invalid character %q after a value, want ',' or '%c'", c, closing))
}

// readEach reads the values of an array or object (a trailing wildcard),
// each holding records.
func (s *Scan) readEach() error {
	c, err := s.lx.Peek()
	if err != nil {
		return err
	}
	switch c {
	case '[':
		s.lx.Advance()
		if c, err := s.lx.Peek(); err != nil || c == ']' {
			s.lx.Advance()
			return err
		}
		for {
			if err := s.readRecords(); err != nil {
				return err
			}
			if end, err := s.next(']'); err != nil || end {
				return err
			}
		}
	case '{':
		return s.members(func(string) error { return s.readRecords() })
	}
	_, err = s.lx.Value() // a wildcard selects nothing in a scalar
	return err
}

// readRecords streams the records value: an array's elements, one object,
// or nothing for null.
func (s *Scan) readRecords() error {
	c, err := s.lx.Peek()
	if err != nil {
		return err
	}
	if c != '[' {
		raw, err := s.lx.Value()
		if err != nil {
			return err
		}
		return s.recordValue(raw)
	}
	s.lx.Advance()
	if c, err := s.lx.Peek(); err != nil || c == ']' {
		s.lx.Advance()
		return err
	}
	for {
		raw, err := s.lx.Value()
		if err != nil {
			return err
		}
		if err := s.OnRecord(raw); err != nil {
			return errRecord{err}
		}
		if end, err := s.next(']'); err != nil || end {
			return err
		}
	}
}

// recordValue takes one selected value that is not streamed element by
// element: an object is a record, an array's elements are, null is none.
func (s *Scan) recordValue(raw []byte) error {
	switch raw[0] {
	case 'n':
		return nil
	case '{':
		if err := s.OnRecord(raw); err != nil {
			return errRecord{err}
		}
		return nil
	case '[':
		var inner [][]byte
		collect(raw, &pathNode{children: elements(raw)}, &inner)
		for _, r := range inner {
			if err := s.OnRecord(r); err != nil {
				return errRecord{err}
			}
		}
		return nil
	}
	return errRecord{fmt.Errorf("records_path %s selects %s, want an array of objects or an object", s.Records.text, jsonlex.Short(raw))}
}

// elements is a trie level selecting every element of the array raw.
func elements(raw []byte) map[string]*pathNode {
	m := map[string]*pathNode{}
	n := 0
	for i := jsonlex.SkipSpace(raw, 1); i < len(raw) && raw[i] != ']'; n++ {
		m["["+strconv.Itoa(n)] = &pathNode{selected: true}
		i = jsonlex.SkipSpace(raw, jsonlex.ValueEnd(raw, i))
		if i < len(raw) && raw[i] == ',' {
			i = jsonlex.SkipSpace(raw, i+1)
		}
	}
	return m
}

// whole reads the page whole and takes the records a full JSONPath
// selects.
func (s *Scan) whole() error {
	doc, err := s.lx.Value()
	if err != nil {
		return err
	}
	for i, w := range s.Wants {
		if raw := lookupKeys(doc, w); raw != nil {
			s.Captured[i] = bytes.Clone(raw)
		}
	}
	if base := lookupKeys(doc, s.Records.keys); len(base) > 0 && base[0] == '[' {
		s.PageRecords = len(elements(base))
		s.PageBody = append(s.PageBody[:0], base...)
	}
	sel, err := s.Records.selectRaw(doc)
	if err != nil {
		return s.lx.ErrAt(0, err)
	}
	for _, raw := range sel {
		if err := s.recordValue(raw); err != nil {
			return err
		}
	}
	return nil
}

// lookupKeys is the raw value at a path of object keys in doc (valid
// JSON), nil when absent.
func lookupKeys(doc []byte, keys []string) []byte {
	if len(keys) == 0 {
		return bytes.TrimSpace(doc)
	}
	t := &pathNode{}
	leaf := t
	for _, k := range keys {
		c := &pathNode{}
		leaf.children = map[string]*pathNode{"." + k: c}
		leaf = c
	}
	leaf.selected = true
	var out [][]byte
	collect(doc, t, &out)
	if len(out) == 0 {
		return nil
	}
	return out[0]
}
