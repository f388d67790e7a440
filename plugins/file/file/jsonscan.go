package file

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// This file holds a small scanner for one JSON object per line: it finds
// each top-level key and the raw bytes of its value without decoding
// nested values into Go maps (which is slow and changes numbers), so
// nested objects keep their exact text.

// scanObject calls fn for each key and raw value of the JSON object in b.
func scanObject(b []byte, fn func(key, raw []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return fmt.Errorf("not a JSON object")
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return syntaxError(b, i, "a quoted key")
		}
		end, err := scanString(b, i)
		if err != nil {
			return err
		}
		key, err := decodeString(b[i:end])
		if err != nil {
			return err
		}
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return syntaxError(b, i, "':'")
		}
		i = skipWS(b, i+1)
		vend, err := scanValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			return syntaxError(b, i, "',' or '}'")
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return trailing(b, i+1)
		default:
			return syntaxError(b, i, "',' or '}'")
		}
	}
}

func trailing(b []byte, i int) error {
	if i = skipWS(b, i); i < len(b) {
		return syntaxError(b, i, "the end of the line")
	}
	return nil
}

func syntaxError(b []byte, i int, want string) error {
	if i >= len(b) {
		return fmt.Errorf("invalid JSON: line ends where %s was expected", want)
	}
	r, _ := utf8.DecodeRune(b[i:])
	return fmt.Errorf("invalid JSON at byte %d: found %q where %s was expected", i+1, r, want)
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// scanString returns the index after the closing quote of the string
// starting at b[i].
func scanString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("invalid JSON: unterminated string at byte %d", i+1)
}

// scanValue returns the index after the value starting at b[i]. Nested
// objects and arrays are matched by bracket depth here and validated when
// they are stored.
func scanValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, syntaxError(b, i, "a value")
	}
	switch b[i] {
	case '"':
		return scanString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := scanString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("invalid JSON: unterminated %c at byte %d", b[i], i+1)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	lit := string(b[i:j])
	switch {
	case lit == "true" || lit == "false" || lit == "null":
	case isFloat(lit) && lit[0] != '+' && lit[0] != '.':
	default:
		return 0, fmt.Errorf("invalid JSON value %q at byte %d", lit, i+1)
	}
	return j, nil
}

// decodeString decodes a quoted JSON string (the quotes included); the
// result aliases q when the string has no escapes.
func decodeString(q []byte) ([]byte, error) {
	inner := q[1 : len(q)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' || c < 0x20 {
			plain = false
			break
		}
	}
	if plain {
		return inner, nil
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return nil, fmt.Errorf("invalid JSON string %s: %w", q, err)
	}
	return []byte(s), nil
}
