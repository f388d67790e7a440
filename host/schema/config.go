package schema

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// ErrConfig is matched (errors.Is) by every *ConfigError: a manifest value
// this package cannot use. The run engine reports it as a usage/config
// error, before any I/O.
var ErrConfig = errors.New("invalid schema configuration")

// ConfigError names the manifest key at fault and what to do about it.
type ConfigError struct {
	// Path is the dotted manifest key, e.g.
	// "sink.options.schema_evolution.mode" or "schema_contract.columns.qty.min".
	Path string
	Msg  string
}

func (e *ConfigError) Error() string { return e.Path + ": " + e.Msg }

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

func configErr(path, format string, args ...any) error {
	return &ConfigError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// unknownKeys returns a *ConfigError for the first key of m (sorted) that
// is not in known.
func unknownKeys(path string, m map[string]any, known []string) error {
	var bad []string
	for k := range m {
		if !contains(known, k) {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	first := bad[0]
	for _, k := range bad[1:] {
		first = min(first, k)
	}
	return configErr(path, "unknown key %q%s", first, didYouMean(first, known))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalarText renders a YAML/JSON scalar as text: strings as is, numbers
// in their shortest exact form, bools as true/false, times as RFC 3339.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10), true
		}
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case fmt.Stringer: // json.Number and the like
		return x.String(), true
	case time.Time:
		return x.Format(time.RFC3339Nano), true
	}
	return "", false
}

// intValue accepts the integer forms YAML and JSON decoders produce.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case float64:
		return int64(x), x == math.Trunc(x) && math.Abs(x) < 1<<53
	}
	return 0, false
}
