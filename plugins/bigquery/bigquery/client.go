package bigquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	bq "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/dpone-go/dpone/sdk"
)

// clients are the two services a load talks to.
type clients struct {
	bq  *bq.Service
	gcs *storage.Client
}

// connect opens the BigQuery REST service and the Cloud Storage client.
// An endpoint override (emulator, fake-gcs-server) goes without
// authentication; otherwise credentials_file or the application default
// credentials.
func connect(ctx context.Context, cfg Config) (*clients, error) {
	svc, err := newBQService(ctx, cfg)
	if err != nil {
		return nil, err
	}
	gcs, err := newStorage(ctx, cfg, authOptions(cfg))
	if err != nil {
		return nil, err
	}
	return &clients{bq: svc, gcs: gcs}, nil
}

// authOptions are the credentials options of cfg.
func authOptions(cfg Config) []option.ClientOption {
	if cfg.CredentialsFile != "" {
		return []option.ClientOption{option.WithAuthCredentialsFile(option.ServiceAccount, cfg.CredentialsFile)}
	}
	return nil
}

// newBQService opens the BigQuery REST service (all a source needs).
func newBQService(ctx context.Context, cfg Config) (*bq.Service, error) {
	opts := authOptions(cfg)
	if cfg.Endpoint != "" {
		opts = []option.ClientOption{option.WithEndpoint(strings.TrimSuffix(cfg.Endpoint, "/") + "/bigquery/v2/"), option.WithoutAuthentication()}
	}
	svc, err := bq.NewService(ctx, opts...)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeAuth, "open bigquery: %w: set credentials_file or GOOGLE_APPLICATION_CREDENTIALS", err)
	}
	return svc, nil
}

// newStorage opens Cloud Storage; reads use the JSON API, which
// fake-gcs-server serves.
func newStorage(ctx context.Context, cfg Config, auth []option.ClientOption) (*storage.Client, error) {
	opts := append([]option.ClientOption{storage.WithJSONReads()}, auth...)
	if cfg.GCSEndpoint != "" {
		opts = []option.ClientOption{storage.WithJSONReads(), option.WithEndpoint(strings.TrimSuffix(cfg.GCSEndpoint, "/") + "/storage/v1/"), option.WithoutAuthentication()}
	}
	c, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeAuth, "open cloud storage: %w: set credentials_file or GOOGLE_APPLICATION_CREDENTIALS", err)
	}
	return c, nil
}

// Close releases the clients.
func (c *clients) Close() {
	if c.gcs != nil {
		c.gcs.Close()
	}
}

// runJob inserts job and waits for it to finish. A job id that already
// exists (409: a retry after the insert reached BigQuery) is the same job:
// runJob waits for it instead of running the work twice. When that job
// failed with a retryable error, the work runs again under the id with
// "_rN" appended, so a retried call is never stuck on an old failure.
func (c *clients) runJob(ctx context.Context, what string, job *bq.Job) (*bq.Job, error) {
	base := job.JobReference.JobId
	for n := 0; ; n++ {
		if n > 0 {
			job.JobReference.JobId = fmt.Sprintf("%s_r%d", base, n)
		}
		got, existed, err := c.runOnce(ctx, what, job)
		if err == nil || !existed || !sdk.IsRetryable(err) || n == maxJobRetries {
			return got, err
		}
	}
}

// maxJobRetries bounds the "_rN" ids one call tries.
const maxJobRetries = 20

// runOnce inserts job (or finds it, existed) and waits for it.
func (c *clients) runOnce(ctx context.Context, what string, job *bq.Job) (*bq.Job, bool, error) {
	ref := job.JobReference
	existed := false
	got, err := c.bq.Jobs.Insert(ref.ProjectId, job).Context(ctx).Do()
	var g *googleapi.Error
	if errors.As(err, &g) && g.Code == http.StatusConflict {
		existed = true
		got, err = c.bq.Jobs.Get(ref.ProjectId, ref.JobId).Location(ref.Location).Context(ctx).Do()
	}
	if err != nil {
		return nil, existed, classify(what, err)
	}
	if got, err = c.waitJob(ctx, what, ref, got); err != nil {
		return nil, existed, err
	}
	return got, existed, jobError(what, got)
}

// waitJob polls the job ref (got is its last state) until it is DONE and
// returns that state; the job's own error is the caller's (jobError).
func (c *clients) waitJob(ctx context.Context, what string, ref *bq.JobReference, got *bq.Job) (*bq.Job, error) {
	var err error
	for wait := 200 * time.Millisecond; got.Status == nil || got.Status.State != "DONE"; wait = min(wait*2, 5*time.Second) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		if got, err = c.bq.Jobs.Get(ref.ProjectId, ref.JobId).Location(ref.Location).Context(ctx).Do(); err != nil {
			return nil, classify(what, err)
		}
	}
	return got, nil
}

// jobError classifies a finished job's error result (nil when it
// succeeded) as the API error it stands for.
func jobError(what string, job *bq.Job) error {
	e := job.Status.ErrorResult
	if e == nil {
		return nil
	}
	code := http.StatusBadRequest
	switch e.Reason {
	case "quotaExceeded", "rateLimitExceeded":
		code = http.StatusForbidden
	case "backendError", "internalError":
		code = http.StatusInternalServerError
	case "notFound":
		code = http.StatusNotFound
	case "accessDenied":
		code = http.StatusForbidden
	}
	return classify(what, &googleapi.Error{Code: code, Message: e.Message,
		Errors: []googleapi.ErrorItem{{Reason: e.Reason, Message: e.Message}}})
}

// isNotFound reports a 404 from either service.
func isNotFound(err error) bool {
	var g *googleapi.Error
	return errors.Is(err, storage.ErrObjectNotExist) || errors.Is(err, storage.ErrBucketNotExist) ||
		errors.As(err, &g) && g.Code == http.StatusNotFound
}
