package bigquery

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dpone-go/dpone/sdk"
	"google.golang.org/api/googleapi"
)

// configErr is a CONFIG error.
func configErr(format string, args ...any) error {
	return sdk.Errorf(sdk.CodeConfig, format, args...)
}

// classify codes an error from a BigQuery or Cloud Storage call, saying
// what the user should do: 403 quota/rate → RATE_LIMITED (retryable),
// 401 and other 403 → AUTH, 404 → NOT_FOUND, 409 → DATA (duplicate),
// 400 invalid (a value in the data) → DATA, other 400 (invalidQuery,
// badRequest: the request itself) → CONFIG, 5xx →
// UNAVAILABLE (retryable). An error already coded keeps its code.
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
	case g.Code == http.StatusBadRequest && reason == "invalid":
		return sdk.Errorf(sdk.CodeData, "%s: rejected data: the message names the column and file: %w", what, err)
	case g.Code == http.StatusBadRequest:
		return sdk.Errorf(sdk.CodeConfig, "%s: invalid request (%s): check the sink options, strategy and dataset: %w", what, reason, err)
	case g.Code >= 500:
		return sdk.Errorf(sdk.CodeUnavailable, "%s: BigQuery unavailable (%d): the load is retried: %w", what, g.Code, err)
	}
	return sdk.Errorf(sdk.CodeInternal, "%s: %w", what, err)
}
