package duckdb

import (
	"errors"

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
