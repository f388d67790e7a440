package clickhouse

import (
	"github.com/ClickHouse/ch-go/proto"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"

	"github.com/dpone-go/dpone/sdk"
)

// uuidCol parses uuid text (the SDK's logical uuid) into a UUID column:
// the canonical 36-character form without allocating, any other form
// uuid.Parse accepts (braces, urn:uuid:, 32 hex digits) through it, as
// the batch path does. Text that is no uuid is a DATA error.
func uuidCol(f arrow.Field, a *array.String, nullable bool) (proto.ColInput, bool, error) {
	c := make(proto.ColUUID, a.Len())
	for i := range c {
		if a.IsNull(i) {
			continue
		}
		s := a.Value(i)
		if u, ok := parseUUID36(s); ok {
			c[i] = u
			continue
		}
		u, err := uuid.Parse(s)
		if err != nil {
			return nil, false, sdk.Errorf(sdk.CodeData, "column %q: %q is not a uuid: %w", f.Name, s, err)
		}
		c[i] = u
	}
	return wrapNulls[uuid.UUID](&c, a, nullable), true, nil
}

// parseUUID36 parses xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (either case).
func parseUUID36(s string) (u uuid.UUID, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++
			continue
		}
		hi, lo := hexValue[s[i]], hexValue[s[i+1]]
		if hi == 0xff || lo == 0xff {
			return u, false
		}
		u[j] = hi<<4 | lo
		i, j = i+2, j+1
	}
	return u, true
}

// hexValue is the value of a hex digit, 0xff for any other byte.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
		t[c-'a'+'A'] = byte(c-'a') + 10
	}
	return t
}()
