package mssql

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// cursorClauses renders the WHERE and ORDER BY of an incremental read from
// the cursor's bounds (sdk.CursorBounds) in T-SQL. Values compare against
// literals cast to the cursor column's own type, so an index on the cursor
// serves the read. SQL Server sorts NULLs first ascending, which is what a
// read that takes NULL cursors needs.
func cursorClauses(c *sdk.Cursor, native string) (where, order string, err error) {
	b := c.Bounds()
	cur := ident(c.Column)
	var vals []string
	if b.From != nil {
		lower := castLiteral(*b.From, native)
		if b.Lookback != nil {
			if lower, err = minus(lower, b.Lookback, "lookback"); err != nil {
				return "", "", err
			}
		}
		vals = append(vals, cur+" >= "+lower)
	}
	if native == "rowversion" {
		// Transactions still open may commit rows below the largest
		// rowversion read: stop below the oldest active one.
		vals = append(vals, cur+" < MIN_ACTIVE_ROWVERSION()")
	}
	if b.SafetyLag != nil && native != "rowversion" {
		now := "CAST(SYSDATETIME() AS " + native + ")"
		if strings.HasPrefix(native, "datetimeoffset") {
			now = "SYSDATETIMEOFFSET()"
		}
		upper, err := minus(now, b.SafetyLag, "safety_lag")
		if err != nil {
			return "", "", err
		}
		vals = append(vals, cur+" <= "+upper)
	}
	var conds []string
	if b.IncludeNulls {
		if len(vals) > 0 {
			conds = append(conds, "("+cur+" IS NULL OR ("+strings.Join(vals, " AND ")+"))")
		}
	} else {
		conds = append([]string{cur + " IS NOT NULL"}, vals...)
	}
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order = " ORDER BY " + cur
	for _, k := range c.Keys {
		order += ", " + ident(k)
	}
	return where, order, nil
}

// zoneSuffix matches the "+00" CursorText ends zoned timestamps with.
var zoneSuffix = regexp.MustCompile(`([+-]\d\d)$`)

// castLiteral casts cursor text to the cursor's type. A datetime cursor
// reads as nanoseconds (1/300 s ticks: .003333333): its text is cut to 7
// digits and cast through datetime2(7), since datetime parses at most 3
// fractional digits; the cast rounds back to the same tick.
func castLiteral(text, native string) string {
	if native == "rowversion" {
		return "CAST(CAST(" + literal(text) + " AS bigint) AS binary(8))"
	}
	if native == "datetime" {
		if i := strings.LastIndexByte(text, '.'); i >= 0 && len(text)-i-1 > 7 {
			text = text[:i+8]
		}
		return "CAST(CAST(" + literal(text) + " AS datetime2(7)) AS datetime)"
	}
	return "CAST(" + literal(tsqlText(text, native)) + " AS " + native + ")"
}

// tsqlText turns cursor text into text SQL Server casts to native: a
// datetimeoffset's zone "+00" becomes " +00:00" (it wants minutes).
func tsqlText(s, native string) string {
	if !strings.HasPrefix(native, "datetimeoffset") {
		return s
	}
	return zoneSuffix.ReplaceAllString(s, " $1:00")
}

// interval matches lookback and safety_lag intervals: "5 minutes".
var interval = regexp.MustCompile(`^\s*(\d+)\s*(microsecond|millisecond|second|minute|hour|day|week|month|year)s?\s*$`)

// minus subtracts a lookback or safety lag: a number from a numeric
// cursor, an interval ("2 hours") with DATEADD from a temporal one.
func minus(expr string, s *sdk.Scalar, key string) (string, error) {
	if s.Number {
		return "(" + expr + " - " + s.Text + ")", nil
	}
	m := interval.FindStringSubmatch(strings.ToLower(s.Text))
	if m == nil {
		return "", sdk.Errorf(sdk.CodeConfig, "mssql source: %s %q: want a number or an interval such as \"5 minutes\"", key, s.Text)
	}
	n, err := strconv.ParseInt(m[1], 10, 32)
	if err != nil {
		return "", sdk.Errorf(sdk.CodeConfig, "mssql source: %s %q is too large", key, s.Text)
	}
	return "DATEADD(" + m[2] + ", -" + strconv.FormatInt(n, 10) + ", " + expr + ")", nil
}
