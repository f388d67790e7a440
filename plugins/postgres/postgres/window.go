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
	native := natives[inc.cursor]
	if inc.initial != nil {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT $1::text::"+native+" IS NOT NULL", inc.initial.Text).Scan(&ok); err != nil {
			if !isBadValue(err) {
				return classify(fmt.Errorf("check initial_value: %w", err))
			}
			return sdk.Errorf(sdk.CodeConfig, "postgres source: initial_value %q is not a valid %s (the type of incremental_column %q): %w", inc.initial.Text, native, inc.cursor, err)
		}
	}
	if inc.lookback == nil {
		return nil
	}
	lb := inc.lookback.Text
	switch cursorKind(native) {
	case "time":
		if inc.lookback.Number {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q is an interval such as \"2 hours\", not the number %s", native, inc.cursor, lb)
		}
		var neg bool
		if err := conn.QueryRow(ctx, "SELECT $1::text::interval < interval '0'", lb).Scan(&neg); err != nil {
			if !isBadValue(err) {
				return classify(fmt.Errorf("check lookback: %w", err))
			}
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback %q is not an interval (such as \"2 hours\" or \"1 day\"): %w", lb, err)
		}
		if neg {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback %q is negative", lb)
		}
	case "int":
		if !integerRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q must be a whole number >= 0, got %q", native, inc.cursor, lb)
		}
	case "number":
		if !numberRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback for the %s cursor %q must be a number >= 0, got %q", native, inc.cursor, lb)
		}
	default:
		return sdk.Errorf(sdk.CodeConfig, "postgres source: lookback needs a date, timestamp or numeric incremental_column; %q is %s", inc.cursor, native)
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
		lb = literal(inc.lookback.Text) + "::interval"
	case "int", "number":
		lb = "(" + inc.lookback.Text + ")"
	default:
		return "", fmt.Errorf("lookback on a %s cursor", native) // unreachable after check
	}
	return "(" + literal(cursor) + "::" + native + " - " + lb + ")::" + native, nil
}
