package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// parsePath parses the JSONPath subset the connector takes: the root "$"
// followed by object keys ($.data.items, $['odd key']); "" is the root.
func parsePath(p string) ([]string, error) {
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

// pageScan reads one response body as a stream: the records at
// recordsPath go to onRecord one by one (the page is never held whole) and
// the values at the wanted paths are captured raw.
type pageScan struct {
	records  []string
	wants    [][]string
	captured []json.RawMessage
	onRecord func(raw json.RawMessage) error
	dec      *json.Decoder
	found    bool // the records path was present
}

// errRecord wraps an error of onRecord, so it is not taken for bad JSON.
type errRecord struct{ err error }

func (e errRecord) Error() string { return e.err.Error() }
func (e errRecord) Unwrap() error { return e.err }

// scan decodes body. A JSON error is a *jsonError with the byte offset.
func (s *pageScan) scan(body io.Reader) error {
	s.dec = json.NewDecoder(body)
	s.dec.UseNumber()
	s.captured = make([]json.RawMessage, len(s.wants))
	err := s.walk(nil)
	if err == nil {
		if _, terr := s.dec.Token(); terr != io.EOF {
			err = fmt.Errorf("data after the top-level value")
		}
	}
	if err == nil {
		return nil
	}
	var rec errRecord
	if errors.As(err, &rec) {
		return rec.err
	}
	return &jsonError{offset: s.dec.InputOffset(), err: err}
}

// jsonError is a malformed response body.
type jsonError struct {
	offset int64
	err    error
}

func (e *jsonError) Error() string {
	if errors.Is(e.err, io.ErrUnexpectedEOF) || errors.Is(e.err, io.EOF) {
		return fmt.Sprintf("malformed JSON at byte %d: the body ends mid-value", e.offset)
	}
	return fmt.Sprintf("malformed JSON at byte %d: %v", e.offset, strings.TrimPrefix(e.err.Error(), "json: "))
}

func (e *jsonError) Unwrap() error { return e.err }

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
func (s *pageScan) walk(path []string) error {
	if pathEqual(path, s.records) {
		s.found = true
		return s.readRecords()
	}
	for i, w := range s.wants {
		if pathEqual(path, w) {
			var raw json.RawMessage
			if err := s.dec.Decode(&raw); err != nil {
				return err
			}
			s.captured[i] = raw
			return nil
		}
	}
	descend := isPrefix(path, s.records)
	for _, w := range s.wants {
		descend = descend || isPrefix(path, w)
	}
	if !descend {
		var skip json.RawMessage
		return s.dec.Decode(&skip)
	}
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar where an object was expected: nothing below it
	}
	for s.dec.More() {
		if d == '[' {
			var skip json.RawMessage
			if err := s.dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		kt, err := s.dec.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		if err := s.walk(append(path[:len(path):len(path)], key)); err != nil {
			return err
		}
	}
	_, err = s.dec.Token()
	return err
}

// readRecords streams the records value: an array's elements, one object,
// or nothing for null.
func (s *pageScan) readRecords() error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		for s.dec.More() {
			var raw json.RawMessage
			if err := s.dec.Decode(&raw); err != nil {
				return err
			}
			if err := s.onRecord(raw); err != nil {
				return errRecord{err}
			}
		}
		_, err := s.dec.Token()
		return err
	case json.Delim('{'):
		var buf bytes.Buffer
		buf.WriteByte('{')
		for n := 0; s.dec.More(); n++ {
			kt, err := s.dec.Token()
			if err != nil {
				return err
			}
			var v json.RawMessage
			if err := s.dec.Decode(&v); err != nil {
				return err
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(kt)
			buf.Write(k)
			buf.WriteByte(':')
			buf.Write(v)
		}
		if _, err := s.dec.Token(); err != nil {
			return err
		}
		buf.WriteByte('}')
		if err := s.onRecord(buf.Bytes()); err != nil {
			return errRecord{err}
		}
		return nil
	case nil:
		return nil
	}
	return fmt.Errorf("records are a %T, want an array of objects", tok)
}
