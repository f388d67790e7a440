package file

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// Discover lists the streams under root: files grouped by directory (the
// stream's namespace, "" for root itself) and streamKey (the name). Files
// and directories starting with "." or "_" are skipped, and so are files
// with no known extension unless the config sets a format. selector keeps
// streams whose name or namespace.name matches one of its globs.
func (*Connector) Discover(ctx context.Context, config json.RawMessage, selector []string) ([]sdk.Stream, error) {
	cfg, err := parseConfig(config)
	if err != nil {
		return nil, err
	}
	if err := cfg.checkRoot(); err != nil {
		return nil, err
	}
	opts, err := parseOptions(nil)
	if err != nil {
		return nil, err
	}
	type key struct{ ns, name string }
	groups := map[key]bool{}
	err = filepath.WalkDir(cfg.Root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != cfg.Root && skipName(de.Name()) {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if de.IsDir() {
			return ctx.Err()
		}
		if _, ext, _ := splitName(de.Name()); ext == "" && cfg.Format == "" {
			return nil
		}
		rel, _ := filepath.Rel(cfg.Root, filepath.Dir(p))
		ns := filepath.ToSlash(rel)
		if ns == "." {
			ns = ""
		}
		k := key{ns: ns, name: streamKey(de.Name())}
		if sdk.Selected(selector, k.ns, k.name) {
			groups[k] = true
		}
		return nil
	})
	if err != nil {
		return nil, sdk.WithCode(sdk.CodeConfig, err)
	}
	keys := make([]key, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.ns, b.ns); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]sdk.Stream, 0, len(keys))
	for _, k := range keys {
		st, err := describe(ctx, cfg, opts, k.ns, k.name)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// describe infers one stream's schema and estimates.
func describe(ctx context.Context, cfg Config, opts Options, ns, name string) (sdk.Stream, error) {
	files, err := matchFiles(cfg, opts, ns, name)
	if err != nil {
		return sdk.Stream{}, err
	}
	st, err := openStream(ctx, files, opts, nil)
	if err != nil {
		return sdk.Stream{}, err
	}
	var size int64
	for _, f := range files {
		size += f.size
	}
	return sdk.Stream{Name: name, Namespace: ns, Schema: st.Schema(), RowEstimate: st.RowEstimate(files), ByteEstimate: size,
		PayloadFormats: payloadFormats(files, opts)}, nil
}
