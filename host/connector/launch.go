package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
)

// LaunchOptions configure how a plugin process is started.
type LaunchOptions struct {
	// Logger receives go-plugin's messages and the plugin's own log lines,
	// named with the plugin's name. Its level is passed to the plugin
	// (DPONE_PLUGIN_LOG_LEVEL) unless that variable is set. Nil discards.
	Logger hclog.Logger
	// SHA256 pins the binary's checksum (hex); empty means no check.
	SHA256 string
	// Stderr, when set, receives a raw copy of the plugin's stderr (JSON
	// log lines, panics) in addition to Logger, and whatever the plugin
	// writes to os.Stderr after the handshake. For a terminal, set Logger
	// only: pointing both at it prints every plugin line twice.
	Stderr io.Writer
	// StartTimeout bounds the handshake; 0 means one minute.
	StartTimeout time.Duration
	// CallTimeout bounds each control-plane call (GetSpec, Check,
	// Discover, DescribeTarget, DescribeStream, ApplySchema, Partition,
	// BeginLoad, CommitLoad, AbortLoad, LoadStatus) whose ctx has no
	// earlier deadline; 0 means DefaultCallTimeout, negative means none.
	// Read and Write streams are bounded by their ctx only.
	CallTimeout time.Duration
	// CommitTimeout is a hard bound on CommitLoad and ApplySchema, which
	// otherwise run as long as the plugin answers a liveness probe
	// (GetSpec) within CallTimeout; 0 means no hard bound.
	CommitTimeout time.Duration
	// OnStart, when set, is called once the plugin completed its
	// handshake, with the binary's path and sha256 (hex): the audit line
	// of what the host runs and hands credentials to.
	OnStart func(name, path, sha256 string)
}

// Launch starts the plugin binary at path, performs the go-plugin
// handshake, negotiates the protocol major and returns a Client for it.
// ctx bounds the start only; the process lives until Client.Close.
//
// Errors: ErrChecksum when the binary does not match opts.SHA256,
// ErrProtocolMismatch when the plugin speaks no protocol this host speaks,
// an *ExitError (ErrPluginExited) when it exits before the handshake.
func Launch(ctx context.Context, name, path string, opts LaunchOptions) (*Client, error) {
	return launch(ctx, name, path, opts, nil)
}

// launch is Launch, verifying the binary against lock too when set.
func launch(ctx context.Context, name, path string, opts LaunchOptions, lock *LockFile) (*Client, error) {
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("verify connector %s: %w", name, err)
	}
	if opts.SHA256 != "" {
		if err := verifyChecksum(name, path, sum, opts.SHA256); err != nil {
			return nil, err
		}
	}
	if lock != nil {
		if err := lock.verify(name, path, sum); err != nil {
			return nil, err
		}
	}
	removeDeadSocketDirs(os.TempDir())
	logger := opts.Logger
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	var (
		procMu sync.Mutex
		proc   *process
	)
	cfg := &plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  handshake.ProtocolVersion,
			MagicCookieKey:   handshake.MagicCookieKey,
			MagicCookieValue: handshake.MagicCookieValue,
		},
		VersionedPlugins: map[int]plugin.PluginSet{
			handshake.ProtocolVersion: {handshake.PluginName: &hostPlugin{}},
		},
		// The runner owns the exec.Cmd (exit status, handshake line). A
		// checksum pin is verified above: go-plugin's SecureConfig cannot be
		// combined with RunnerFunc (it hashes the placeholder command).
		RunnerFunc: func(_ hclog.Logger, proto *exec.Cmd, socketDir string) (runner.Runner, error) {
			markSocketDir(socketDir) // a kill -9 of the host leaves it: the next launch removes it
			p, err := newProcess(name, path, proto, pluginLogLevel(opts.Logger))
			if err != nil {
				return nil, err
			}
			procMu.Lock()
			proc = p
			procMu.Unlock()
			return p, nil
		},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		Stderr:           opts.Stderr,
		SyncStderr:       opts.Stderr,
		StartTimeout:     opts.StartTimeout,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(handshake.MaxMessageBytes),
			grpc.MaxCallSendMsgSize(handshake.MaxMessageBytes),
		), grpc.WithConnectParams(grpc.ConnectParams{
			// A plugin that accepts on its socket but never speaks HTTP/2
			// is given up after the call timeout, not gRPC's default 20 s.
			MinConnectTimeout: connectTimeout(opts),
			Backoff:           backoff.DefaultConfig,
		}), grpc.WithReadBufferSize(handshake.TransportBufferBytes), grpc.WithWriteBufferSize(handshake.TransportBufferBytes)},
	}
	if dl, ok := ctx.Deadline(); ok && (cfg.StartTimeout == 0 || time.Until(dl) < cfg.StartTimeout) {
		cfg.StartTimeout = max(time.Until(dl), time.Millisecond)
	}
	pc := plugin.NewClient(cfg)

	type started struct {
		rpc plugin.ClientProtocol
		err error
	}
	ch := make(chan started, 1)
	go func() {
		rpc, err := pc.Client()
		ch <- started{rpc, err}
	}()
	var st started
	select {
	case st = <-ch:
	case <-ctx.Done():
		// go-plugin holds its lock for the whole start: kill the process
		// itself so the handshake fails now, then clean up.
		procMu.Lock()
		if proc != nil {
			_ = proc.Kill(context.Background())
		}
		procMu.Unlock()
		<-ch
		pc.Kill()
		return nil, fmt.Errorf("start connector %s: %w", name, ctx.Err())
	}
	if st.err != nil {
		pc.Kill()
		return nil, startError(name, path, proc, st.err)
	}
	raw, err := st.rpc.Dispense(handshake.PluginName)
	if err != nil {
		pc.Kill()
		return nil, fmt.Errorf("start connector %s: %w", name, err)
	}
	cc, ok := raw.(connectorv1.ConnectorClient)
	if !ok {
		pc.Kill()
		return nil, fmt.Errorf("start connector %s: dispensed %T, not a connector client", name, raw)
	}
	if opts.OnStart != nil {
		opts.OnStart(name, path, sum)
	}
	return &Client{name: name, path: path, sha256: sum, pc: pc, proc: proc, rpc: cc,
		callTimeout: callTimeout(opts), commitTimeout: max(opts.CommitTimeout, 0)}, nil
}

