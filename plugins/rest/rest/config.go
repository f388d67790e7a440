package rest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"
)

// Config is the connection config: the client every resource shares and
// the resources (streams) themselves.
//
//	{"base_url": "https://api.example.com/v1",
//	 "auth": {"type": "bearer", "token": "..."},
//	 "resources": [{"name": "orders", "path": "/orders", "records_path": "$.data"}]}
type Config struct {
	// BaseURL prefixes every resource path.
	BaseURL string `json:"base_url"`
	// Headers and Params are sent with every request.
	Headers map[string]string `json:"headers"`
	Params  map[string]string `json:"params"`
	// UserAgent is the User-Agent header; default dpone-connector-rest/<version>.
	UserAgent string `json:"user_agent"`
	// Timeout bounds one request (a Go duration such as "30s"); default 30s.
	Timeout string `json:"timeout"`
	// CAFile is a PEM file of CA certificates trusted besides the
	// system's (an API behind a private CA).
	CAFile string `json:"ca_file"`
	// InsecureSkipVerify turns off TLS certificate checks (tests only).
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
	// Auth is how requests authenticate; default none.
	Auth auth.Config `json:"auth"`
	// Retry is the resilience policy.
	Retry Retry `json:"retry"`
	// RateLimit caps requests per second per host (token bucket); 0: none.
	RateLimit float64 `json:"rate_limit"`
	// RateBurst is the bucket size; default 1.
	RateBurst int `json:"rate_burst"`
	// Resources are the streams.
	Resources []Resource `json:"resources"`

	timeout time.Duration
}

// Retry is the resilience policy of every request.
type Retry struct {
	// MaxRetries is how many times one request is retried; default 5.
	MaxRetries *int `json:"max_retries"`
	// Backoff is the first backoff (doubled each retry, with jitter);
	// default "500ms".
	Backoff string `json:"backoff"`
	// MaxBackoff caps one wait, also a Retry-After; default "60s".
	MaxBackoff string `json:"max_backoff"`
	// Status maps HTTP status codes ("404", "5xx") to an action: retry,
	// fail, skip (the page holds no records, pagination goes on) or end
	// (pagination ends, e.g. 404 as empty).
	Status map[string]string `json:"status"`

	maxRetries          int
	backoff, maxBackoff time.Duration
}

// Status actions.
const (
	actionRetry = "retry"
	actionFail  = "fail"
	actionSkip  = "skip"
	actionEnd   = "end"
)

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 5
	defaultBackoff    = 500 * time.Millisecond
	defaultMaxBackoff = 60 * time.Second
)

// configSchema is the JSON Schema of Config, derived from the struct the
// connector decodes, so the two cannot drift.
var configSchema = sdk.OptionsSchema(Config{})

// parseConfig decodes and checks a config.
func parseConfig(raw json.RawMessage) (*Config, error) {
	c := &Config{}
	if err := sdk.DecodeConfig(raw, c); err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: base_url is required (e.g. https://api.example.com/v1)")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: base_url %q is not an http(s) URL", c.BaseURL)
	}
	if c.timeout, err = durationOr(c.Timeout, defaultTimeout, "timeout"); err != nil {
		return nil, err
	}
	if err := c.Retry.resolve(); err != nil {
		return nil, err
	}
	if c.RateLimit < 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: rate_limit %v is negative: want requests per second", c.RateLimit)
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 1
	}
	if err := c.Auth.Check(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range c.Resources {
		r := &c.Resources[i]
		if r.Name == "" {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: resources[%d] has no name", i)
		}
		if seen[r.Name] {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: resource %q is defined twice", r.Name)
		}
		seen[r.Name] = true
	}
	return c, nil
}

func (r *Retry) resolve() error {
	r.maxRetries = defaultMaxRetries
	if r.MaxRetries != nil {
		if *r.MaxRetries < 0 {
			return sdk.Errorf(sdk.CodeConfig, "config: retry.max_retries %d is negative", *r.MaxRetries)
		}
		r.maxRetries = *r.MaxRetries
	}
	var err error
	if r.backoff, err = durationOr(r.Backoff, defaultBackoff, "retry.backoff"); err != nil {
		return err
	}
	if r.maxBackoff, err = durationOr(r.MaxBackoff, defaultMaxBackoff, "retry.max_backoff"); err != nil {
		return err
	}
	for k, v := range r.Status {
		if !validStatusKey(k) {
			return sdk.Errorf(sdk.CodeConfig, "config: retry.status key %q: want a status code such as \"404\" or a class such as \"5xx\"", k)
		}
		if !slices.Contains([]string{actionRetry, actionFail, actionSkip, actionEnd}, v) {
			return sdk.Errorf(sdk.CodeConfig, "config: retry.status.%s %q: want retry, fail, skip or end", k, v)
		}
	}
	return nil
}

func validStatusKey(k string) bool {
	if len(k) != 3 || k[0] < '1' || k[0] > '5' {
		return false
	}
	if strings.HasSuffix(k, "xx") {
		return true
	}
	return k[1] >= '0' && k[1] <= '9' && k[2] >= '0' && k[2] <= '9'
}

// durationOr parses a Go duration option, def when empty.
func durationOr(s string, def time.Duration, key string) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, sdk.Errorf(sdk.CodeConfig, "config: %s %q is not a duration such as \"30s\"", key, s)
	}
	return d, nil
}

// resource returns the named resource of the config with the read's
// options laid over it: a key in options replaces the config's (maps
// merge), so a manifest can define a whole resource in source.options or
// tune one the connection defines.
func (c *Config) resource(name string, options json.RawMessage) (*Resource, error) {
	o := Options{Resource: Resource{Name: name}}
	for i := range c.Resources {
		if c.Resources[i].Name == name {
			o.Resource = c.Resources[i]
		}
	}
	if err := sdk.DecodeOptions(options, &o, "source options"); err != nil {
		return nil, err
	}
	r := o.Resource
	r.Name = name
	r.cursor = o.CursorOptions
	switch o.IncrementalStrategy {
	case "", strategyColumn:
	default:
		return nil, sdk.Errorf(sdk.CodeConfig, "source options: incremental_strategy %q is not supported by the rest source (allowed: column)", o.IncrementalStrategy)
	}
	if len(o.IncrementalKey) > 0 {
		return nil, sdk.Errorf(sdk.CodeConfig, "source options: incremental_key is not supported by the rest source "+
			"(records come in the API's order; ties at the cursor are told apart by record fingerprints): remove it")
	}
	if o.IncrementalColumn != "" { // the options as the SDK's cursor helper reads them
		if _, err := sdk.NewCursor(o.CursorOptions, sdk.ReadRequest{Mode: sdk.ReadIncremental}, nil); err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "source options: %w", err)
		}
	}
	if err := r.check(c); err != nil {
		return nil, err
	}
	return &r, nil
}

// Options are a Read's source.options: any Resource key (laid over the
// config's resource of the stream's name) and the incremental keys.
type Options struct {
	Resource
	sdk.CursorOptions
	// IncrementalStrategy is "column" (the cursor is a record field) or empty.
	IncrementalStrategy string `json:"incremental_strategy"`
}
