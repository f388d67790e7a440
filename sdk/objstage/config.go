package objstage

import (
	"context"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// Staging types.
const (
	TypeLocal = "local"
	TypeS3    = "s3"
	TypeGCS   = "gcs"
)

// Config is a staging area: the manifest's sink.staging block as the SDK
// hands it to a sink ([sdk.Staging]).
type Config = sdk.Staging

// Area is an opened staging area. It is safe for concurrent use.
type Area struct {
	cfg    Config
	bucket Bucket
}

// Open opens the staging area cfg describes. It does no I/O for local and
// s3; gcs builds a client (credentials are read lazily).
func Open(ctx context.Context, cfg *Config) (*Area, error) {
	if cfg == nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "no staging area: set sink.staging in the manifest")
	}
	var (
		b   Bucket
		err error
	)
	switch cfg.Type {
	case TypeLocal:
		if cfg.Prefix == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "sink.staging type local needs prefix (a directory)")
		}
		b, err = newLocal(cfg.Prefix)
	case TypeS3:
		if cfg.Bucket == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "sink.staging type s3 needs bucket")
		}
		b, err = newS3(cfg)
	case TypeGCS:
		if cfg.Bucket == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "sink.staging type gcs needs bucket")
		}
		b, err = newGCS(ctx, cfg)
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "sink.staging.type %q: want local, s3 or gcs", cfg.Type)
	}
	if err != nil {
		return nil, err
	}
	return &Area{cfg: *cfg, bucket: b}, nil
}

// Bucket returns the area's object store.
func (a *Area) Bucket() Bucket { return a.bucket }

// Keep reports whether files stay after the commit (staging.keep).
func (a *Area) Keep() bool { return a.cfg.Keep }

// loadPrefix is the key prefix of one load's files, ending in "/".
func (a *Area) loadPrefix(loadID string) string {
	return a.key(loadID) + "/"
}

// key joins the area's prefix (object stores only: a local area's prefix
// is its directory) and name.
func (a *Area) key(name string) string {
	if a.cfg.Type == TypeLocal {
		return name
	}
	p := strings.Trim(a.cfg.Prefix, "/")
	if p == "" {
		return name
	}
	return p + "/" + name
}

// LoadURI is where the files of loadID live (s3://bucket/prefix/load_id/,
// gs://..., or a directory), for messages and for sinks that load a whole
// prefix.
func (a *Area) LoadURI(loadID string) string { return a.bucket.URI(a.loadPrefix(loadID)) }

func checkLoadID(loadID string) error {
	if loadID == "" || strings.ContainsAny(loadID, "/\\") || loadID == "." || loadID == ".." {
		return sdk.Errorf(sdk.CodeInternal, "staging: load id %q is not a plain name", loadID)
	}
	return nil
}

func wrap(code sdk.Code, format string, args ...any) error {
	return sdk.WithCode(code, fmt.Errorf(format, args...))
}
