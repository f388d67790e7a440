package manifest

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// EnvPrefix starts every environment variable of the env credential
// provider: DPONE_CONN_<ID>_<FIELD>.
const EnvPrefix = "DPONE_CONN_"

// ConnectionTypes lists the credential providers an endpoint may name.
var ConnectionTypes = []string{"env", "params", "vault"}

// credResult is one resolved connection, shared by every unit using it.
type credResult struct {
	config  map[string]any
	layers  map[string]string // field -> layer
	ok      bool
	missing string // with Options.WithoutCredentials: what is missing
}

// EnvName returns the environment spelling of a connection id:
// upper case, every character other than A-Z and 0-9 turned into "_".
func EnvName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

// credentials resolves the Config of one side of u.
func (b *builder) credentials(u *Unit, side string) {
	n := u.doc.get(side)
	e := &u.Source
	if side == "sink" {
		e = &u.Sink
	}
	params := n.get("params")
	cfg, layers := Secrets{}, map[string]string{}
	if params != nil && params.kind == mapNode {
		for _, k := range params.keys {
			cfg[k], layers[k] = params.m[k].value(), params.m[k].layer
		}
	}
	line := u.Line
	if c := n.get("connection_id"); c != nil {
		line = c.line
	}
	switch e.ConnectionType {
	case "", "env":
		e.ConnectionType = "env"
	case "params":
		if params == nil {
			b.p.add(ErrInvalid, n.get("connection_type").line, u.ID, "%s.connection_type params needs %s.params", side, side)
		}
		b.setConfig(u, side, e, cfg, layers)
		return
	case "vault":
	default:
		b.p.add(ErrInvalid, n.get("connection_type").line, u.ID, "%s.connection_type %q is not a credential provider%s", side, e.ConnectionType, didYouMean(e.ConnectionType, ConnectionTypes))
		return
	}
	if e.ConnectionID != "" || e.ConnectionType == "vault" {
		r := b.connection(u, side, e, line)
		if !r.ok {
			return
		}
		for k, v := range r.config {
			cfg[k], layers[k] = v, r.layers[k]
		}
		e.CredentialsMissing = r.missing
	}
	b.setConfig(u, side, e, cfg, layers)
}

// connection resolves e's connection through its provider: Vault for
// connection_type vault, else the connections block or the environment.
// where names the endpoint in messages (source, sink, sink.staging).
func (b *builder) connection(u *Unit, where string, e *Endpoint, line int) *credResult {
	if e.ConnectionType == "vault" {
		return b.vaultConnection(u, where, e, line)
	}
	return b.resolveConnection(u, where, e, line)
}

// setConfig stores cfg in e and a redacted copy in the unit's tree.
func (b *builder) setConfig(u *Unit, side string, e *Endpoint, cfg Secrets, layers map[string]string) {
	e.Config = cfg
	red := e.RedactedConfig()
	c := newMap(u.Line, "")
	for k, v := range red {
		c.set(k, scalar(v, u.Line, layers[k]))
	}
	u.doc.get(side).set("config", c)
	if p := u.doc.get(side).get("params"); p != nil && p.kind == mapNode {
		for _, k := range p.keys {
			if r, ok := red[k]; ok {
				p.m[k] = scalar(r, p.m[k].line, p.m[k].layer)
			}
		}
	}
}

// resolveConnection finds credentials for e.ConnectionID in the
// connections block, else in the environment. Results are cached so a
// missing connection is reported once.
func (b *builder) resolveConnection(u *Unit, side string, e *Endpoint, line int) *credResult {
	if b.creds == nil {
		b.creds = map[string]*credResult{}
	}
	if r, ok := b.creds[e.ConnectionID]; ok {
		return r
	}
	r := &credResult{config: map[string]any{}, layers: map[string]string{}, ok: true}
	b.creds[e.ConnectionID] = r
	if conn := b.root.get("connections").get(e.ConnectionID); conn != nil {
		layer := "connections." + e.ConnectionID
		errs := len(b.p.errs)
		var missing []string
		if b.opts.WithoutCredentials {
			b.missing = &missing
		}
		if conn.kind == mapNode {
			for _, k := range conn.keys {
				r.config[k] = b.interpolateTree(conn.m[k], layer+"."+k)
				r.layers[k] = layer
			}
		}
		b.missing = nil
		if len(missing) > 0 {
			r.missing = fmt.Sprintf("connections.%s: environment variable(s) %s not set", e.ConnectionID, strings.Join(missing, ", "))
		}
		r.ok = len(b.p.errs) == errs
		return r
	}
	prefix := EnvPrefix + EnvName(e.ConnectionID) + "_"
	for _, kv := range b.opts.environ() {
		k, v, _ := strings.Cut(kv, "=")
		if field, ok := strings.CutPrefix(k, prefix); ok && field != "" {
			r.config[strings.ToLower(field)] = v
			r.layers[strings.ToLower(field)] = "env"
		}
	}
	if len(r.config) == 0 {
		msg := fmt.Sprintf("%s.connection_id %q has no credentials: set environment variables %s<FIELD> (for example %s%s=...) or add connections.%s to the manifest",
			side, e.ConnectionID, prefix, prefix, exampleField(e.Type), e.ConnectionID)
		if b.opts.WithoutCredentials {
			r.missing = msg
			return r
		}
		r.ok = false
		b.p.add(ErrMissingEnv, line, u.ID, "%s", msg)
	}
	return r
}