// callTimeout is opts.CallTimeout with its default; negative means none.
func callTimeout(opts LaunchOptions) time.Duration {
	if opts.CallTimeout == 0 {
		return DefaultCallTimeout
	}
	return opts.CallTimeout
}

// startError explains why the handshake failed: a protocol the host does
// not speak, a process that exited, or whatever go-plugin reported.
func startError(name, path string, proc *process, err error) error {
	if proc == nil {
		return fmt.Errorf("start connector %s (%s): %w", name, path, err)
	}
	if v, ok := proc.stdout.appVersion(); ok {
		if n, perr := strconv.Atoi(v); perr == nil && !supported(n) {
			return protocolMismatch(name, n)
		}
	} else if line := proc.stdout.text(); line != "" {
		// go-plugin killed it for printing something else than a
		// handshake: that is the news, not the kill.
		return fmt.Errorf("%w: %s printed %q on stdout instead of the go-plugin handshake "+
			"(CORE|APP|NETWORK|ADDR|PROTOCOL): install a dpone connector there or remove the file",
			ErrNotAPlugin, path, line)
	}
	select {
	case <-proc.done:
		return proc.exitError("start")
	case <-time.After(exitGrace):
	}
	return fmt.Errorf("start connector %s (%s): %w", name, path, err)
}

func supported(v int) bool {
	for _, s := range handshake.SupportedProtocolVersions() {
		if s == v {
			return true
		}
	}
	return false
}

func protocolMismatch(name string, v int) error {
	ours := handshake.ProtocolVersion
	hint := fmt.Sprintf("install a connector built for v%d or upgrade dpone", ours)
	if v < ours {
		hint = fmt.Sprintf("install a connector built for v%d (upgrade the connector)", ours)
	}
	return fmt.Errorf("%w: connector %s speaks protocol v%d; this dpone speaks v%s: %s",
		ErrProtocolMismatch, name, v, versionList(), hint)
}

func versionList() string {
	var vs []string
	for _, v := range handshake.SupportedProtocolVersions() {
		vs = append(vs, strconv.Itoa(v))
	}
	return strings.Join(vs, ", v")
}

// verifyChecksum compares got, the sha256 of the binary at path, with want
// (hex, optionally prefixed "sha256:").
func verifyChecksum(name, path, got, want string) error {
	want = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(want), "sha256:"))
	if got != want {
		return fmt.Errorf("%w: connector %s (%s) has sha256 %s, pinned %s: reinstall the connector or update the pin",
			ErrChecksum, name, path, got, want)
	}
	return nil
}

// fileSHA256 returns the hex sha256 of the file at path.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hostPlugin is the host half of the go-plugin plugin: it only dispenses
// the generated gRPC client.
type hostPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (hostPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("the dpone host does not serve connectors")
}

func (hostPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return connectorv1.NewConnectorClient(conn), nil
}

// connectTimeout bounds the gRPC connection handshake: the call timeout,
// or gRPC's default 20 s when calls are unbounded.
func connectTimeout(opts LaunchOptions) time.Duration {
	if t := callTimeout(opts); t > 0 {
		return t
	}
	return 20 * time.Second
}
