package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/dpone-go/dpone/host/export"
	"github.com/dpone-go/dpone/host/manifest"
)

// applyStateURL points m's state at url (the --state-url flag, else
// $DPONE_STATE_URL): how tasks of an orchestrator share one state backend
// without editing the manifest. postgres:// and postgresql:// URLs select
// the PostgreSQL backend; sqlite:PATH or a plain path a SQLite file.
func applyStateURL(m *manifest.Manifest, flag string) error {
	url, from := flag, "--state-url"
	if url == "" {
		url, from = os.Getenv(export.StateURLEnv), "$"+export.StateURLEnv
	}
	if url == "" {
		return nil
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		m.State = manifest.StateConfig{Backend: "postgres", DSN: url}
	case strings.HasPrefix(url, "sqlite:"), !strings.Contains(url, "://"):
		path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
		if path == "" {
			return usagef("%s: sqlite: needs a file path (sqlite:/var/lib/dpone/state.db)", from)
		}
		m.State = manifest.StateConfig{Backend: "sqlite", Path: path}
	default:
		return usagef("%s: %s is not a state URL: want postgres://… or sqlite:PATH", from, redactURL(url))
	}
	return nil
}

// redactURL drops a URL's userinfo for messages.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "***@" + rest[at+1:]
	}
	return fmt.Sprintf("%s://%s", scheme, rest)
}
