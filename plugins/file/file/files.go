package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"
)

// format is a file format the source reads.
type format string

// Formats.
const (
	formatCSV     format = "csv"
	formatJSONL   format = "jsonl"
	formatParquet format = "parquet"
)

const formatNames = "csv, jsonl, parquet"

func parseFormat(s string) (format, error) {
	switch f := format(strings.ToLower(s)); f {
	case formatCSV, formatJSONL, formatParquet:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (allowed: %s)", s, formatNames)
}

// extensions maps file extensions to formats; gzip-compressed CSV and JSONL
// (name.csv.gz) are read too.
var extensions = map[string]format{
	".csv": formatCSV, ".tsv": formatCSV, ".jsonl": formatJSONL, ".ndjson": formatJSONL,
	".parquet": formatParquet, ".pq": formatParquet,
}

// splitName splits a base name into its stem and extension: "a.csv.gz"
// gives "a", ".csv", true. ext is "" when the name has no known extension.
func splitName(base string) (stem, ext string, gz bool) {
	if strings.HasSuffix(strings.ToLower(base), ".gz") {
		base, gz = base[:len(base)-3], true
	}
	e := filepath.Ext(base)
	if _, ok := extensions[strings.ToLower(e)]; ok {
		return base[:len(base)-len(e)], strings.ToLower(e), gz
	}
	if gz {
		return base, "", true
	}
	return strings.TrimSuffix(base, e), "", false
}

// partSuffix matches the part numbers of a split stream: orders_001,
// orders-part-2, orders_2024-01-31.
var partSuffix = regexp.MustCompile(`^(.+?)(?:[_-](?:part[_-]?)?[0-9]+)+$`)

// streamKey is the stream a file belongs to: its base name without the
// extension and without a trailing part number.
func streamKey(base string) string {
	stem, _, _ := splitName(base)
	if m := partSuffix.FindStringSubmatch(stem); m != nil {
		return m[1]
	}
	return stem
}

// fileEntry is one file of a stream.
type fileEntry struct {
	rel    string // slash-separated path relative to root: the state key
	abs    string
	size   int64
	mtime  time.Time
	format format
	gzip   bool
	delim  rune // default delimiter from the extension (tab for .tsv)
}

// label names the file in errors: its path relative to root.
func (f fileEntry) label() string { return f.rel }

// newEntry describes the file at abs; forced overrides the format.
func newEntry(root, abs string, fi fs.FileInfo, forced, fallback format) (fileEntry, error) {
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		rel = abs
	}
	_, ext, gz := splitName(fi.Name())
	e := fileEntry{rel: filepath.ToSlash(rel), abs: abs, size: fi.Size(), mtime: fi.ModTime().UTC(), gzip: gz, delim: ','}
	if ext == ".tsv" {
		e.delim = '\t'
	}
	switch {
	case forced != "":
		e.format = forced
	case ext != "":
		e.format = extensions[ext]
	case fallback != "":
		e.format = fallback
	default:
		return e, sdk.Errorf(sdk.CodeConfig, "cannot tell the format of %q from its name: set options.format (%s)", e.rel, formatNames)
	}
	if e.gzip && e.format == formatParquet {
		return e, sdk.Errorf(sdk.CodeConfig, "%s: gzip-compressed parquet files are not supported (parquet compresses its own pages)", e.rel)
	}
	return e, nil
}

