package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Kind is the only manifest kind this package reads.
const Kind = "dpone.batch.v1"

// Options control how a manifest is resolved.
type Options struct {
	// LookupEnv resolves ${VAR} references. nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Environ lists the environment as "KEY=value" entries for the env
	// credential provider (DPONE_CONN_<ID>_<FIELD>). nil means os.Environ
	// when LookupEnv is nil too, and no variables otherwise (so a test
	// that sets LookupEnv never sees the real environment).
	Environ func() []string
	// WithoutCredentials loads a manifest whose connections lack their
	// credentials (DPONE_CONN_* or ${VAR} in a connections entry) without
	// error, for commands that open no connection (manifest validate,
	// render, explain): such an endpoint's Config lacks them and its
	// CredentialsMissing says what is missing.
	WithoutCredentials bool
	// Vault reads the credentials of connection_type vault; nil refuses
	// them (unless WithoutCredentials). host/vault provides one.
	Vault SecretReader
}

// MapEnv returns Options whose environment is exactly env.
func MapEnv(env map[string]string) Options {
	return Options{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Environ: func() []string {
			out := make([]string, 0, len(env))
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		},
	}
}

func (o Options) lookup(k string) (string, bool) {
	if o.LookupEnv == nil {
		return os.LookupEnv(k)
	}
	return o.LookupEnv(k)
}

func (o Options) environ() []string {
	switch {
	case o.Environ != nil:
		return o.Environ()
	case o.LookupEnv == nil:
		return os.Environ()
	}
	return nil
}

// Manifest is a parsed, layered and validated manifest.
type Manifest struct {
	Path     string // as given to Load or Parse
	Dir      string // absolute directory of the manifest
	Kind     string
	Metadata Metadata
	State    StateConfig
	Plugins  PluginsConfig
	Run      RunConfig
	Units    []*Unit // in manifest order
}

// RunConfig is the manifest's run block: defaults for how its units run,
// which `dpone run` flags override and `dpone export` writes into the
// orchestrator's job. Zero values mean unset (the command's default).
type RunConfig struct {
	Parallel int  // units loading at once (run -p)
	Retries  *int // retries per unit after a retryable error; nil: unset
}

// PluginsConfig is the manifest's plugins block: where this project keeps
// its connector binaries and its lock file. Relative paths are resolved
// against the manifest's directory; empty means unset.
type PluginsConfig struct {
	Dir      string // searched after --plugin-dir and DPONE_PLUGIN_DIR
	LockFile string // sha256 pins written by `dpone connectors lock`
}

// Metadata is the manifest's metadata block.
type Metadata struct {
	ID    string
	Owner string
	Tags  []string
}

// StateConfig is the manifest's state block.
type StateConfig struct {
	Backend string // "sqlite" (default) or "postgres"
	Path    string // sqlite file; default .dpone/state.db in Dir, made absolute
	DSN     string // postgres connection string, ${ENV} interpolated
}

// Unit is one resolved table copy.
type Unit struct {
	ID             string // explicit id, else "<schema>.<table>"
	Schema, Table  string // src_schema, src_table
	Source, Sink   Endpoint
	DependsOn      []string // raw selectors after layering
	Needs          []string // DependsOn resolved to unit ids, sorted, unique
	SchemaContract map[string]any
	Vars           map[string]any // fully layered and rendered, incl. built-ins
	ProcessName    string
	Line           int // line of the table entry in the manifest

	origins map[string]string // dotted field path -> layer name
	doc     *node             // resolved tree behind Explain (config redacted)
	deps    []*node           // depends_on entries with positions
}

// Endpoint is a unit's source or sink.
type Endpoint struct {
	Type           string // plugin name: postgres, duckdb, file, ...
	ConnectionID   string
	ConnectionType string // env (default), params or vault
	// Config holds resolved credentials: the JSON config sent to the
	// plugin. Never log or print it; use RedactedConfig. It is left out
	// of JSON encodings of the Endpoint and prints redacted with fmt.
	Config   Secrets `json:"-"`
	Table    TableRef
	Options  map[string]any
	Strategy Strategy
	// Staging is sink.staging, the unit's object-storage staging area
	// (nil when absent).
	Staging *Staging `json:",omitempty"`
	// SharedTarget (sink.shared_target) lets this unit load a target that
	// other units load too; without it, a sink refuses a target whose
	// receipts name another unit (two writers would double an append).
	SharedTarget bool `json:",omitempty"`
	// CredentialsMissing says which credentials a manifest loaded with
	// Options.WithoutCredentials lacks ("" when none): the config cannot
	// be checked against the connector's schema.
	CredentialsMissing string `json:",omitempty"`
}

// TableRef names a table in a source or sink.
type TableRef struct {
	Schema string
	Name   string
}

// String returns "schema.name" (or just the name without a schema).
func (t TableRef) String() string {
	if t.Schema == "" {
		return t.Name
	}
	return t.Schema + "." + t.Name
}

// Strategy is a sink's load strategy.
type Strategy struct {
	Mode      string
	UniqueKey []string
	Extra     map[string]any // every other key of the strategy block
}

// Load modes accepted in sink strategy.mode.
var Modes = []string{"full_refresh", "incremental_append", "incremental_merge", "replace", "partition_replace", "snapshot_diff", "scd2"}

var yamlLine = regexp.MustCompile(`^line (\d+): `)

// Load reads and resolves the manifest at path.
func Load(path string, opts Options) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return Parse(data, path, opts)
}

// Parse resolves a manifest held in data; path names it in errors and
// anchors relative paths (manifest_dir, state.path). Every problem found
// is returned at once, joined; each is an [*Error].
func Parse(data []byte, path string, opts Options) (*Manifest, error) {
	file := path
	if file == "" {
		file = "<manifest>"
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("resolve manifest dir: %w", err)
	}
	p := &problems{file: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg, line := strings.TrimPrefix(err.Error(), "yaml: "), 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		p.add(ErrInvalid, line, "", "parse yaml: %s", msg)
		return nil, p.err()
	}
	root := fromYAML(&doc, p)
	if root.kind != mapNode {
		p.add(ErrInvalid, root.line, "", "manifest must be a mapping with kind: %s", Kind)
		return nil, p.err()
	}
	topShape.check(root, "", p)
	b := &builder{p: p, root: root, opts: opts, m: &Manifest{Path: path, Dir: dir}, tmpl: newTemplates()}
	b.build()
	if err := p.err(); err != nil {
		return nil, err
	}
	return b.m, nil
}
