// Package rest is the dpone source connector for JSON REST APIs,
// configured declaratively: a client (base_url, headers, auth, retries,
// rate limit) and resources, each an endpoint with its pagination, where
// its records are in the response, and how they become columns. A child
// resource reads one endpoint per record of its parent, with its own
// paginator and incremental cursor per parent. See docs/rest.md.
package rest

import (
	"context"
	"encoding/json"
	"errors"
	"path"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"
)

// Version is the connector's version.
const Version = "0.1.0"

// Connector is the rest source. Its rate limits are shared by the reads
// it serves, per host.
type Connector struct {
	lim limiters
	// now is the clock safety_lag counts from (time.Now when nil).
	now func() time.Time
}

var (
	_ sdk.Source          = (*Connector)(nil)
	_ sdk.Checker         = (*Connector)(nil)
	_ sdk.StreamDescriber = (*Connector)(nil)
)

// New returns the rest source connector.
func New() sdk.Connector { return &Connector{} }

// Spec describes the connector.
func (*Connector) Spec() sdk.Spec {
	return sdk.Spec{
		Name:                  "rest",
		Version:               Version,
		Description:           "JSON REST APIs: pagination, auth, retries, parent/child resources, incremental cursors",
		ConfigSchema:          configSchema,
		SourceOptionsSchema:   sdk.OptionsSchema(Options{}),
		IncrementalStrategies: []string{strategyColumn},
	}
}

// Check validates the config and reads the first page of the first
// resource (the base URL when there is none), so bad credentials fail
// with AUTH and an unreachable API with CONNECT or UNAVAILABLE.
func (c *Connector) Check(ctx context.Context, config json.RawMessage) error {
	cfg, err := parseConfig(config)
	if err != nil {
		return err
	}
	cfg.Retry.maxRetries = min(cfg.Retry.maxRetries, 1)
	cl, err := newClient(cfg, &c.lim, "")
	if err != nil {
		return err
	}
	res := &Resource{Name: "(check)", Path: "", Method: "GET"}
	if len(cfg.Resources) > 0 {
		if res, err = cfg.resource(cfg.Resources[0].Name, nil); err != nil {
			return err
		}
		if res.Parent != nil {
			if res, err = cfg.resource(res.Parent.Resource, nil); err != nil {
				return err
			}
		}
	}
	return cl.fetch(ctx, res, vars{}, pageHooks{record: func([]byte) error { return nil }, maxPages: 1})
}

// Discover lists the config's resources, each with the schema of a
// sample (its first page; a child's first parent's first page).
func (c *Connector) Discover(ctx context.Context, config json.RawMessage, selector []string) ([]sdk.Stream, error) {
	cfg, err := parseConfig(config)
	if err != nil {
		return nil, err
	}
	var streams []sdk.Stream
	for _, rc := range cfg.Resources {
		if !selected(selector, rc.Name) {
			continue
		}
		st, err := c.describe(ctx, cfg, sdk.ReadRequest{Stream: rc.Name, Mode: sdk.ReadFull})
		if err != nil {
			return nil, err
		}
		streams = append(streams, st)
	}
	return streams, nil
}

// DescribeStream gives a resource's schema with the read's options (which
// may define or change the resource), from a sample as Discover does.
func (c *Connector) DescribeStream(ctx context.Context, req sdk.ReadRequest) (sdk.Stream, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.Stream{}, err
	}
	req.Mode = sdk.ReadFull
	return c.describe(ctx, cfg, req)
}

func (c *Connector) describe(ctx context.Context, cfg *Config, req sdk.ReadRequest) (sdk.Stream, error) {
	res, err := cfg.resource(req.Stream, req.Options)
	if err != nil {
		return sdk.Stream{}, err
	}
	if !res.inferOn() { // declared columns only: no request needed
		var parent *Resource
		if res.Parent != nil {
			if parent, err = cfg.resource(res.Parent.Resource, nil); err != nil {
				return sdk.Stream{}, err
			}
		}
		cols, err := schemaOf(res, parent, nil)
		if err != nil {
			return sdk.Stream{}, err
		}
		return sdk.Stream{Namespace: req.Namespace, Name: req.Stream, Schema: arrowSchema(project(cols, req.Columns), res.PrimaryKey), PrimaryKey: res.PrimaryKey}, nil
	}
	sw := &schemaWriter{}
	req.PriorState = nil
	err = c.read(ctx, cfg, res, req, sw)
	if err != nil && !errors.Is(err, errSampled) {
		return sdk.Stream{}, err
	}
	return sdk.Stream{Namespace: req.Namespace, Name: req.Stream, Schema: sw.schema, PrimaryKey: res.PrimaryKey}, nil
}

