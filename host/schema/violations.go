package schema

import (
	"cmp"
	"slices"
)

// Reason is the rule a row broke. Its String is the reason code stored in
// the quarantine table's _dpone_reason_code and shown in reports.
type Reason uint8

// Reason codes, in the order a column's rules are checked: a row's first
// reason is its first broken rule in column order, then this order.
// UNIQUE is checked last, over rows that broke nothing else.
const (
	ReasonNone Reason = iota
	ReasonType
	ReasonNotNull
	ReasonAcceptedValues
	ReasonRegex
	ReasonRange
	ReasonMaxLength
	ReasonUnique
	numReasons
)

var reasonCodes = [numReasons]string{"", "TYPE", "NOT_NULL", "ACCEPTED_VALUES", "REGEX", "RANGE", "MAX_LENGTH", "UNIQUE"}

// String returns the reason code (NOT_NULL, RANGE, ...); "" for ReasonNone.
func (r Reason) String() string {
	if r < numReasons {
		return reasonCodes[r]
	}
	return "UNKNOWN"
}

// Count is how many rows broke one rule of one column. A row that breaks
// rules of several columns is counted for each.
type Count struct {
	Column string
	Reason Reason
	Rows   int64
}

// Violations is the result of checking one batch. The caller owns it.
type Violations struct {
	// Rows is the number of rows checked.
	Rows int
	// BadRows is the number of rows that broke at least one rule.
	BadRows int
	// Bad[i] reports whether row i broke a rule; nil when BadRows is 0.
	Bad []bool
	// Codes[i] is row i's first broken rule (ReasonNone for good rows);
	// nil when BadRows is 0.
	Codes []Reason
	// BadIndex lists the bad rows' indexes, ascending; nil when BadRows
	// is 0.
	BadIndex []int
	// Messages[k] explains the first broken rule of row BadIndex[k] for
	// people, naming the column and the value:
	// `column "qty": value 150 is above max 100`. Use Message(i) to look
	// one up by row.
	Messages []string
	// Counts per column and reason, sorted by column then reason.
	Counts []Count
}

// Message returns the explanation for row i, "" when the row passed.
func (v *Violations) Message(i int) string {
	k, found := slices.BinarySearch(v.BadIndex, i)
	if !found {
		return ""
	}
	return v.Messages[k]
}

// OK reports whether every row passed.
func (v *Violations) OK() bool { return v.BadRows == 0 }

// sortCounts orders counts by column, then reason.
func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(a, b Count) int {
		if c := cmp.Compare(a.Column, b.Column); c != 0 {
			return c
		}
		return cmp.Compare(a.Reason, b.Reason)
	})
}