// hasMeta reports whether s is a glob pattern.
func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// skipName reports whether a file or directory is hidden from discovery
// and directory reads: dot files and marker files such as _SUCCESS.
func skipName(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// matchFiles resolves the files of one Read or stream, sorted by path.
// Precedence: options.path, then a glob or file path in the stream name, then the files
// of the namespace directory whose streamKey is the stream name.
func matchFiles(cfg Config, opts Options, namespace, stream string) ([]fileEntry, error) {
	if err := cfg.checkRoot(); err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.Root, filepath.FromSlash(namespace))
	forced, _ := parseFormat(opts.Format)
	fallback, _ := parseFormat(cfg.Format)
	var files []fileEntry
	var err error
	switch {
	case opts.Path != "":
		files, err = matchPath(cfg.Root, cfg.Root, opts.Path, forced, fallback)
	case hasMeta(stream) || isFilePath(stream):
		files, err = matchPath(cfg.Root, dir, stream, forced, fallback)
	default:
		files, err = matchStream(cfg.Root, dir, stream, forced, fallback)
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(files, func(a, b fileEntry) int { return strings.Compare(a.rel, b.rel) })
	for _, f := range files[1:] {
		if f.format != files[0].format {
			return nil, sdk.Errorf(sdk.CodeConfig, "files of one stream must share a format: %s is %s but %s is %s; set options.path or options.format",
				files[0].rel, files[0].format, f.rel, f.format)
		}
	}
	return files, nil
}

// isFilePath reports whether a stream name is a file's path (dpone read
// file data/x.csv): it has a directory or a known extension. Discovered
// stream names have neither.
func isFilePath(stream string) bool {
	if strings.ContainsAny(stream, `/\`) {
		return true
	}
	_, ext, gz := splitName(stream)
	return ext != "" || gz
}

// matchStream finds the files in dir that belong to stream by name.
func matchStream(root, dir, stream string, forced, fallback format) ([]fileEntry, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, sdk.Errorf(sdk.CodeNotFound, "directory %q does not exist under root %q", dir, root)
	}
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "list %s: %w", dir, err)
	}
	var out []fileEntry
	for _, de := range ents {
		if de.IsDir() || skipName(de.Name()) || streamKey(de.Name()) != stream {
			continue
		}
		_, ext, _ := splitName(de.Name())
		if ext == "" && forced == "" && fallback == "" {
			continue
		}
		if forced != "" && ext != "" && extensions[ext] != forced {
			continue
		}
		fi, err := de.Info()
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeNotFound, "stat %s: %w", de.Name(), err)
		}
		e, err := newEntry(root, filepath.Join(dir, de.Name()), fi, forced, fallback)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no files for stream %q in %q under root %q (looked for %s.csv, %s.jsonl, %s.parquet and %s_<n>.*): set options.path",
			stream, dir, root, stream, stream, stream, stream)
	}
	return out, nil
}

// matchPath resolves a path, directory or glob relative to dir. A glob may
// use ** to match any number of directories.
func matchPath(root, dir, pattern string, forced, fallback format) ([]fileEntry, error) {
	full := filepath.Join(dir, filepath.FromSlash(pattern))
	if !hasMeta(pattern) {
		fi, err := os.Stat(full)
		if os.IsNotExist(err) {
			return nil, sdk.Errorf(sdk.CodeNotFound, "path %q not found under root %q", pattern, root)
		}
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "path %q: %w", pattern, err)
		}
		if !fi.IsDir() {
			e, err := newEntry(root, full, fi, forced, fallback)
			return []fileEntry{e}, err
		}
		return walkFiles(root, full, pattern, func(string) bool { return true }, forced, fallback)
	}
	if _, err := path.Match(strings.ReplaceAll(pattern, "**", "*"), ""); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "path %q is not a valid glob: %w", pattern, err)
	}
	// Walk from the longest directory prefix without a glob character.
	pat := strings.Split(path.Clean(filepath.ToSlash(pattern)), "/")
	base := dir
	for len(pat) > 1 && !hasMeta(pat[0]) {
		base, pat = filepath.Join(base, pat[0]), pat[1:]
	}
	return walkFiles(root, base, pattern, func(rel string) bool {
		return globMatch(pat, strings.Split(rel, "/"))
	}, forced, fallback)
}

// walkFiles lists the files under base whose path relative to base
// satisfies keep; with no match it is a NOT_FOUND error naming pattern.
func walkFiles(root, base, pattern string, keep func(rel string) bool, forced, fallback format) ([]fileEntry, error) {
	var out []fileEntry
	err := filepath.WalkDir(base, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != base && skipName(de.Name()) {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if de.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(base, p)
		if !keep(filepath.ToSlash(rel)) {
			return nil
		}
		if _, ext, _ := splitName(de.Name()); ext == "" && forced == "" && fallback == "" {
			return nil
		}
		fi, err := de.Info()
		if err != nil {
			return err
		}
		e, err := newEntry(root, p, fi, forced, fallback)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, sdk.WithCode(sdk.CodeConfig, err)
	}
	if len(out) == 0 {
		return nil, sdk.Errorf(sdk.CodeNotFound, "no files match %q under root %q", pattern, root)
	}
	return out, nil
}

// globMatch matches path segments against pattern segments; "**" matches
// zero or more segments.
func globMatch(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if globMatch(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}
