package jsonlex

import (
	"bytes"
	"encoding/json"
)

// The helpers below walk values a Lexer has validated: they assume
// well-formed JSON and never fail.

// SkipSpace returns the index of the first byte at or after i in b that
// is not JSON white space.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// ValueEnd returns the index just past the JSON value starting at i.
func ValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(b)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = ValueEnd(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return j
}

// UnquoteKey decodes a quoted key, fast when it has no escapes.
func UnquoteKey(q []byte) string {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1])
	}
	var s string
	_ = json.Unmarshal(q, &s)
	return s
}

// AppendUnquoted appends the decoded text of the JSON string q to b.
func AppendUnquoted(b, q []byte) []byte {
	if bytes.IndexByte(q, '\\') < 0 {
		return append(b, q[1:len(q)-1]...)
	}
	var s string
	_ = json.Unmarshal(q, &s)
	return append(b, s...)
}

// Short is b for an error message: trimmed, at most 64 bytes.
func Short(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 64 {
		return string(b[:61]) + "..."
	}
	return string(b)
}
