package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dpone-go/dpone/sdk"
)

// The column strategy's window options: lookback (every read after the
// first starts at cursor >= checkpoint cursor - lookback, so rows committed
// late with a cursor a little behind the checkpoint are still read, and rows
// inside the window are read again: incremental_merge keeps that
// idempotent) and initial_value (the first incremental read starts at
// cursor >= initial_value). Both compare against a value cast to the
// cursor's own type, so an index on the cursor serves the read; the cast
// rounds to the column's precision, which never excludes a value the column
// can hold.

// cursorKind is how a lookback applies to a cursor of PostgreSQL type
// native (format_type output): "time" (an interval), "int" or "number"
// (a number), or "" (no lookback).
func cursorKind(native string) string {
	switch {
	case native == "date", strings.HasPrefix(native, "timestamp"):
		return "time"
	case native == "smallint", native == "integer", native == "bigint":
		return "int"
	case native == "real", native == "double precision", strings.HasPrefix(native, "numeric"):
		return "number"
	}
	return ""
}

var (
	numberRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	integerRE = regexp.MustCompile(`^[0-9]+$`)
)

// check validates lookback and initial_value against the cursor's type,
// asking the server to parse them, before any row is read.
func (inc *incremental) check(ctx context.Context, conn *pgx.Conn, natives map[string]string) error {
	if !inc.on {
		return nil
	}
	c := inc.cur
	native := natives[c.Column]
	if c.SafetyLag != nil {
		if err := checkInterval(ctx, conn, "safety_lag", c.SafetyLag.Text); err != nil {
			return err
		}
		if cursorKind(native) != "time" {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: safety_lag needs a date or timestamp incremental_column (it compares with now()); %q is %s", c.Column, native)
		}
	}
	if r := c.Range(); r != nil {
		for _, b := range []string{r.Lower, r.Upper} {
			if err := checkValue(ctx, conn, native, b); err != nil {
				return sdk.Errorf(sdk.CodeConfig, "postgres source: cursor range bound %q is not a valid %s (the type of incremental_column %q): %w", b, native, c.Column, err)
			}
		}
		return nil // a range read has no lookback, safety lag or initial value
	}
	if c.Initial != nil {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT $1::text::"+native+" IS NOT NULL", c.Initial.Text).Scan(&ok); err != nil {
			if !isBadValue(err) {
				return classify(fmt.Errorf("check initial_value: %w", err))
			}
			return sdk.Errorf(sdk.CodeConfig, "postgres source: initial_value %q is not a valid %s (the type of incremental_column %q): %w", c.Initial.Text, native, c.Column, err)
		}
	}
	if c.Lookback == nil {
		return nil
	}
	lb := c.Lookback.Text
	switch cursorKind(native) {
	case "time":
		if c.Lookback.Number {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q is an interval such as \"2 hours\", not the number %s", native, c.Column, lb)
		}
		if err := checkInterval(ctx, conn, "lookback", lb); err != nil {
			return err
		}
	case "int":
		if !integerRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q must be a whole number >= 0, got %q", native, c.Column, lb)
		}
	case "number":
		if !numberRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q must be a number >= 0, got %q", native, c.Column, lb)
		}
	default:
		return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback needs a date, timestamp or numeric incremental_column; %q is %s", c.Column, native)
	}
	return nil
}

// checkInterval asks the server to parse the option key's value as a
// non-negative interval.
func checkInterval(ctx context.Context, conn *pgx.Conn, key, v string) error {
	var neg bool
	if err := conn.QueryRow(ctx, "SELECT $1::text::interval < interval '0'", v).Scan(&neg); err != nil {
		if !isBadValue(err) {
			return classify(fmt.Errorf("check %s: %w", key, err))
		}
		return sdk.Errorf(sdk.CodeConfig, "postgres source: %s %q is not an interval (such as \"2 hours\" or \"1 day\"): %w", key, v, err)
	}
	if neg {
		return sdk.Errorf(sdk.CodeConfig, "postgres source: %s %q is negative", key, v)
	}
	return nil
}

// isBadValue reports whether err is the server refusing a value's text
// (SQLSTATE class 22, data exception).
func isBadValue(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && strings.HasPrefix(pe.Code, "22")
}

// windowStart renders "(cursor - lookback)" cast back to the cursor's type.
// check has validated the lookback.
func (inc *incremental) windowStart(cursor, native string) (string, error) {
	var lb string
	switch cursorKind(native) {
	case "time":
		lb = literal(inc.cur.Lookback.Text) + "::interval"
	case "int", "number":
		lb = "(" + inc.cur.Lookback.Text + ")"
	default:
		return "", fmt.Errorf("lookback on a %s cursor", native) // unreachable after check
	}
	return "(" + literal(cursor) + "::" + native + " - " + lb + ")::" + native, nil
}

// checkValue reports a text that does not cast to the type native; other
// failures are classified.
func checkValue(ctx context.Context, conn *pgx.Conn, native, text string) error {
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT $1::text::"+native+" IS NOT NULL", text).Scan(&ok); err != nil {
		if !isBadValue(err) {
			return classify(fmt.Errorf("check %q: %w", text, err))
		}
		return err
	}
	return nil
}
