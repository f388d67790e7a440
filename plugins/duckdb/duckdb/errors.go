package duckdb

import (
	"errors"
	"strings"

	ddb "github.com/duckdb/duckdb-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// classify gives err the sdk code that matches DuckDB's error type; errors
// that already carry a code keep it.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var de *ddb.Error
	if !errors.As(err, &de) {
		return sdk.WithCode(sdk.CodeInternal, err)
	}
	code := sdk.CodeInternal
	switch {
	case de.Type == ddb.ErrorTypeOutOfMemory:
		// DuckDB's own advice (SET memory_limit ...) is no use to a dpone
		// user: name the connector's option.
		return sdk.Errorf(sdk.CodeConfig, "%s: DuckDB ran out of memory: raise the duckdb connection's memory_limit "+
			"option (default a quarter of the machine's memory, here %s; e.g. \"memory_limit\": \"4GB\" in its config) or lower threads", duckdbText(err), defaultMemoryLimit())
	case de.Type == ddb.ErrorTypeIO && diskFull(de.Msg):
		// Matching the message is the only way: the cgo error carries no
		// errno. Not retryable: the same load needs the same space.
		return &sdk.Error{Code: sdk.CodeUnavailable, Message: duckdbText(err) + ": the disk is full: free space on the " +
			"device of the database file and of its temp directory (<database file>.tmp), then run again"}
	}
	switch de.Type {
	case ddb.ErrorTypeCatalog:
		code = sdk.CodeNotFound
	case ddb.ErrorTypeConversion, ddb.ErrorTypeOutOfRange, ddb.ErrorTypeConstraint,
		ddb.ErrorTypeDivideByZero, ddb.ErrorTypeInvalidInput, ddb.ErrorTypeDecimal:
		code = sdk.CodeData
	case ddb.ErrorTypeMismatchType, ddb.ErrorTypeInvalidType, ddb.ErrorTypeUnknownType, ddb.ErrorTypeBinder:
		code = sdk.CodeSchema
	case ddb.ErrorTypeParser, ddb.ErrorTypeSyntax:
		code = sdk.CodeConfig
	case ddb.ErrorTypeIO, ddb.ErrorTypeConnection, ddb.ErrorTypePermission:
		code = sdk.CodeConnect
	case ddb.ErrorTypeTransaction, ddb.ErrorTypeInterrupt:
		code = sdk.CodeUnavailable
	}
	return sdk.WithCode(code, err)
}

// duckdbText is err's message without the advice DuckDB appends to some
// errors ("Possible solutions: ... SET ...").
func duckdbText(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "\nPossible solutions:"); i >= 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// diskFull reports whether a DuckDB IO error message says the device is
// full.
func diskFull(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "no space left on device") || strings.Contains(m, "disk is full") ||
		strings.Contains(m, "disk full")
}
