package objstage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"

	"cloud.google.com/go/storage"
	"github.com/dpone-go/dpone/sdk"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
)

// gcs is a Cloud Storage bucket.
type gcs struct {
	c      *storage.Client
	bucket string
}

// newGCS builds the client: credentials_json from the staging connection,
// else Application Default Credentials; an endpoint (fake-gcs-server, a
// private endpoint) without credentials_json connects unauthenticated.
func newGCS(ctx context.Context, cfg *Config) (*gcs, error) {
	opts := []option.ClientOption{storage.WithJSONReads()}
	if cfg.Endpoint != "" {
		opts = append(opts, option.WithEndpoint(cfg.Endpoint+"/storage/v1/"))
	}
	switch js := cfg.Credentials["credentials_json"]; {
	case js != "":
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, []byte(js)))
	case cfg.Endpoint != "":
		opts = append(opts, option.WithoutAuthentication())
	}
	c, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, wrap(sdk.CodeConfig, "sink.staging gcs client: %w", err)
	}
	return &gcs{c: c, bucket: cfg.Bucket}, nil
}

func (g *gcs) Put(ctx context.Context, key string, r io.Reader, _ int64) error {
	w := g.c.Bucket(g.bucket).Object(key).NewWriter(ctx)
	w.ContentType = contentType(key)
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return gcsErr(err, "staging put %s", g.URI(key))
	}
	if err := w.Close(); err != nil {
		return gcsErr(err, "staging put %s", g.URI(key))
	}
	return nil
}

func (g *gcs) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r, err := g.c.Bucket(g.bucket).Object(key).NewReader(ctx)
	if err != nil {
		return nil, gcsErr(err, "staging get %s", g.URI(key))
	}
	return r, nil
}

func (g *gcs) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	it := g.c.Bucket(g.bucket).Objects(ctx, &storage.Query{Prefix: prefix})
	for {
		o, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return nil, gcsErr(err, "staging list %s", g.URI(prefix))
		}
		keys = append(keys, o.Name)
	}
	sort.Strings(keys)
	return keys, nil
}

func (g *gcs) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		err := g.c.Bucket(g.bucket).Object(k).Delete(ctx)
		if err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
			return gcsErr(err, "staging delete %s", g.URI(k))
		}
	}
	return nil
}

func (g *gcs) URI(key string) string { return "gs://" + g.bucket + "/" + key }

func gcsErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return wrap(sdk.CodeNotFound, "%s: %w", what, ErrNotExist)
	}
	if errors.Is(err, storage.ErrBucketNotExist) {
		return wrap(sdk.CodeConfig, "%s: the bucket does not exist (sink.staging.bucket): %w", what, err)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) && (ge.Code == http.StatusUnauthorized || ge.Code == http.StatusForbidden) {
		return wrap(sdk.CodeAuth, "%s: check the staging connection's credentials_json: %w", what, err)
	}
	return wrap(sdk.CodeUnavailable, "%s: %w", what, err)
}
