package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors; every [*Error] unwraps to one of them.
var (
	// ErrUnknownKey reports a key the manifest format does not define.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalid reports a value of the wrong shape or outside its domain.
	ErrInvalid = errors.New("invalid manifest")
	// ErrTemplate reports a Jinja template that does not parse or render.
	ErrTemplate = errors.New("template error")
	// ErrMissingEnv reports credentials or ${VAR} references that the
	// environment does not provide.
	ErrMissingEnv = errors.New("missing environment variable")
	// ErrUnsupported reports a feature that is recognised but not supported
	// yet (for example connection_type vault).
	ErrUnsupported = errors.New("not supported yet")
	// ErrSelector reports a selector that matches no unit.
	ErrSelector = errors.New("unknown selector")
)

// Error is one problem in a manifest, located by file and line.
type Error struct {
	File string // manifest path as given to Load or Parse
	Line int    // 1-based; 0 when the problem has no single position
	Unit string // unit id when the problem belongs to one unit
	Msg  string
	Kind error // one of the Err* sentinels, or a *dag.CycleError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Unit != "" {
		fmt.Fprintf(&b, "unit %s: ", e.Unit)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the sentinel classifying the error.
func (e *Error) Unwrap() error { return e.Kind }

// problems collects errors for one manifest.
type problems struct {
	file string
	errs []error
}

func (p *problems) add(kind error, line int, unit, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Unit: unit, Msg: fmt.Sprintf(format, args...), Kind: kind})
}

func (p *problems) addErr(kind error, line int, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: msg, Kind: kind})
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// suggest returns the candidate closest to s, or "" when none is close
// enough to be a plausible typo.
func suggest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := levenshtein(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	limit := max(2, len(s)/3)
	if bestD > limit || bestD >= len(s) {
		return ""
	}
	return best
}

// didYouMean formats a " (did you mean "x"?)" suffix, or lists the
// allowed values when no candidate is close and there are few of them.
func didYouMean(s string, candidates []string) string {
	if c := suggest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	if len(candidates) > 0 && len(candidates) <= 12 {
		sorted := slices.Clone(candidates)
		slices.Sort(sorted)
		return " (expected one of: " + strings.Join(sorted, ", ") + ")"
	}
	return ""
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// DidYouMean returns " (did you mean "x"?)" for the candidate closest to s,
// or the list of candidates when there are few, or "".
func DidYouMean(s string, candidates []string) string { return didYouMean(s, candidates) }

// Suggest returns the candidate within a small edit distance of s, or "".
func Suggest(s string, candidates []string) string { return suggest(s, candidates) }
