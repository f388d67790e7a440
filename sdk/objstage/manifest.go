package objstage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// ManifestName is the checksum manifest's name inside a load's prefix.
const ManifestName = "_manifest.json"

const manifestVersion = 1

// Manifest lists a load's part files with their checksums.
type Manifest struct {
	Version int    `json:"version"`
	LoadID  string `json:"load_id"`
	Rows    int64  `json:"rows"`
	Files   []File `json:"files"`
}

// File is one part file of a load.
type File struct {
	// Name is the file's name inside the load's prefix (part-00000.parquet).
	Name   string `json:"file"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// URI is where a loader finds the file (filled by Verify).
	URI string `json:"-"`
}

func (a *Area) putManifest(ctx context.Context, m Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return sdk.WithCode(sdk.CodeInternal, err)
	}
	return a.bucket.Put(ctx, a.loadPrefix(m.LoadID)+ManifestName, bytes.NewReader(b), int64(len(b)))
}

// Verify reads loadID's manifest and checks every file it lists (bytes
// and sha256) and that no other part file lies beside them. Anything
// missing or changed is a DATA error naming the file: the load must not
// be committed. It returns the manifest with each File.URI set.
func (a *Area) Verify(ctx context.Context, loadID string) (Manifest, error) {
	if err := checkLoadID(loadID); err != nil {
		return Manifest{}, err
	}
	prefix := a.loadPrefix(loadID)
	r, err := a.bucket.Get(ctx, prefix+ManifestName)
	if errors.Is(err, ErrNotExist) {
		return Manifest{}, sdk.Errorf(sdk.CodeData, "staging: %s is missing: the load's files were never completed or were removed; rerun the load", a.bucket.URI(prefix+ManifestName))
	}
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	err = json.NewDecoder(r).Decode(&m)
	r.Close()
	if err != nil || m.LoadID != loadID {
		return Manifest{}, sdk.Errorf(sdk.CodeData, "staging: %s is not this load's manifest (load %s); rerun the load", a.bucket.URI(prefix+ManifestName), loadID)
	}
	listed := map[string]bool{ManifestName: true}
	for i := range m.Files {
		f := &m.Files[i]
		listed[f.Name] = true
		f.URI = a.bucket.URI(prefix + f.Name)
		if err := a.check(ctx, prefix, *f); err != nil {
			return Manifest{}, err
		}
	}
	keys, err := a.bucket.List(ctx, prefix)
	if err != nil {
		return Manifest{}, err
	}
	for _, k := range keys {
		if name := strings.TrimPrefix(k, prefix); !listed[name] {
			return Manifest{}, sdk.Errorf(sdk.CodeData, "staging: %s is not in the load's manifest: remove it or rerun the load", a.bucket.URI(k))
		}
	}
	return m, nil
}

// check hashes one file against its manifest entry.
func (a *Area) check(ctx context.Context, prefix string, f File) error {
	r, err := a.bucket.Get(ctx, prefix+f.Name)
	if errors.Is(err, ErrNotExist) {
		return sdk.Errorf(sdk.CodeData, "staging: %s is missing (listed in %s); rerun the load", f.URI, ManifestName)
	}
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return wrap(sdk.CodeUnavailable, "staging: read %s: %w", f.URI, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != f.Bytes || sum != f.SHA256 {
		return sdk.Errorf(sdk.CodeData, "staging: %s changed since it was written (%d bytes, sha256 %s; the manifest says %d bytes, sha256 %s); rerun the load",
			f.URI, n, sum, f.Bytes, f.SHA256)
	}
	return nil
}

// Remove deletes every file of loadID (AbortLoad, recovery of an aborted
// load): whatever lies under the load's prefix, listed or not.
func (a *Area) Remove(ctx context.Context, loadID string) error {
	if err := checkLoadID(loadID); err != nil {
		return err
	}
	keys, err := a.bucket.List(ctx, a.loadPrefix(loadID))
	if err != nil {
		return err
	}
	return a.bucket.Delete(ctx, keys...)
}

// Finish is called after the commit: it removes loadID's files unless the
// area keeps them (staging.keep).
func (a *Area) Finish(ctx context.Context, loadID string) error {
	if a.cfg.Keep {
		return nil
	}
	return a.Remove(ctx, loadID)
}

// Loads returns the load ids that have files in the area, for sweeping
// the files of loads that never committed.
func (a *Area) Loads(ctx context.Context) ([]string, error) {
	keys, err := a.bucket.List(ctx, a.key(""))
	if err != nil {
		return nil, err
	}
	base := a.key("")
	var ids []string
	seen := map[string]bool{}
	for _, k := range keys {
		id, _, ok := strings.Cut(strings.TrimPrefix(k, base), "/")
		if ok && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// OpenFile opens file name (a File.Name of the manifest) of loadID, for a
// loader that copies the files where it can read them.
func (a *Area) OpenFile(ctx context.Context, loadID, name string) (io.ReadCloser, error) {
	if err := checkLoadID(loadID); err != nil {
		return nil, err
	}
	return a.bucket.Get(ctx, a.loadPrefix(loadID)+name)
}
