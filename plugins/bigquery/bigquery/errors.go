package bigquery

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dpone-go/dpone/sdk"
	"google.golang.org/api/googleapi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// configErr is a CONFIG error.
func configErr(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeConfig, format, args...)
}

// classify codes an error from a BigQuery or Cloud Storage call, saying
// what the user should do: 403 quota/rate → RATE_LIMITED (retryable),
// 401 and other 403 → AUTH, 404 → NOT_FOUND, 409 → DATA (duplicate),
// 400 invalid (a value in the data) and 413 (a request over 10 MB) →
// DATA, other 400 (invalidQuery,
// badRequest: the request itself) → CONFIG, 5xx →
// UNAVAILABLE (retryable); gRPC errors of the Storage APIs likewise
// (classifyGRPC). An error already coded keeps its code.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var coded *sdk.Error
	if errors.As(err, &coded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var g *googleapi.Error
	if !errors.As(err, &g) {
		if st, ok := status.FromError(err); ok && st.Code() != codes.OK && st.Code() != codes.Unknown {
			return classifyGRPC(what, st.Code(), err)
		}
		return sdk.Errorf(sdk.CodeConnect, "%s: %w", what, err)
	}
	reason := ""
	if len(g.Errors) > 0 {
		reason = g.Errors[0].Reason
	}
	switch {
	case g.Code == http.StatusTooManyRequests,
		g.Code == http.StatusForbidden && (reason == "quotaExceeded" || reason == "rateLimitExceeded"):
		return sdk.Errorf(sdk.CodeRateLimited, "%s: quota or rate limit (%s): the load is retried; lower parallel loads if it persists: %w", what, reason, err)
	case g.Code == http.StatusUnauthorized:
		return sdk.Errorf(sdk.CodeAuth, "%s: not authenticated: check credentials_file or the application default credentials: %w", what, err)
	case g.Code == http.StatusForbidden:
		return sdk.Errorf(sdk.CodeAuth, "%s: access denied (%s): grant the service account BigQuery Data Editor, Job User and Storage Object Admin: %w", what, reason, err)
	case g.Code == http.StatusNotFound:
		return sdk.Errorf(sdk.CodeNotFound, "%s: not found: check project, dataset, table and bucket: %w", what, err)
	case g.Code == http.StatusConflict:
		return sdk.Errorf(sdk.CodeData, "%s: already exists (%s): %w", what, reason, err)
	case g.Code == http.StatusRequestEntityTooLarge:
		return sdk.Errorf(sdk.CodeData, "%s: request over BigQuery's 10 MB limit (Storage Write rows, or a query's text and parameters): use write_api: load_job for large rows: %w", what, err)
	case g.Code == http.StatusBadRequest && reason == "invalid":
		return sdk.Errorf(sdk.CodeData, "%s: rejected data: the message names the column and file: %w", what, err)
	case g.Code == http.StatusBadRequest:
		return sdk.Errorf(sdk.CodeConfig, "%s: invalid request (%s): check the sink options, strategy and dataset: %w", what, reason, err)
	case g.Code >= 500:
		return sdk.Errorf(sdk.CodeUnavailable, "%s: BigQuery unavailable (%d): the load is retried: %w", what, g.Code, err)
	}
	return sdk.Errorf(sdk.CodeInternal, "%s: %w", what, err)
}

// classifyGRPC codes an error of the Storage Read and Write APIs (gRPC)
// as classify codes the REST API's.
func classifyGRPC(what string, c codes.Code, err error) error {
	switch c {
	case codes.ResourceExhausted:
		return sdk.Errorf(sdk.CodeRateLimited, "%s: quota or rate limit: the load is retried; lower parallel loads if it persists: %w", what, err)
	case codes.Unavailable, codes.DeadlineExceeded, codes.Internal, codes.Aborted:
		return sdk.Errorf(sdk.CodeUnavailable, "%s: BigQuery Storage API unavailable (%s): retried: %w", what, c, err)
	case codes.PermissionDenied, codes.Unauthenticated:
		return sdk.Errorf(sdk.CodeAuth, "%s: access denied (%s): grant the service account BigQuery Read Session User / Data Editor, or check credentials_file: %w", what, c, err)
	case codes.NotFound:
		return sdk.Errorf(sdk.CodeNotFound, "%s: not found: check project, dataset and table: %w", what, err)
	case codes.AlreadyExists, codes.InvalidArgument, codes.OutOfRange:
		return sdk.Errorf(sdk.CodeData, "%s: rejected (%s): %w", what, c, err)
	case codes.FailedPrecondition:
		return sdk.Errorf(sdk.CodeConfig, "%s: failed precondition: check the table and the options: %w", what, err)
	case codes.Unimplemented:
		return sdk.Errorf(sdk.CodeUnsupported, "%s: not served by this endpoint: set read_api: rest or write_api: load_job: %w", what, err)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", what, err)
	}
	return sdk.Errorf(sdk.CodeInternal, "%s: %w", what, err)
}
