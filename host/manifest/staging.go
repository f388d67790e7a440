package manifest

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// StagingTypes are the object-storage staging types sink.staging.type
// names.
var StagingTypes = []string{"local", "s3", "gcs"}

// Staging is a sink's object-storage staging area (sink.staging): where a
// sink that loads from files writes a load's Parquet parts, under
// <prefix>/<load_id>/, with a checksum manifest.
type Staging struct {
	Type   string // local, s3 or gcs
	Bucket string // s3 and gcs
	// Prefix is the key prefix in the bucket; for local, the directory
	// (made absolute against the manifest's directory).
	Prefix string
	Keep   bool // keep the files after the commit
	// Endpoint is an S3 API or GCS endpoint other than the cloud's
	// (http(s)://host:port); Region the S3 region.
	Endpoint string `json:",omitempty"`
	Region   string `json:",omitempty"`
	// ConnectionID names the credentials (access_key_id,
	// secret_access_key, session_token for s3; credentials_json for gcs),
	// resolved like a sink's: DPONE_CONN_<ID>_<FIELD>, connections.<id>,
	// or Vault with connection_type vault. "" uses the environment's
	// default credentials (AWS_*, Application Default Credentials).
	ConnectionID   string `json:",omitempty"`
	ConnectionType string `json:",omitempty"`
	// Credentials are the resolved fields. Never log them.
	Credentials Secrets `json:"-"`
	// Line is sink.staging's line in the manifest.
	Line int `json:"-"`
}

// stagingFields are the credential fields each staging type reads.
var stagingFields = map[string][]string{
	"s3":  {"access_key_id", "secret_access_key", "session_token"},
	"gcs": {"credentials_json"},
}

// staging reads and checks sink.staging of u (after its credentials).
func (b *builder) staging(u *Unit) {
	if n := u.doc.get("source").get("staging"); n != nil {
		b.p.add(ErrInvalid, n.line, u.ID, "source.staging is not used: the staging area belongs to sink.staging")
	}
	n := u.doc.get("sink").get("staging")
	if n == nil || n.kind != mapNode {
		return
	}
	s := &Staging{Type: n.get("type").str(), Bucket: b.interpolate(n.get("bucket"), "sink.staging.bucket"),
		Prefix: b.interpolate(n.get("prefix"), "sink.staging.prefix"), Endpoint: b.interpolate(n.get("endpoint"), "sink.staging.endpoint"),
		Region: n.get("region").str(), ConnectionID: n.get("connection_id").str(),
		ConnectionType: n.get("connection_type").str(), Line: n.line}
	line := func(key string) int {
		if c := n.get(key); c != nil {
			return c.line
		}
		return n.line
	}
	errs := len(b.p.errs)
	switch {
	case s.Type == "":
		b.p.add(ErrInvalid, n.line, u.ID, "sink.staging.type is required: local, s3 or gcs")
	case !slices.Contains(StagingTypes, s.Type):
		b.p.add(ErrInvalid, line("type"), u.ID, "sink.staging.type %q is not a staging type%s", s.Type, didYouMean(s.Type, StagingTypes))
	case s.Type == "local":
		if s.Prefix == "" {
			b.p.add(ErrInvalid, n.line, u.ID, "sink.staging type local needs prefix: the directory the load files go to")
		}
		if s.Bucket != "" || s.Endpoint != "" || s.ConnectionID != "" {
			b.p.add(ErrInvalid, n.line, u.ID, "sink.staging type local takes only prefix (a directory) and keep")
		}
		s.Prefix = b.manifestPath(s.Prefix)
	default:
		if s.Bucket == "" {
			b.p.add(ErrInvalid, n.line, u.ID, "sink.staging type %s needs bucket", s.Type)
		}
		if strings.Contains(s.Bucket, "/") {
			b.p.add(ErrInvalid, line("bucket"), u.ID, "sink.staging.bucket %q: a bucket name, without %s:// or a path (the path goes in prefix)", s.Bucket, map[string]string{"s3": "s3", "gcs": "gs"}[s.Type])
		}
		s.Prefix = strings.Trim(s.Prefix, "/")
	}
	if slices.Contains(strings.Split(s.Prefix, "/"), "..") && s.Type != "local" {
		b.p.add(ErrInvalid, line("prefix"), u.ID, "sink.staging.prefix %q: no .. segments", s.Prefix)
	}
	if k := n.get("keep"); k != nil {
		v, ok := k.val.(bool)
		if !ok {
			b.p.add(ErrInvalid, k.line, u.ID, "sink.staging.keep must be true or false, got %v", k.val)
		}
		s.Keep = v
	}
	if s.Endpoint != "" {
		if e, err := url.Parse(s.Endpoint); err != nil || e.Host == "" || (e.Scheme != "http" && e.Scheme != "https") {
			b.p.add(ErrInvalid, line("endpoint"), u.ID, "sink.staging.endpoint %q: want http(s)://host[:port]", s.Endpoint)
		}
	}
	if len(b.p.errs) == errs {
		b.stagingCredentials(u, s, n)
	}
	u.Sink.Staging = s
}

// stagingCredentials resolves s.ConnectionID into s.Credentials and
// refuses fields the staging type does not read (a misspelt secret key
// would silently fall back to the default credentials).
func (b *builder) stagingCredentials(u *Unit, s *Staging, n *node) {
	line := n.line
	if c := n.get("connection_id"); c != nil {
		line = c.line
	}
	switch s.ConnectionType {
	case "", "env":
	case "vault":
	default:
		b.p.add(ErrInvalid, n.get("connection_type").line, u.ID, "sink.staging.connection_type %q: want env (the default) or vault", s.ConnectionType)
		return
	}
	if s.ConnectionID == "" {
		if s.ConnectionType == "vault" {
			b.p.add(ErrInvalid, n.get("connection_type").line, u.ID, "sink.staging.connection_type vault needs sink.staging.connection_id")
		}
		return
	}
	e := &Endpoint{Type: "staging", ConnectionID: s.ConnectionID, ConnectionType: s.ConnectionType}
	r := b.connection(u, "sink.staging", e, line)
	if !r.ok {
		return
	}
	s.Credentials = Secrets{}
	want := stagingFields[s.Type]
	keys := make([]string, 0, len(r.config))
	for k := range r.config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(want, k) {
			b.p.add(ErrInvalid, line, u.ID, "sink.staging connection %q has field %q, which staging type %s does not read%s",
				s.ConnectionID, k, s.Type, didYouMean(k, want))
			continue
		}
		s.Credentials[k] = fmt.Sprint(r.config[k])
	}
	if r.missing != "" && u.Sink.CredentialsMissing == "" {
		u.Sink.CredentialsMissing = r.missing
	}
}