// selected reports whether a selector keeps resource name: a glob of the
// name, or of namespace.name (resources have no namespace, so any
// namespace matches).
func selected(selector []string, name string) bool {
	if len(selector) == 0 {
		return true
	}
	for _, s := range selector {
		if ok, _ := path.Match(s, name); ok {
			return true
		}
		if i := strings.LastIndex(s, "."); i >= 0 {
			if ok, _ := path.Match(s[i+1:], name); ok {
				return true
			}
		}
	}
	return false
}

// Read reads one resource: every page (full), or, with an incremental
// cursor, the records from the committed cursor on.
func (c *Connector) Read(ctx context.Context, req sdk.ReadRequest, out sdk.RecordWriter) error {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return err
	}
	res, err := cfg.resource(req.Stream, req.Options)
	if err != nil {
		return err
	}
	return c.read(ctx, cfg, res, req, out)
}

func (c *Connector) read(ctx context.Context, cfg *Config, res *Resource, req sdk.ReadRequest, out sdk.RecordWriter) error {
	st, err := parseState(req.PriorState)
	if err != nil {
		return err
	}
	refresh := ""
	if st.OAuth != "" {
		if refresh, err = auth.Unseal(cfg.Auth.ClientSecret, st.OAuth); err != nil {
			_ = out.Log(sdk.LevelWarn, "the refresh token kept in the state does not open ("+err.Error()+"): using the configured refresh_token")
			refresh, st.OAuth = "", ""
		}
	}
	cl, err := newClient(cfg, &c.lim, refresh)
	if err != nil {
		return err
	}
	if req.Mode == sdk.ReadIncremental && res.cursor.IncrementalColumn == "" {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: an incremental read needs source.options incremental_strategy: column and incremental_column (the record field whose largest value is the cursor)", res.Name)
	}
	r := &reader{res: res, c: cl, out: out, project: req.Columns, warned: map[string]bool{}, st: st,
		track: res.cursor.IncrementalColumn != "", full: req.Mode != sdk.ReadIncremental}
	if r.track {
		r.send = req.Mode == sdk.ReadIncremental
		// The SDK's cursor helper reads the options (and checks them) as it
		// does for the database sources; the state is the rest source's own.
		if r.cur, err = sdk.NewCursor(res.cursor, sdk.ReadRequest{Mode: req.Mode}, res.PrimaryKey); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: source options: %w", res.Name, err)
		}
		r.lookback, r.initial, r.tieCap = r.cur.Lookback, r.cur.Initial, r.cur.TieCap
		now := time.Now
		if c.now != nil {
			now = c.now
		}
		if r.lagBound, err = lagBound(r.cur, r.send, now()); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: source options: %w", res.Name, err)
		}
	}
	if res.Parent != nil {
		parentRes, err := cfg.resource(res.Parent.Resource, nil)
		if err != nil {
			return err
		}
		err = r.readChildren(ctx, parentRes)
		if err != nil {
			return err
		}
	} else if err := r.readFlat(ctx); err != nil {
		return err
	}
	return r.finish()
}

// errSampled ends a Discover read once the schema is known.
var errSampled = errors.New("sampled")

// schemaWriter is the RecordWriter of a Discover read: it keeps the
// schema and stops the read.
type schemaWriter struct{ schema *arrow.Schema }

func (w *schemaWriter) Schema(s *arrow.Schema) error   { w.schema = s; return errSampled }
func (w *schemaWriter) Write(arrow.RecordBatch) error  { return errSampled }
func (w *schemaWriter) Checkpoint([]byte) error        { return nil }
func (w *schemaWriter) Progress(int64, int64) error    { return nil }
func (w *schemaWriter) Log(sdk.LogLevel, string) error { return nil }
func (w *schemaWriter) BatchBytes() int                { return 1 << 20 }
