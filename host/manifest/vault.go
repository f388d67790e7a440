package manifest

import (
	"fmt"
	"slices"
	"strings"
)

// VaultConfig is the manifest's vault block: the Vault server and login
// that connection_type vault reads credentials from.
//
//	vault:
//	  address: https://vault.internal:8200   # default $VAULT_ADDR
//	  auth: {method: approle, role_id: ${VAULT_ROLE_ID}, secret_id: ${VAULT_SECRET_ID}}
//	  kv_mount: secret                       # KV v2 mount (default secret)
//	  path_prefix: dpone                     # a connection's default path: <path_prefix>/<id>
//	  connections:
//	    dwh: {path: database/creds/dpone, kind: dynamic,
//	          template: {dsn: "postgres://{{username}}:{{password}}@db:5432/dwh"}}
type VaultConfig struct {
	Address   string // "" = $VAULT_ADDR
	Namespace string `json:",omitempty"`
	Auth      VaultAuth
	// KVMount is the KV v2 mount (default "secret"); PathPrefix the path
	// under it of a connection without an entry (default "dpone").
	KVMount     string
	PathPrefix  string
	Connections map[string]VaultRef
}

// VaultAuth is how dpone logs in to Vault.
type VaultAuth struct {
	// Method is token (default: auth.token, else $VAULT_TOKEN or
	// ~/.vault-token), approle or kubernetes.
	Method string
	// Mount is the auth method's mount path (default: approle,
	// kubernetes).
	Mount string `json:",omitempty"`
	// Token, SecretID: secrets (${VAR} from the environment); never
	// printed.
	Token    string `json:"-"`
	RoleID   string `json:",omitempty"`
	SecretID string `json:"-"`
	// Role and TokenPath: kubernetes (TokenPath defaults to the service
	// account token, /var/run/secrets/kubernetes.io/serviceaccount/token).
	Role      string `json:",omitempty"`
	TokenPath string `json:",omitempty"`
}

// VaultRef is where one connection's credentials live in Vault.
type VaultRef struct {
	// ID is the connection id.
	ID string
	// Kind is kv (a KV v2 secret at Mount/Path, the default) or dynamic
	// (a secrets engine path read for a lease, e.g. database/creds/ROLE;
	// the lease is renewed while dpone runs and revoked at its end).
	Kind  string
	Mount string // kv: the KV v2 mount (default VaultConfig.KVMount)
	Path  string
	// Template maps config fields to text with {{field}} placeholders
	// filled from the secret's fields ({"dsn":
	// "postgres://{{username}}:{{password}}@db/dwh"}). Without it, the
	// secret's fields are the config's fields (lower-cased), like the env
	// provider's.
	Template map[string]string `json:",omitempty"`
	Line     int               `json:"-"`
}

// SecretReader reads a connection's credentials from Vault
// (connection_type vault); package host/vault implements it. It is called
// while a manifest resolves, once per connection id.
type SecretReader interface {
	ReadSecret(cfg *VaultConfig, ref VaultRef) (map[string]any, error)
}

// VaultAuthMethods are the auth methods vault.auth.method names.
var VaultAuthMethods = []string{"token", "approle", "kubernetes"}

// vaultConfig reads the top-level vault block (nil when absent).
func (b *builder) vaultConfig() *VaultConfig {
	n := b.root.get("vault")
	if n == nil || n.kind != mapNode {
		return nil
	}
	a := n.get("auth")
	if b.opts.WithoutCredentials {
		// Commands that read no credentials do not need the login's
		// ${VAR}s either (Vault is not contacted).
		var missing []string
		b.missing = &missing
		defer func() { b.missing = nil }()
	}
	c := &VaultConfig{Address: b.interpolate(n.get("address"), "vault.address"), Namespace: n.get("namespace").str(),
		KVMount: n.get("kv_mount").str(), PathPrefix: strings.Trim(b.interpolate(n.get("path_prefix"), "vault.path_prefix"), "/"),
		Auth: VaultAuth{Method: a.get("method").str(), Mount: a.get("mount").str(),
			Token: b.interpolate(a.get("token"), "vault.auth.token"), RoleID: b.interpolate(a.get("role_id"), "vault.auth.role_id"),
			SecretID: b.interpolate(a.get("secret_id"), "vault.auth.secret_id"), Role: a.get("role").str(),
			TokenPath: a.get("token_path").str()},
		Connections: map[string]VaultRef{}}
	if c.KVMount == "" {
		c.KVMount = "secret"
	}
	if c.PathPrefix == "" {
		c.PathPrefix = "dpone"
	}
	line := func(m *node, key string) int {
		if k := m.get(key); k != nil {
			return k.line
		}
		return m.line
	}
	switch c.Auth.Method {
	case "":
		c.Auth.Method = "token"
	case "approle":
		if (c.Auth.RoleID == "" || c.Auth.SecretID == "") && (!b.opts.WithoutCredentials || a.get("role_id") == nil || a.get("secret_id") == nil) {
			b.p.add(ErrInvalid, a.line, "", "vault.auth.method approle needs role_id and secret_id (e.g. secret_id: ${VAULT_SECRET_ID})")
		}
	case "kubernetes":
		if c.Auth.Role == "" {
			b.p.add(ErrInvalid, a.line, "", "vault.auth.method kubernetes needs role (the Vault role bound to the service account)")
		}
	case "token":
	default:
		b.p.add(ErrInvalid, line(a, "method"), "", "vault.auth.method %q is not an auth method%s", c.Auth.Method, didYouMean(c.Auth.Method, VaultAuthMethods))
	}
	conns := n.get("connections")
	if conns != nil && conns.kind == mapNode {
		for _, id := range conns.keys {
			e := conns.m[id]
			r := VaultRef{ID: id, Kind: e.get("kind").str(), Mount: e.get("mount").str(), Line: e.line,
				Path: strings.Trim(b.interpolate(e.get("path"), "vault.connections."+id+".path"), "/")}
			switch r.Kind {
			case "":
				r.Kind = "kv"
			case "kv", "dynamic":
			default:
				b.p.add(ErrInvalid, line(e, "kind"), "", "vault.connections.%s.kind %q: want kv (a KV v2 secret, the default) or dynamic (a lease, e.g. database/creds/ROLE)", id, r.Kind)
			}
			if r.Path == "" {
				b.p.add(ErrInvalid, e.line, "", "vault.connections.%s needs path", id)
			}
			if t := e.get("template"); t != nil && t.kind == mapNode {
				r.Template = map[string]string{}
				for _, k := range t.keys {
					r.Template[k] = t.m[k].str()
				}
			}
			c.Connections[id] = r
		}
	}
	return c
}

