package run

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dpone-go/dpone/host/manifest"
)

// datasetName returns an endpoint's OpenLineage dataset namespace and
// name, following OpenLineage's naming conventions where one exists
// (postgres://host:port + database.schema.table, kafka://broker + topic,
// bigquery + project.dataset.table, ...). Credentials never appear: only
// host, port, database and paths are taken from the config.
func datasetName(e manifest.Endpoint) (namespace, name string) {
	cfg := func(k string) string {
		v, _ := e.Config[k].(string)
		return v
	}
	name = e.Table.String()
	switch e.Type {
	case "postgres":
		if c, err := pgconn.ParseConfig(cfg("dsn")); err == nil && c.Host != "" {
			namespace = fmt.Sprintf("postgres://%s:%d", c.Host, c.Port)
			if c.Database != "" {
				name = c.Database + "." + name
			}
		}
	case "clickhouse", "mssql":
		scheme := e.Type
		if u, err := url.Parse(cfg("dsn")); err == nil && u.Host != "" {
			namespace = scheme + "://" + hostPort(u)
			if db := strings.Trim(u.Path, "/"); db != "" && e.Table.Schema == "" {
				name = db + "." + name
			}
		}
	case "kafka":
		if b, _, _ := strings.Cut(cfg("brokers"), ","); b != "" {
			namespace = "kafka://" + strings.TrimSpace(b)
		}
	case "bigquery":
		namespace = "bigquery"
		if p := cfg("project"); p != "" {
			name = p + "." + name
		}
	case "duckdb":
		if p := cfg("path"); p != "" {
			if abs, err := filepath.Abs(p); err == nil {
				p = abs
			}
			namespace = "duckdb://" + p
		}
	case "file":
		if r := cfg("root"); r != "" {
			if abs, err := filepath.Abs(r); err == nil {
				r = abs
			}
			namespace = "file://" + r
		}
	case "rest":
		if u, err := url.Parse(cfg("base_url")); err == nil && u.Host != "" {
			namespace = u.Scheme + "://" + u.Host
		}
	}
	if namespace == "" {
		namespace = e.Type
	}
	return namespace, name
}

// hostPort is u's host:port without userinfo.
func hostPort(u *url.URL) string {
	if u.Port() == "" {
		return u.Hostname()
	}
	return u.Hostname() + ":" + u.Port()
}
