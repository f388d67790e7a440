package duckdb

import (
	"context"
	"fmt"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"
)

// The column strategy's window options: lookback (every read after the
// first starts at cursor >= checkpoint cursor - lookback, re-reading that
// window, which incremental_merge keeps idempotent) and initial_value (the
// first incremental read starts at cursor >= initial_value). Values are
// cast to the cursor's own type; the cast rounds to the column's
// precision, which never excludes a value the column can hold.

// lookbackKind is how a lookback applies to the cursor: "time" (an
// interval), "int", "uint" or "number" (a number), or "" (none).
func (c *cursor) lookbackKind() string {
	switch c.col.field.Type.ID() {
	case arrow.DATE32, arrow.TIMESTAMP:
		return "time"
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return "int"
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return "uint"
	case arrow.DECIMAL128, arrow.DECIMAL256, arrow.FLOAT32, arrow.FLOAT64:
		return "number"
	}
	return ""
}

var (
	numberRE  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
	integerRE = regexp.MustCompile(`^[0-9]+$`)
)

// check validates lookback and initial_value against the cursor's type,
// asking DuckDB to parse them, before any row is read.
func (c *cursor) check(ctx context.Context, q queryer) error {
	native := c.col.native
	if r := c.Range(); r != nil {
		for _, b := range []string{r.Lower, r.Upper} {
			var ok bool
			if err := q.QueryRowContext(ctx, "SELECT CAST(? AS "+native+") IS NOT NULL", b).Scan(&ok); err != nil {
				return sdk.Errorf(sdk.CodeConfig, "duckdb source: cursor range bound %q is not a valid %s (the type of incremental_column %q): %w", b, native, c.col.name, err)
			}
		}
		return nil // a range read has no lookback, safety lag or initial value
	}
	if c.SafetyLag != nil {
		if err := checkInterval(ctx, q, "safety_lag", c.SafetyLag.Text); err != nil {
			return err
		}
		if c.lookbackKind() != "time" {
			return sdk.Errorf(sdk.CodeConfig, "duckdb source options: safety_lag needs a date or timestamp incremental_column (it compares with now()); %q is %s", c.col.name, native)
		}
	}
	if c.Initial != nil {
		var ok bool
		if err := q.QueryRowContext(ctx, "SELECT CAST(? AS "+native+") IS NOT NULL", c.Initial.Text).Scan(&ok); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "duckdb source options: initial_value %q is not a valid %s (the type of incremental_column %q): %w",
				c.Initial.Text, native, c.col.name, err)
		}
	}
	if c.Lookback == nil {
		return nil
	}
	lb := c.Lookback.Text
	switch c.lookbackKind() {
	case "time":
		if c.Lookback.Number {
			return sdk.Errorf(sdk.CodeConfig, "duckdb source options: lookback for the %s cursor %q is an interval such as \"2 hours\", not the number %s", native, c.col.name, lb)
		}
		if err := checkInterval(ctx, q, "lookback", lb); err != nil {
			return err
		}
	case "int", "uint":
		if !integerRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "duckdb source options: lookback for the %s cursor %q must be a whole number >= 0, got %q", native, c.col.name, lb)
		}
	case "number":
		if !numberRE.MatchString(lb) {
			return sdk.Errorf(sdk.CodeConfig, "duckdb source options: lookback for the %s cursor %q must be a number >= 0, got %q", native, c.col.name, lb)
		}
	default:
		return sdk.Errorf(sdk.CodeConfig, "duckdb source options: lookback needs a date, timestamp or numeric incremental_column; %q is %s", c.col.name, native)
	}
	return nil
}

// checkInterval asks DuckDB to parse the option key's value as a
// non-negative interval.
func checkInterval(ctx context.Context, q queryer, key, v string) error {
	var neg bool
	if err := q.QueryRowContext(ctx, "SELECT CAST(? AS INTERVAL) < INTERVAL 0 SECOND", v).Scan(&neg); err != nil {
		return sdk.Errorf(sdk.CodeConfig, "duckdb source options: %s %q is not an interval (such as \"2 hours\" or \"1 day\"): %w", key, v, err)
	}
	if neg {
		return sdk.Errorf(sdk.CodeConfig, "duckdb source options: %s %q is negative", key, v)
	}
	return nil
}

// windowStart renders the start of the window, prior cursor - lookback in
// the cursor's type, with two parameters (the cursor, the lookback). It is
// computed in HUGEINT for integers and clamped at 0 for unsigned ones.
func (c *cursor) windowStart() string {
	native := c.col.native
	switch c.lookbackKind() {
	case "time":
		return fmt.Sprintf("CAST(CAST(? AS %s) - CAST(? AS INTERVAL) AS %s)", native, native)
	case "int":
		return fmt.Sprintf("CAST(CAST(? AS HUGEINT) - CAST(? AS HUGEINT) AS %s)", native)
	case "uint":
		return fmt.Sprintf("CAST(greatest(CAST(? AS HUGEINT) - CAST(? AS HUGEINT), 0) AS %s)", native)
	}
	return fmt.Sprintf("CAST(CAST(? AS %s) - CAST(? AS %s) AS %s)", native, native, native)
}
