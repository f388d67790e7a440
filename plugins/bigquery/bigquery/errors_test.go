package bigquery

import (
	"context"
	"errors"
	"fmt"
	"testing"

	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/dpone-go/dpone/sdk"
)

// TestClassify maps googleapi errors to codes and retryability.
func TestClassify(t *testing.T) {
	gerr := func(code int, reason string) error {
		return fmt.Errorf("wrapped: %w", &googleapi.Error{Code: code, Message: "m", Errors: []googleapi.ErrorItem{{Reason: reason}}})
	}
	for _, tc := range []struct {
		name      string
		err       error
		code      sdk.Code
		retryable bool
	}{
		{"quota", gerr(403, "quotaExceeded"), sdk.CodeRateLimited, true},
		{"rate", gerr(403, "rateLimitExceeded"), sdk.CodeRateLimited, true},
		{"429", gerr(429, ""), sdk.CodeRateLimited, true},
		{"denied", gerr(403, "accessDenied"), sdk.CodeAuth, false},
		{"unauthenticated", gerr(401, "authError"), sdk.CodeAuth, false},
		{"not found", gerr(404, "notFound"), sdk.CodeNotFound, false},
		{"invalid data", gerr(400, "invalid"), sdk.CodeData, false},
		{"invalid query", gerr(400, "invalidQuery"), sdk.CodeConfig, false},
		{"duplicate", gerr(409, "duplicate"), sdk.CodeData, false},
		{"request too large", gerr(413, ""), sdk.CodeData, false},
		{"backend", gerr(500, "backendError"), sdk.CodeUnavailable, true},
		{"unavailable", gerr(503, ""), sdk.CodeUnavailable, true},
		{"network", errors.New("dial tcp: connection refused"), sdk.CodeConnect, false},
		{"coded", sdk.Errorf(sdk.CodeSchema, "x"), sdk.CodeSchema, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("load", tc.err)
			if got := sdk.CodeOf(err); got != tc.code {
				t.Errorf("code: got %v, want %v (%v)", got, tc.code, err)
			}
			if got := sdk.IsRetryable(err); got != tc.retryable {
				t.Errorf("retryable: got %v, want %v", got, tc.retryable)
			}
			if !errors.Is(err, tc.err) && !errors.As(err, new(*googleapi.Error)) {
				t.Errorf("cause lost from the chain: %v", err)
			}
		})
	}
	if classify("x", nil) != nil {
		t.Error("nil: got an error, want nil")
	}
	if err := classify("x", context.Canceled); sdk.IsRetryable(err) {
		t.Errorf("cancelled: retryable, want not")
	}
}

// TestJobError: a finished job's error result is classified like the API
// error it stands for; a job without one is a success.
func TestJobError(t *testing.T) {
	for reason, want := range map[string]sdk.Code{
		"quotaExceeded": sdk.CodeRateLimited, "backendError": sdk.CodeUnavailable, "notFound": sdk.CodeNotFound,
		"invalid": sdk.CodeData, "invalidQuery": sdk.CodeConfig, "accessDenied": sdk.CodeAuth,
	} {
		job := &bq.Job{Status: &bq.JobStatus{State: "DONE", ErrorResult: &bq.ErrorProto{Reason: reason, Message: "m"}}}
		if got := sdk.CodeOf(jobError("job", job)); got != want {
			t.Errorf("%s: got %v, want %v", reason, got, want)
		}
	}
	if err := jobError("job", &bq.Job{Status: &bq.JobStatus{State: "DONE"}}); err != nil {
		t.Errorf("success: got %v, want nil", err)
	}
}

// TestClassifyGRPC: errors of the Storage Read and Write APIs (gRPC
// status) get the same codes as the REST API's.
func TestClassifyGRPC(t *testing.T) {
	for _, tc := range []struct {
		code      codes.Code
		want      sdk.Code
		retryable bool
	}{
		{codes.ResourceExhausted, sdk.CodeRateLimited, true},
		{codes.Unavailable, sdk.CodeUnavailable, true},
		{codes.DeadlineExceeded, sdk.CodeUnavailable, true},
		{codes.Internal, sdk.CodeUnavailable, true},
		{codes.Aborted, sdk.CodeUnavailable, true},
		{codes.PermissionDenied, sdk.CodeAuth, false},
		{codes.Unauthenticated, sdk.CodeAuth, false},
		{codes.NotFound, sdk.CodeNotFound, false},
		{codes.AlreadyExists, sdk.CodeData, false},
		{codes.InvalidArgument, sdk.CodeData, false},
		{codes.FailedPrecondition, sdk.CodeConfig, false},
		{codes.Unimplemented, sdk.CodeUnsupported, false},
	} {
		t.Run(tc.code.String(), func(t *testing.T) {
			cause := status.Error(tc.code, "m")
			err := classify("read rows", cause)
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("code: got %v, want %v (%v)", got, tc.want, err)
			}
			if got := sdk.IsRetryable(err); got != tc.retryable {
				t.Errorf("retryable: got %v, want %v", got, tc.retryable)
			}
			if !errors.Is(err, cause) {
				t.Errorf("cause lost from the chain: %v", err)
			}
		})
	}
}

// TestClassifiedNotFound: a classified 404 is NOT_FOUND and still a 404
// to isNotFound (hasReceipt reads an absent receipts table as none).
func TestClassifiedNotFound(t *testing.T) {
	err := classify("read receipt", &googleapi.Error{Code: 404, Message: "Not found: Table p:d._dpone_loads"})
	if sdk.CodeOf(err) != sdk.CodeNotFound || !isNotFound(err) {
		t.Errorf("got %v (code %v, isNotFound %v), want NOT_FOUND and isNotFound", err, sdk.CodeOf(err), isNotFound(err))
	}
}
