package objstage

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// Bucket is the little an area needs of an object store. Keys are
// slash-separated and relative to the bucket (a local area's directory).
type Bucket interface {
	// Put stores size bytes read from r at key, replacing any object.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens key; a missing key is an error wrapping ErrNotExist.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns the keys that start with prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes keys; a missing key is not an error.
	Delete(ctx context.Context, keys ...string) error
	// URI names key for a loader: s3://bucket/key, gs://bucket/key or an
	// absolute file path.
	URI(key string) string
}

// ErrNotExist is wrapped by Bucket.Get for a missing object.
var ErrNotExist = errors.New("object does not exist")

// local is a directory.
type local struct{ dir string }

func newLocal(dir string) (*local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, sdk.WithCode(sdk.CodeConfig, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, wrap(sdk.CodeConfig, "sink.staging prefix %s: %w", abs, err)
	}
	return &local{dir: abs}, nil
}

func (l *local) path(key string) string { return filepath.Join(l.dir, filepath.FromSlash(key)) }

func (l *local) Put(_ context.Context, key string, r io.Reader, _ int64) error {
	p := l.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return wrap(sdk.CodeUnavailable, "staging put %s: %w", p, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return wrap(sdk.CodeUnavailable, "staging put %s: %w", p, err)
	}
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return wrap(sdk.CodeUnavailable, "staging put %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return wrap(sdk.CodeUnavailable, "staging put %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return wrap(sdk.CodeUnavailable, "staging put %s: %w", p, err)
	}
	return nil
}

func (l *local) Get(_ context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, wrap(sdk.CodeNotFound, "staging get %s: %w", l.path(key), ErrNotExist)
	}
	if err != nil {
		return nil, wrap(sdk.CodeUnavailable, "staging get %s: %w", l.path(key), err)
	}
	return f, nil
}

func (l *local) List(_ context.Context, prefix string) ([]string, error) {
	var keys []string
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".put-") {
			return nil
		}
		rel, err := filepath.Rel(l.dir, p)
		if err != nil {
			return err
		}
		if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, wrap(sdk.CodeUnavailable, "staging list %s: %w", l.dir, err)
	}
	sort.Strings(keys)
	return keys, nil
}

func (l *local) Delete(_ context.Context, keys ...string) error {
	dirs := map[string]bool{}
	for _, k := range keys {
		p := l.path(k)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return wrap(sdk.CodeUnavailable, "staging delete %s: %w", p, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs { // a load's directory goes with its last file
		if d != l.dir {
			os.Remove(d)
		}
	}
	return nil
}

func (l *local) URI(key string) string { return l.path(key) }
