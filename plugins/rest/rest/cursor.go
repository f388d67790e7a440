package rest

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// cursorMax tracks the largest value of the incremental column seen in
// one pagination, and the fingerprints of the records at it (the tie
// group). API records come in any order, so it compares every value
// rather than taking the last one: numbers as numbers, timestamps as
// instants, anything else as text.
//
// An API filters by the cursor it is sent, inclusively (updated_since >=
// cursor), so the next read gets the tie group again: the records whose
// fingerprint the checkpoint holds are dropped (as sdk.Cursor does for
// the database sources), and a record changed at the same cursor value is
// read again. Past tieCap records the group is not remembered and is read
// again (merge absorbs it).
type cursorMax struct {
	text   string
	set    bool
	seen   []string
	count  int
	tieCap int
	// from is the cursor the pagination's requests sent ("" none): an
	// incremental read drops records before it (an API that ignores the
	// parameter sends them anyway).
	from string
	// prior tie group to drop: fingerprint -> records left to drop.
	prior   *string
	drop    map[string]int
	dropped int
}

func newCursorMax(prior *string, seen []string, tieCap int) *cursorMax {
	m := &cursorMax{prior: prior, tieCap: tieCap}
	if prior != nil && len(seen) > 0 {
		m.drop = map[string]int{}
		for _, fp := range seen {
			m.drop[fp]++
		}
	}
	return m
}

// take observes one record's cursor text ("" for absent or null) and raw
// bytes, and reports whether to keep it (false: the prior read took it).
func (m *cursorMax) take(text string, raw []byte) bool {
	if text == "" {
		return true
	}
	fp := fingerprint(raw)
	switch {
	case !m.set || cursorLess(m.text, text):
		m.text, m.set, m.seen, m.count = text, true, append(m.seen[:0], fp), 1
	case !cursorLess(text, m.text):
		m.count++
		if m.count <= m.tieCap {
			m.seen = append(m.seen, fp)
		} else {
			m.seen = m.seen[:0]
		}
	}
	if m.prior != nil && m.drop[fp] > 0 && !cursorLess(text, *m.prior) && !cursorLess(*m.prior, text) {
		m.drop[fp]--
		m.dropped++
		return false
	}
	return true
}

// result is the cursor and tie group after this pagination: the larger
// of the prior and what was read (when nothing passed the prior value,
// the prior's group plus what was read at it).
func (m *cursorMax) result(prior *string, priorSeen []string) (*string, []string) {
	switch {
	case !m.set && prior == nil:
		return nil, nil
	case !m.set:
		return prior, priorSeen
	case prior != nil && cursorLess(m.text, *prior):
		return prior, priorSeen
	}
	t := m.text
	if m.count > m.tieCap {
		return &t, nil
	}
	return &t, slices.Clone(m.seen)
}

// fingerprint is a short digest of a raw record.
func fingerprint(raw []byte) string {
	h := sha256.Sum256(raw)
	return base64.RawStdEncoding.EncodeToString(h[:16])
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
	d, err := parseInterval(lookback.Text, "lookback")
	if err != nil {
		return "", err
	}
	return t.Add(-d).Format(time.RFC3339Nano), nil
}

var intervalRe = regexp.MustCompile(`^(\d+)\s*(second|minute|hour|day|week)s?$`)

// parseInterval reads "2 hours", "30 minutes", "1 day" or a Go duration
// (the value of option key).
func parseInterval(s, key string) (time.Duration, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if m := intervalRe.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour,
			"day": 24 * time.Hour, "week": 7 * 24 * time.Hour}[m[2]]
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, sdk.Errorf(sdk.CodeConfig, "%s %q: want an interval such as \"2 hours\" or \"90m\"", key, s)
	}
	return d, nil
}
