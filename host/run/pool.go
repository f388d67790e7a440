package run

import (
	"context"
	"fmt"
	"sync"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/plan"
)

// Launcher starts a connector plugin by name. *connector.Registry is one.
type Launcher interface {
	Launch(ctx context.Context, name string, opts connector.LaunchOptions) (*connector.Client, error)
}

// Pool starts each connector plugin once and shares the process between
// units: a plugin is safe for concurrent calls, and some sinks (DuckDB)
// must be the only process writing their file.
type Pool struct {
	launcher Launcher
	opts     connector.LaunchOptions

	mu      sync.Mutex
	clients map[string]*poolEntry
}

type poolEntry struct {
	client *connector.Client
	spec   *catalog.Spec
}

// NewPool returns a pool launching plugins through l with opts.
func NewPool(l Launcher, opts connector.LaunchOptions) *Pool {
	return &Pool{launcher: l, opts: opts, clients: map[string]*poolEntry{}}
}

// Get returns the running client of connector name, starting it on first
// use, with its spec. A plugin that exited is started again; a failed start
// is not remembered, so a later Get tries again.
func (p *Pool) Get(ctx context.Context, name string) (*connector.Client, *catalog.Spec, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.clients[name]; ok {
		if exited, _ := e.client.Exited(); !exited {
			return e.client, e.spec, nil
		}
		_ = e.client.Close()
		delete(p.clients, name)
	}
	c, err := p.launcher.Launch(ctx, name, p.opts)
	if err != nil {
		return nil, nil, fmt.Errorf("start connector %s: %w", name, err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		_ = c.Close()
		return nil, nil, fmt.Errorf("connector %s spec: %w", name, err)
	}
	p.clients[name] = &poolEntry{client: c, spec: spec}
	return c, spec, nil
}

// Catalog returns connector name's catalog calls (plan.Connectors).
func (p *Pool) Catalog(ctx context.Context, name string) (plan.Catalog, *catalog.Spec, error) {
	c, spec, err := p.Get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return c, spec, nil
}

// Source returns connector name as a source.
func (p *Pool) Source(ctx context.Context, name string) (Source, *catalog.Spec, error) {
	c, spec, err := p.Get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return client{c}, spec, nil
}

// Sink returns connector name as a sink.
func (p *Pool) Sink(ctx context.Context, name string) (Sink, *catalog.Spec, error) {
	c, spec, err := p.Get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return client{c}, spec, nil
}

// Close stops every plugin the pool started.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.clients {
		_ = e.client.Close()
	}
	p.clients = map[string]*poolEntry{}
}
