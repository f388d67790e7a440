package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/vault/api"

	"github.com/dpone-go/dpone/host/manifest"
)

// DefaultKubernetesTokenPath is the service account token a pod sees.
const DefaultKubernetesTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"

// login authenticates c with a: a token (auth.token, else what the client
// read from VAULT_TOKEN or ~/.vault-token), AppRole or Kubernetes. A
// renewable login token is renewed until Close (called with p.mu held).
func (p *Provider) login(ctx context.Context, c *api.Client, a manifest.VaultAuth) error {
	var (
		path string
		body map[string]any
	)
	switch a.Method {
	case "", "token":
		if a.Token != "" {
			c.SetToken(a.Token)
		}
		if c.Token() == "" { // the vault CLI's token helper file
			if home, err := os.UserHomeDir(); err == nil {
				if b, err := os.ReadFile(filepath.Join(home, ".vault-token")); err == nil {
					c.SetToken(strings.TrimSpace(string(b)))
				}
			}
		}
		if c.Token() == "" {
			return fmt.Errorf("vault: no token: set VAULT_TOKEN, vault.auth.token (e.g. ${VAULT_TOKEN}), or use auth method approle or kubernetes")
		}
		return nil
	case "approle":
		path, body = "auth/"+mount(a.Mount, "approle")+"/login", map[string]any{"role_id": a.RoleID, "secret_id": a.SecretID}
	case "kubernetes":
		tp := a.TokenPath
		if tp == "" {
			tp = DefaultKubernetesTokenPath
		}
		jwt, err := os.ReadFile(tp)
		if err != nil {
			return fmt.Errorf("vault kubernetes login: read the service account token (vault.auth.token_path): %w", err)
		}
		path, body = "auth/"+mount(a.Mount, "kubernetes")+"/login", map[string]any{"role": a.Role, "jwt": strings.TrimSpace(string(jwt))}
	default:
		return fmt.Errorf("vault: auth method %q: want token, approle or kubernetes", a.Method)
	}
	c.ClearToken()
	s, err := c.Logical().WriteWithContext(ctx, path, body)
	if err != nil {
		return fmt.Errorf("vault %s login at %s: %w", a.Method, path, clean(err))
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return fmt.Errorf("vault %s login at %s returned no token", a.Method, path)
	}
	c.SetToken(s.Auth.ClientToken)
	if s.Auth.Renewable {
		w, err := c.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: s})
		if err != nil {
			p.logf("vault: cannot renew the %s login token: %v", a.Method, clean(err))
			return nil
		}
		p.watchers = append(p.watchers, w)
		go w.Start()
		go func() {
			for {
				select {
				case err := <-w.DoneCh():
					if err != nil {
						p.logf("vault: the %s login token is no longer renewed: %v", a.Method, clean(err))
					}
					return
				case <-w.RenewCh():
				}
			}
		}()
	}
	return nil
}

func mount(m, def string) string {
	if m = strings.Trim(m, "/"); m != "" {
		return m
	}
	return def
}
