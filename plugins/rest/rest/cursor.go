package rest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// cursorMax tracks the largest value of the incremental column seen in a
// read. API records come in any order, so it compares every value rather
// than taking the last one: numbers as numbers, timestamps as instants,
// anything else as text.
type cursorMax struct {
	text string
	set  bool
}

// observe takes one raw cursor value (absent and null are ignored).
func (m *cursorMax) observe(text string) {
	if text == "" {
		return
	}
	if !m.set || cursorLess(m.text, text) {
		m.text, m.set = text, true
	}
}

// cursorLess orders two cursor texts.
func cursorLess(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	if ea == nil && eb == nil {
		return fa < fb
	}
	ta, oka := parseTimestamp(a)
	tb, okb := parseTimestamp(b)
	if oka && okb {
		return ta.Before(tb)
	}
	return a < b
}

// startFrom is the cursor a read sends: the committed one minus lookback
// (a number for numeric cursors, an interval such as "2 hours" or "90m"
// for timestamps), or initial_value on the first read.
func startFrom(prior *string, lookback, initial *sdk.Scalar) (string, error) {
	if prior == nil {
		if initial != nil {
			return initial.Text, nil
		}
		return "", nil
	}
	if lookback == nil {
		return *prior, nil
	}
	if f, err := strconv.ParseFloat(*prior, 64); err == nil {
		lb, err := strconv.ParseFloat(lookback.Text, 64)
		if err != nil {
			return "", sdk.Errorf(sdk.CodeConfig, "lookback %q: the cursor %s is a number, so lookback must be one", lookback.Text, *prior)
		}
		return strconv.FormatFloat(f-lb, 'f', -1, 64), nil
	}
	t, ok := parseTimestamp(*prior)
	if !ok {
		return "", sdk.Errorf(sdk.CodeConfig, "lookback: the cursor %q is neither a number nor a timestamp", *prior)
	}
	d, err := parseInterval(lookback.Text)
	if err != nil {
		return "", err
	}
	return t.Add(-d).Format(time.RFC3339Nano), nil
}

var intervalRe = regexp.MustCompile(`^(\d+)\s*(second|minute|hour|day|week)s?$`)

// parseInterval reads "2 hours", "30 minutes", "1 day" or a Go duration.
func parseInterval(s string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if m := intervalRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour,
			"day": 24 * time.Hour, "week": 7 * 24 * time.Hour}[m[2]]
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, sdk.Errorf(sdk.CodeConfig, "lookback %q: want an interval such as \"2 hours\" or \"90m\"", s)
	}
	return d, nil
}

func (m *cursorMax) String() string { return fmt.Sprintf("cursor max %q", m.text) }
