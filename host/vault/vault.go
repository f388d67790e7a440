package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/dpone-go/dpone/host/manifest"
)

// Timeout bounds each Vault request.
const Timeout = 30 * time.Second

// Provider is a manifest.SecretReader over Vault. It logs in on first use
// (one client per distinct vault block) and keeps the leases it took until
// Close. Safe for concurrent use.
type Provider struct {
	logf func(format string, args ...any)

	mu       sync.Mutex
	clients  map[string]*api.Client // by address, namespace and auth
	watchers []*api.LifetimeWatcher
	leases   []lease
	closed   bool
}

type lease struct {
	client *api.Client
	id     string
	path   string
}

var _ manifest.SecretReader = (*Provider)(nil)

// New returns a Provider; logf (nil: silent) gets the renewal problems
// (never a secret).
func New(logf func(format string, args ...any)) *Provider {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Provider{logf: logf, clients: map[string]*api.Client{}}
}

// ReadSecret returns the fields of ref: a KV v2 secret's data, or a
// dynamic secret's data with its lease renewed until Close.
func (p *Provider) ReadSecret(cfg *manifest.VaultConfig, ref manifest.VaultRef) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	c, err := p.client(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if ref.Kind == "dynamic" {
		return p.dynamic(ctx, c, ref)
	}
	s, err := c.KVv2(ref.Mount).Get(ctx, ref.Path)
	if errors.Is(err, api.ErrSecretNotFound) {
		return nil, fmt.Errorf("vault has no KV v2 secret %s/%s: write it (vault kv put %s/%s FIELD=...) or set vault.connections.%s.path",
			ref.Mount, ref.Path, ref.Mount, ref.Path, ref.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("read vault KV v2 secret %s/%s: %w", ref.Mount, ref.Path, clean(err))
	}
	if len(s.Data) == 0 {
		return nil, fmt.Errorf("vault KV v2 secret %s/%s has no fields", ref.Mount, ref.Path)
	}
	return s.Data, nil
}

// dynamic reads a secrets engine path for a lease and renews it.
func (p *Provider) dynamic(ctx context.Context, c *api.Client, ref manifest.VaultRef) (map[string]any, error) {
	s, err := c.Logical().ReadWithContext(ctx, ref.Path)
	if err != nil {
		return nil, fmt.Errorf("read vault %s: %w", ref.Path, clean(err))
	}
	if s == nil || len(s.Data) == 0 {
		return nil, fmt.Errorf("vault %s returned no secret: check the role exists (vault read %s)", ref.Path, ref.Path)
	}
	if s.LeaseID != "" {
		p.mu.Lock()
		p.leases = append(p.leases, lease{client: c, id: s.LeaseID, path: ref.Path})
		p.mu.Unlock()
		if s.Renewable {
			p.watch(c, s, "lease of "+ref.Path)
		}
	}
	return s.Data, nil
}

// watch renews s (a lease or a login token) until Close.
func (p *Provider) watch(c *api.Client, s *api.Secret, what string) {
	w, err := c.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: s})
	if err != nil {
		p.logf("vault: cannot renew the %s: %v", what, clean(err))
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.watchers = append(p.watchers, w)
	p.mu.Unlock()
	go w.Start()
	go func() {
		for {
			select {
			case err := <-w.DoneCh():
				if err != nil {
					p.logf("vault: the %s is no longer renewed: %v", what, clean(err))
				}
				return
			case <-w.RenewCh():
			}
		}
	}()
}

// Close stops every renewal and revokes the dynamic leases taken (a
// database user made for this run is dropped).
func (p *Provider) Close() error {
	p.mu.Lock()
	p.closed = true
	watchers, leases := p.watchers, p.leases
	p.watchers, p.leases = nil, nil
	p.mu.Unlock()
	for _, w := range watchers {
		w.Stop()
	}
	var errs []error
	for _, l := range leases {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		if err := l.client.Sys().RevokeWithContext(ctx, l.id); err != nil {
			errs = append(errs, fmt.Errorf("revoke the vault lease of %s: %w", l.path, clean(err)))
		}
		cancel()
	}
	return errors.Join(errs...)
}

// client returns the logged-in client of cfg.
func (p *Provider) client(ctx context.Context, cfg *manifest.VaultConfig) (*api.Client, error) {
	key := strings.Join([]string{cfg.Address, cfg.Namespace, cfg.Auth.Method, cfg.Auth.Mount, cfg.Auth.RoleID, cfg.Auth.Role}, "\x00")
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	conf := api.DefaultConfig() // VAULT_ADDR, VAULT_CACERT, ... from the environment
	if conf.Error != nil {
		return nil, fmt.Errorf("vault client config: %w", conf.Error)
	}
	if cfg.Address != "" {
		conf.Address = cfg.Address
	}
	if os.Getenv("VAULT_ADDR") == "" && cfg.Address == "" {
		return nil, fmt.Errorf("vault: no address: set vault.address in the manifest or VAULT_ADDR")
	}
	conf.Timeout = Timeout
	c, err := api.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	if cfg.Namespace != "" {
		c.SetNamespace(cfg.Namespace)
	}
	if err := p.login(ctx, c, cfg.Auth); err != nil {
		return nil, err
	}
	p.clients[key] = c
	return c, nil
}

// clean drops the request URL's query (never a secret in Vault's API,
// but kept short) and leaves Vault's own error text.
func clean(err error) error {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("%s %s: status %d: %s", re.HTTPMethod, re.URL, re.StatusCode, strings.Join(re.Errors, "; "))
	}
	return err
}
