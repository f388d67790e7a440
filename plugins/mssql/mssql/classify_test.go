package mssql

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	mssqldb "github.com/microsoft/go-mssqldb"

	"github.com/dpone-go/dpone/sdk"
)

// TestClassify codes errors from their mssql.Error numbers and transport
// failures, as the driver returns them (go-mssqldb v1.11.2 returns
// mssql.Error by value, never a pointer).
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		code  sdk.Code
		retry bool
	}{
		{"login failed", mssqldb.Error{Number: 18456, Message: "Login failed for user 'x'."}, sdk.CodeAuth, false},
		{"permission denied", mssqldb.Error{Number: 229}, sdk.CodeAuth, false},
		{"deadlock", mssqldb.Error{Number: 1205}, sdk.CodeUnavailable, true},
		{"lock timeout", mssqldb.Error{Number: 1222}, sdk.CodeUnavailable, true},
		{"unique index", mssqldb.Error{Number: 2601}, sdk.CodeData, false},
		{"primary key", mssqldb.Error{Number: 2627}, sdk.CodeData, false},
		{"duplicate key building the swapped primary key", mssqldb.Error{Number: 1505}, sdk.CodeData, false},
		{"alter column used by an index", mssqldb.Error{Number: 5074}, sdk.CodeSchema, false},
		{"alter column failed", mssqldb.Error{Number: 4922}, sdk.CodeSchema, false},
		{"null into not null", mssqldb.Error{Number: 515}, sdk.CodeData, false},
		{"truncation", mssqldb.Error{Number: 2628}, sdk.CodeData, false},
		{"invalid object", mssqldb.Error{Number: 208}, sdk.CodeNotFound, false},
		{"publish guard", mssqldb.Error{Number: guardError}, sdk.CodeData, false},
		{"invalid column", mssqldb.Error{Number: 207}, sdk.CodeSchema, false},
		{"database missing", mssqldb.Error{Number: 4060}, sdk.CodeConfig, false},
		{"wrapped deadlock", fmt.Errorf("commit: %w", mssqldb.Error{Number: 1205}), sdk.CodeUnavailable, true},
		{"wrapped value", fmt.Errorf("commit: %w", mssqldb.Error{Number: 2627}), sdk.CodeData, false},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), sdk.CodeUnavailable, true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, sdk.CodeUnavailable, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), sdk.CodeUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err)
			if c := sdk.CodeOf(got); c != tc.code {
				t.Errorf("code: got %v, want %v", c, tc.code)
			}
			if r := sdk.IsRetryable(got); r != tc.retry {
				t.Errorf("retryable: got %v, want %v", r, tc.retry)
			}
			if !errors.Is(got, tc.err) && !errors.As(got, new(mssqldb.Error)) {
				t.Errorf("the cause left the chain: %v", got)
			}
		})
	}
	if got := classify(fmt.Errorf("x: %w", context.Canceled)); errors.As(got, new(*sdk.Error)) || sdk.IsRetryable(got) {
		t.Errorf("cancellation: got %v (retryable %v), want it uncoded", got, sdk.IsRetryable(got))
	}
	if got := classify(mssqldb.Error{Number: 50000}); sdk.CodeOf(got) != sdk.CodeInternal {
		t.Errorf("unknown number: got %v, want INTERNAL", sdk.CodeOf(got))
	}
}

// TestClassifyConnect: a login failure at connect stays AUTH, a refused
// dial is UNAVAILABLE, any other connect failure CONNECT.
func TestClassifyConnect(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want sdk.Code
	}{
		{fmt.Errorf("connect: %w", mssqldb.Error{Number: 18456}), sdk.CodeAuth},
		{fmt.Errorf("connect: %w", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), sdk.CodeUnavailable},
		{errors.New("tls: handshake failure"), sdk.CodeConnect},
	} {
		if got := sdk.CodeOf(classifyConnect(tc.err)); got != tc.want {
			t.Errorf("%v: got %v, want %v", tc.err, got, tc.want)
		}
	}
}
