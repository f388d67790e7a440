package kafka

import (
	"errors"
	"fmt"
)

// scanner walks one JSON text in place, validating it as encoding/json
// would, without allocating: the source's JSON decoder reads a message's
// object members through it and hands each member's text to its column.
type scanner struct {
	b []byte
	i int
}

// maxDepth bounds the nesting of arrays and objects (as encoding/json/v2).
const maxDepth = 10000

var errEnd = errors.New("unexpected end of JSON input")

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) syntax(what string) error {
	if s.i >= len(s.b) {
		return errEnd
	}
	return fmt.Errorf("invalid character %q %s (byte %d)", s.b[s.i], what, s.i)
}

// str scans the string at s.i (its opening quote) and returns its text
// between the quotes, still escaped, and whether it has escapes.
func (s *scanner) str() (text []byte, escaped bool, err error) {
	start := s.i + 1
	for i := start; i < len(s.b); {
		switch c := s.b[i]; {
		case c == '"':
			s.i = i + 1
			return s.b[start:i], escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(s.b) {
				return nil, false, errEnd
			}
			switch s.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.b) {
					return nil, false, errEnd
				}
				for _, h := range s.b[i+2 : i+6] {
					if !isHex(h) {
						s.i = i
						return nil, false, fmt.Errorf("invalid escape in string (byte %d)", i)
					}
				}
				i += 6
			default:
				return nil, false, fmt.Errorf("invalid escape in string (byte %d)", i)
			}
		case c < 0x20:
			return nil, false, fmt.Errorf("invalid control character in string (byte %d)", i)
		default:
			i++
		}
	}
	return nil, false, errEnd
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// value scans the value at s.i and returns its text.
func (s *scanner) value(depth int) ([]byte, error) {
	if s.peek() == 0 {
		return nil, errEnd
	}
	start := s.i
	var err error
	switch c := s.b[s.i]; c {
	case '"':
		_, _, err = s.str()
	case '{', '[':
		err = s.container(c, depth+1)
	case 't':
		err = s.literal("true")
	case 'f':
		err = s.literal("false")
	case 'n':
		err = s.literal("null")
	default:
		err = s.number()
	}
	return s.b[start:s.i], err
}

func (s *scanner) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return s.syntax("in literal " + lit)
	}
	s.i += len(lit)
	return nil
}

// number scans a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() error {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		s.i = i
		return s.syntax("looking for beginning of value")
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			return s.syntax("after decimal point in numeric literal")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == d {
			s.i = i
			return s.syntax("in exponent of numeric literal")
		}
	}
	s.i = i
	return nil
}

// container scans an object or an array.
func (s *scanner) container(open byte, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("exceeded max depth of %d", maxDepth)
	}
	closer := byte(']')
	if open == '{' {
		closer = '}'
	}
	s.i++
	if s.peek() == closer {
		s.i++
		return nil
	}
	for {
		if open == '{' {
			if s.peek() != '"' {
				return s.syntax("looking for beginning of object key string")
			}
			if _, _, err := s.str(); err != nil {
				return err
			}
			if s.peek() != ':' {
				return s.syntax("after object key")
			}
			s.i++
		}
		if _, err := s.value(depth); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case closer:
			s.i++
			return nil
		default:
			if open == '{' {
				return s.syntax("after object key:value pair")
			}
			return s.syntax("after array element")
		}
	}
}

// validJSON reports whether b is one JSON value (json.Valid, faster).
func validJSON(b []byte) bool {
	s := scanner{b: b}
	_, err := s.value(0)
	return err == nil && s.peek() == 0
}
