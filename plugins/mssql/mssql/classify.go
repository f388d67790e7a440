package mssql

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/sdk"
)

// errorCode maps a SQL Server error number to a dpone code and whether a
// retry may succeed. Unknown numbers keep no code (INTERNAL at the host).
func errorCode(number int32) (sdk.Code, bool) {
	switch number {
	case 18456, 18452, 18486, 18487, 18488: // login failed, untrusted, locked out, password expired
		return sdk.CodeAuth, false
	case 229, 230, 262, 297, 300: // permission denied
		return sdk.CodeAuth, false
	case 4060: // cannot open the database named in the dsn
		return sdk.CodeConfig, false
	case 1205, 1222: // deadlock victim, lock request timeout
		return sdk.CodeUnavailable, true
	case 40501, 40613, 49918, 49919, 49920, 10928, 10929, 40197: // Azure SQL throttling, failover
		return sdk.CodeUnavailable, true
	case guardError: // a publish guard (replace slice, snapshot_diff delete ratio)
		return sdk.CodeData, false
	case 2627, 2601, 1505: // unique or primary key violation; duplicate key building a key (swap)
		return sdk.CodeData, false
	case 515, 547, 8115, 8152, 2628, 220, 232, 241, 242, 245, 8114, 9455, 13609: // null, constraint, overflow, truncation, conversion
		return sdk.CodeData, false
	case 208: // invalid object name
		return sdk.CodeNotFound, false
	case 207, 213, 4891, 1913, 2714, 5074, 4922: // invalid column, column count, bulk insert shape, object exists, ALTER COLUMN on an indexed column
		return sdk.CodeSchema, false
	case 102, 156, 105: // syntax (a where predicate)
		return sdk.CodeConfig, false
	}
	return 0, false
}

// classify codes an error from a connection in use: server errors by their
// number, lost connections and timeouts as UNAVAILABLE (retryable);
// cancellations stay uncoded so the host sees them as cancelled.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var me mssqldb.Error
	if errors.As(err, &me) {
		if code, retry := errorCode(me.Number); code != 0 {
			return &sdk.Error{Code: code, Retryable: retry, Err: err}
		}
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &sdk.Error{Code: sdk.CodeUnavailable, Retryable: true, Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return &sdk.Error{Code: sdk.CodeUnavailable, Retryable: true, Err: err}
	}
	return err
}

// classifyConnect codes an error from opening a connection: server errors
// by number (login failed is AUTH), a refused or timed-out dial UNAVAILABLE
// (retryable: the server may be starting), anything else CONNECT.
func classifyConnect(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	c := classify(err)
	if sdk.CodeOf(c) != sdk.CodeInternal && c != err {
		return c
	}
	return sdk.WithCode(sdk.CodeConnect, err)
}