// vaultRef is where connection id's credentials live: its entry in
// vault.connections, else the KV v2 secret <kv_mount>/<path_prefix>/<id>.
func (c *VaultConfig) vaultRef(id string, line int) VaultRef {
	if r, ok := c.Connections[id]; ok {
		if r.Mount == "" && r.Kind == "kv" {
			r.Mount = c.KVMount
		}
		return r
	}
	return VaultRef{ID: id, Kind: "kv", Mount: c.KVMount, Path: c.PathPrefix + "/" + id, Line: line}
}

// vaultConnection resolves connection e.ConnectionID from Vault.
func (b *builder) vaultConnection(u *Unit, where string, e *Endpoint, line int) *credResult {
	key := "vault:" + e.ConnectionID
	if b.creds == nil {
		b.creds = map[string]*credResult{}
	}
	if r, ok := b.creds[key]; ok {
		return r
	}
	r := &credResult{config: map[string]any{}, layers: map[string]string{}, ok: true}
	b.creds[key] = r
	if e.ConnectionID == "" {
		r.ok = false
		b.p.add(ErrInvalid, line, u.ID, "%s.connection_type vault needs %s.connection_id (the connection's secret in Vault)", where, where)
		return r
	}
	if b.vault == nil {
		r.ok = false
		b.p.add(ErrInvalid, line, u.ID, "%s.connection_type vault needs a top-level vault block (at least vault: {address: https://vault:8200})", where)
		return r
	}
	ref := b.vault.vaultRef(e.ConnectionID, line)
	layer := "vault:" + ref.Path
	if b.opts.WithoutCredentials || b.opts.Vault == nil {
		if !b.opts.WithoutCredentials {
			r.ok = false
			b.p.add(ErrUnsupported, line, u.ID, "%s.connection_type vault: this command cannot read Vault", where)
			return r
		}
		r.missing = fmt.Sprintf("%s.connection_id %q: credentials in Vault (%s) are not read by this command", where, e.ConnectionID, ref.Path)
		return r
	}
	fields, err := b.opts.Vault.ReadSecret(b.vault, ref)
	if err != nil {
		r.ok = false
		b.p.add(ErrMissingEnv, line, u.ID, "%s.connection_id %q: %v", where, e.ConnectionID, err)
		return r
	}
	if len(ref.Template) == 0 {
		for k, v := range fields {
			r.config[strings.ToLower(k)], r.layers[strings.ToLower(k)] = v, layer
		}
		return r
	}
	for _, k := range sortedKeys(ref.Template) {
		v, missing := fillTemplate(ref.Template[k], fields)
		if len(missing) > 0 {
			r.ok = false
			b.p.add(ErrInvalid, ref.Line, u.ID, "vault.connections.%s.template.%s names %s, which the secret at %s does not have (it has: %s)",
				e.ConnectionID, k, strings.Join(missing, ", "), ref.Path, strings.Join(sortedKeys(fields), ", "))
			continue
		}
		r.config[k], r.layers[k] = v, layer
	}
	return r
}

// fillTemplate replaces each {{name}} in t with the secret's field name;
// it returns the names the secret lacks.
func fillTemplate(t string, fields map[string]any) (string, []string) {
	var out strings.Builder
	var missing []string
	for {
		i := strings.Index(t, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(t[i:], "}}")
		if j < 0 {
			break
		}
		name := strings.TrimSpace(t[i+2 : i+j])
		out.WriteString(t[:i])
		v, ok := fields[name]
		if !ok {
			missing = append(missing, name)
		}
		fmt.Fprint(&out, v)
		t = t[i+j+2:]
	}
	out.WriteString(t)
	return out.String(), missing
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
