package objstage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"

	"github.com/dpone-go/dpone/sdk"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3 is a bucket of any S3 API (AWS S3, MinIO, gofakes3).
type s3 struct {
	c      *minio.Client
	bucket string
}

// newS3 builds the client. Credentials: access_key_id, secret_access_key
// and session_token from the staging connection, else the AWS environment
// (AWS_ACCESS_KEY_ID, ~/.aws/credentials, the instance role). An endpoint
// (http://host:port) means path-style addressing.
func newS3(cfg *Config) (*s3, error) {
	host, secure, lookup := "s3.amazonaws.com", true, minio.BucketLookupAuto
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, sdk.Errorf(sdk.CodeConfig, "sink.staging.endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
		}
		host, secure, lookup = u.Host, u.Scheme == "https", minio.BucketLookupPath
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{}, &credentials.FileAWSCredentials{}, &credentials.IAM{}})
	if id := cfg.Credentials["access_key_id"]; id != "" {
		creds = credentials.NewStaticV4(id, cfg.Credentials["secret_access_key"], cfg.Credentials["session_token"])
	}
	region := cfg.Region
	if region == "" && cfg.Endpoint != "" {
		region = "us-east-1" // skips the bucket-location request a fake may not serve
	}
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: region, BucketLookup: lookup})
	if err != nil {
		return nil, wrap(sdk.CodeConfig, "sink.staging s3 client: %w", err)
	}
	return &s3{c: c, bucket: cfg.Bucket}, nil
}

func (s *s3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	_, err := s.c.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType(key)})
	if err != nil {
		return s3Err(err, "staging put %s", s.URI(key))
	}
	return nil
}

func (s *s3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	o, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = o.Stat() // GetObject is lazy: Stat finds a missing key
	}
	if err != nil {
		if o != nil {
			o.Close()
		}
		return nil, s3Err(err, "staging get %s", s.URI(key))
	}
	return o, nil
}

func (s *s3) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, s3Err(o.Err, "staging list %s", s.URI(prefix))
		}
		keys = append(keys, o.Key)
	}
	sort.Strings(keys)
	return keys, nil
}

func (s *s3) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := s.c.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
			if minio.ToErrorResponse(err).Code == "NoSuchKey" {
				continue
			}
			return s3Err(err, "staging delete %s", s.URI(k))
		}
	}
	return nil
}

func (s *s3) URI(key string) string { return "s3://" + s.bucket + "/" + key }

// s3Err codes an S3 error: a missing key wraps ErrNotExist, a refused
// credential is AUTH, the rest UNAVAILABLE (retryable).
func s3Err(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		switch resp.Code {
		case "NoSuchKey":
			return wrap(sdk.CodeNotFound, "%s: %w", what, ErrNotExist)
		case "NoSuchBucket":
			return wrap(sdk.CodeConfig, "%s: bucket %s does not exist (sink.staging.bucket): %w", what, resp.BucketName, err)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return wrap(sdk.CodeAuth, "%s: check the staging connection's access_key_id and secret_access_key: %w", what, err)
		}
	}
	return wrap(sdk.CodeUnavailable, "%s: %w", what, err)
}

func contentType(key string) string {
	if len(key) > 5 && key[len(key)-5:] == ".json" {
		return "application/json"
	}
	return "application/vnd.apache.parquet"
}
