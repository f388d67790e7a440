package file

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/dpone-go/dpone/sdk"
)

// Config is the connection config: {"root": "./data", "format": "csv"}.
type Config struct {
	// Root is the directory every path is relative to; default ".".
	Root string `json:"root"`
	// Format is the default format for files whose extension names none.
	Format string `json:"format"`
}

// configSchema is the JSON Schema of Config.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "file source",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "root": {"type": "string", "description": "directory all paths are relative to", "default": "."},
    "format": {"type": "string", "enum": ["csv", "jsonl", "parquet"], "description": "format of files whose extension names none"}
  }
}`

func parseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return c, err
	}
	if c.Root == "" {
		c.Root = "."
	}
	if c.Format != "" {
		if _, err := parseFormat(c.Format); err != nil {
			return c, sdk.Errorf(sdk.CodeConfig, "config: %w", err)
		}
	}
	return c, nil
}

// checkRoot verifies that the root is a readable directory.
func (c Config) checkRoot() error {
	fi, err := os.Stat(c.Root)
	switch {
	case os.IsNotExist(err):
		return sdk.Errorf(sdk.CodeNotFound, "root %q does not exist", c.Root)
	case err != nil:
		return sdk.Errorf(sdk.CodeConfig, "root %q: %w", c.Root, err)
	case !fi.IsDir():
		return sdk.Errorf(sdk.CodeConfig, "root %q is not a directory", c.Root)
	}
	return nil
}

// Options are a Read's source.options (or their defaults for Discover).
type Options struct {
	// Path is a file, directory or glob relative to root.
	Path string `json:"path"`
	// Format forces the format of every matched file.
	Format string `json:"format"`
	// Delimiter is the CSV field separator (one character); default ","
	// ("\t" for .tsv files).
	Delimiter string `json:"delimiter"`
	// Header says the first CSV line names the columns; default true.
	Header *bool `json:"header"`
	// NullValues are the CSV texts read as NULL; default [""].
	NullValues []string `json:"null_values"`
	// Columns overrides inferred types by column name.
	Columns map[string]string `json:"columns"`
	// SampleRows is how many rows inference reads; default 1000.
	SampleRows int `json:"sample_rows"`
	// IncrementalStrategy is "files" or empty.
	IncrementalStrategy string `json:"incremental_strategy"`
	// Parallel and BatchBytes belong to the host; accepted and ignored.
	Parallel   json.RawMessage `json:"parallel"`
	BatchBytes json.RawMessage `json:"batch_bytes"`
}

const defaultSampleRows = 1000

// optionKeys lists the keys Options accepts, for error messages.
var optionKeys = []string{"path", "format", "delimiter", "header", "null_values", "columns",
	"sample_rows", "incremental_strategy", "parallel", "batch_bytes"}

// parseOptions decodes source options, refusing unknown keys, and fills in
// the defaults.
func parseOptions(raw json.RawMessage) (Options, error) {
	var o Options
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "source options: %w", err)
		}
		var unknown []string
		for k := range keys {
			if !slices.Contains(optionKeys, k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return o, sdk.Errorf(sdk.CodeConfig, "source options: unknown key %s for the file source (allowed: %s)",
				quoteAll(unknown), strings.Join(optionKeys, ", "))
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		if err := dec.Decode(&o); err != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "source options: %s", strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if o.Format != "" {
		if _, err := parseFormat(o.Format); err != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "source options: %w", err)
		}
	}
	if o.Delimiter != "" && len([]rune(o.Delimiter)) != 1 {
		return o, sdk.Errorf(sdk.CodeConfig, "source options: delimiter %q must be a single character", o.Delimiter)
	}
	if o.Header == nil {
		t := true
		o.Header = &t
	}
	if o.NullValues == nil {
		o.NullValues = []string{""}
	}
	switch {
	case o.SampleRows < 0:
		return o, sdk.Errorf(sdk.CodeConfig, "source options: sample_rows must be positive, got %d", o.SampleRows)
	case o.SampleRows == 0:
		o.SampleRows = defaultSampleRows
	}
	switch o.IncrementalStrategy {
	case "", strategyFiles:
	default:
		return o, sdk.Errorf(sdk.CodeConfig, "source options: incremental_strategy %q is not supported by the file source (allowed: %s)",
			o.IncrementalStrategy, strategyFiles)
	}
	for name, t := range o.Columns {
		if _, err := parseTypeName(t); err != nil {
			return o, sdk.Errorf(sdk.CodeConfig, "source options: columns.%s: %w", name, err)
		}
	}
	return o, nil
}

func quoteAll(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