// exampleField names the usual config field of a plugin, for messages.
func exampleField(pluginType string) string {
	switch pluginType {
	case "duckdb":
		return "PATH"
	case "file":
		return "ROOT"
	}
	return "DSN"
}

var envRef = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// interpolate returns n's string with ${VAR} replaced from the
// environment ($$ is a literal $); a missing variable is an error naming
// it. path names the value in messages.
func (b *builder) interpolate(n *node, path string) string {
	if n == nil {
		return ""
	}
	s, ok := n.val.(string)
	if !ok {
		return n.str()
	}
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		v, ok := b.opts.lookup(name)
		if !ok && b.missing != nil {
			*b.missing = append(*b.missing, name)
		} else if !ok {
			b.p.add(ErrMissingEnv, n.line, "", "%s: environment variable %s is not set", path, name)
		}
		return v
	})
}

// interpolateTree interpolates every string under n and returns plain
// values.
func (b *builder) interpolateTree(n *node, path string) any {
	switch n.kind {
	case mapNode:
		m := map[string]any{}
		for _, k := range n.keys {
			m[k] = b.interpolateTree(n.m[k], path+"."+k)
		}
		return m
	case listNode:
		l := make([]any, len(n.list))
		for i, c := range n.list {
			l[i] = b.interpolateTree(c, fmt.Sprintf("%s[%d]", path, i))
		}
		return l
	}
	if _, ok := n.val.(string); ok {
		return b.interpolate(n, path)
	}
	return n.val
}

// Secrets is a resolved connection config. fmt prints it redacted, so a
// stray %v never leaks a password; encoding/json still encodes the real
// values (that is how the config reaches the plugin).
type Secrets map[string]any

// Format prints the redacted form for every verb.
func (s Secrets) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "%v", map[string]any(Endpoint{Config: s}.RedactedConfig()))
}

// Redacted is what RedactedConfig shows instead of a secret.
const Redacted = "***"

// RedactedConfig returns Config with every value hidden, except that a
// URL keeps its scheme, host and path (its password and query are hidden),
// which is enough to tell connections apart in logs.
func (e Endpoint) RedactedConfig() map[string]any {
	out := make(map[string]any, len(e.Config))
	for k, v := range e.Config {
		out[k] = Redacted
		if harmlessKeys[strings.ToLower(k)] && !isSecretText(v) {
			out[k] = v
		}
		if s, ok := v.(string); ok {
			if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
				u.RawQuery = ""
				if _, has := u.User.Password(); has {
					u.User = url.UserPassword(u.User.Username(), Redacted)
				}
				out[k] = strings.Replace(u.String(), url.QueryEscape(Redacted), Redacted, 1)
			}
		}
	}
	return out
}

// harmlessKeys are config keys whose values are not secrets (where the
// data is, whom to connect as): they show in plan, render and errors.
// Every other key is masked, so a connector's own secret (a token, a
// header) is masked without being listed.
var harmlessKeys = map[string]bool{
	"path": true, "root": true, "dir": true, "directory": true, "file": true, "format": true,
	"host": true, "hosts": true, "port": true, "addr": true, "address": true, "endpoint": true,
	"database": true, "dbname": true, "db": true, "schema": true, "dataset": true, "project": true,
	"region": true, "bucket": true, "user": true, "username": true, "sslmode": true,
	"memory_limit": true, "threads": true, "base_url": true,
}

// isSecretText reports whether a harmless key's value looks like it holds
// a secret anyway (a URL with a password or query, key=value pairs):
// those stay masked, or go through the URL rule.
func isSecretText(v any) bool {
	s, ok := v.(string)
	if !ok {
		_, scalar := v.(map[string]any)
		_, list := v.([]any)
		return scalar || list
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		return true // the URL rule below shows it without password and query
	}
	return strings.Contains(s, "=")
}
