package run

import (
	"context"
	"fmt"
	"sync"

	"github.com/dpone-go/dpone/host/connector"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
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
	once   sync.Once
	client *connector.Client
	spec   *connectorv1.GetSpecResponse
	err    error
}

// NewPool returns a pool launching plugins through l with opts.
func NewPool(l Launcher, opts connector.LaunchOptions) *Pool {
	return &Pool{launcher: l, opts: opts, clients: map[string]*poolEntry{}}
}

// Get returns the running client of connector name, starting it on first
// use, with its spec.
func (p *Pool) Get(ctx context.Context, name string) (*connector.Client, *connectorv1.GetSpecResponse, error) {
	p.mu.Lock()
	e, ok := p.clients[name]
	if !ok {
		e = &poolEntry{}
		p.clients[name] = e
	}
	p.mu.Unlock()
	e.once.Do(func() {
		c, err := p.launcher.Launch(ctx, name, p.opts)
		if err != nil {
			e.err = fmt.Errorf("start connector %s: %w", name, err)
			return
		}
		spec, err := c.Spec(ctx)
		if err != nil {
			_ = c.Close()
			e.err = fmt.Errorf("connector %s spec: %w", name, err)
			return
		}
		e.client, e.spec = c, spec
	})
	if e.err == nil {
		if exited, status := e.client.Exited(); exited {
			return nil, nil, fmt.Errorf("connector %s exited (%s): %w", name, status, connector.ErrPluginExited)
		}
	}
	return e.client, e.spec, e.err
}

// Close stops every plugin the pool started.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.clients {
		if e.client != nil {
			_ = e.client.Close()
		}
	}
	p.clients = map[string]*poolEntry{}
}
