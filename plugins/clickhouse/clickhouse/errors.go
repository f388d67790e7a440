package clickhouse

import (
	"context"
	"errors"
	"net"

	chgo "github.com/ClickHouse/ch-go"
	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// ClickHouse server error codes the connector classifies
// (src/Common/ErrorCodes.cpp).
const (
	errUnknownTable       = 60
	errUnknownDatabase    = 81
	errUnknownIdentifier  = 47
	errNoSuchColumn       = 16
	errSyntax             = 62
	errTypeMismatch       = 53
	errCannotParse        = 6
	errCannotConvert      = 70
	errAuthFailed         = 516
	errUnknownUser        = 192
	errWrongPassword      = 193
	errAccessDenied       = 497
	errTooManyParts       = 252
	errTimeout            = 159
	errTooManySimultQuery = 202
	errMemoryLimit        = 241
	errIllegalColumn      = 44
	errIllegalType        = 43
	errTableExists        = 57
)

// classify gives err a dpone error code from the ClickHouse exception it
// carries, or from the network error.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return sdk.WithCode(sdk.CodeUnavailable, err)
	}
	if ex := exceptionOf(err); ex != nil {
		code := sdk.CodeInternal
		switch ex.Code {
		case errUnknownTable, errUnknownDatabase:
			code = sdk.CodeNotFound
		case errUnknownIdentifier, errNoSuchColumn, errTypeMismatch, errIllegalColumn, errIllegalType, errTableExists:
			code = sdk.CodeSchema
		case errSyntax:
			code = sdk.CodeConfig
		case errCannotParse, errCannotConvert:
			code = sdk.CodeData
		case errAuthFailed, errUnknownUser, errWrongPassword, errAccessDenied:
			code = sdk.CodeAuth
		case errTooManyParts, errTimeout, errTooManySimultQuery, errMemoryLimit:
			code = sdk.CodeUnavailable
		}
		return sdk.WithCode(code, err)
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return sdk.WithCode(sdk.CodeConnect, err)
	}
	return sdk.WithCode(sdk.CodeInternal, err)
}

// exceptionOf is the ClickHouse exception err carries (from either
// driver), or nil.
func exceptionOf(err error) *ch.Exception {
	if cx, ok := chgo.AsException(err); ok {
		return &ch.Exception{Code: int32(cx.Code), Name: cx.Name, Message: cx.Message}
	}
	var ex *ch.Exception
	if errors.As(err, &ex) {
		return ex
	}
	return nil
}
