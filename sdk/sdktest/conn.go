package sdktest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
	"github.com/dpone-go/dpone/sdk"
)

// proc is one running connector: a plugin process, or an in-process
// server. crash ends it without any goodbye.
type proc struct {
	connectorv1.ConnectorClient
	pid int // 0 in process
	// reads tracks the server's Read handlers (in process only; nil out
	// of process), so the cancel check sees when Read returned.
	reads *readTracker
	// cancelled receives how long Read took to return after a
	// cancellation, as the plugin's SDK logs it (out of process only).
	cancelled <-chan time.Duration
	close     func()
	crash     func()
}

// launcher starts connector processes.
type launcher interface {
	start(ctx context.Context) (*proc, error)
	// mode is "in-process" or "out-of-process".
	mode() string
}

// inProcess serves a Factory's connector through the SDK's gRPC adapter
// on an in-memory listener.
type inProcess struct{ factory sdk.Factory }

func (l inProcess) mode() string { return "in-process" }

func (l inProcess) start(ctx context.Context) (*proc, error) {
	c := l.factory()
	gp, ok := sdk.PluginSet(c, nil)[handshake.PluginName].(plugin.GRPCPlugin)
	if !ok {
		return nil, fmt.Errorf("sdk.PluginSet has no gRPC plugin %q", handshake.PluginName)
	}
	reads := &readTracker{}
	srv := sdk.NewGRPCServer([]grpc.ServerOption{grpc.ChainStreamInterceptor(reads.intercept)})
	if err := gp.GRPCServer(nil, srv); err != nil {
		return nil, fmt.Errorf("register connector server: %w", err)
	}
	ln := bufconn.Listen(4 << 20)
	go func() { _ = srv.Serve(ln) }()
	cc, err := grpc.NewClient("passthrough:///connector",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return ln.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(handshake.MaxMessageBytes), grpc.MaxCallSendMsgSize(handshake.MaxMessageBytes)))
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("dial in-process connector: %w", err)
	}
	raw, err := gp.GRPCClient(ctx, nil, cc)
	if err != nil {
		srv.Stop()
		return nil, err
	}
	closer := func() {
		_ = cc.Close()
		srv.Stop()
		if cl, ok := c.(io.Closer); ok {
			_ = cl.Close()
		}
	}
	return &proc{ConnectorClient: raw.(connectorv1.ConnectorClient), reads: reads, close: closer, crash: closer}, nil
}

// outOfProcess starts a plugin binary with go-plugin's client and the
// dpone handshake, like the host does.
type outOfProcess struct {
	path   string
	env    map[string]string
	stderr io.Writer
}

func (l outOfProcess) mode() string { return "out-of-process" }

// clientPlugin is the host side of the connector plugin.
type clientPlugin struct{ plugin.NetRPCUnsupportedPlugin }

func (clientPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return fmt.Errorf("sdktest serves no plugin")
}

func (clientPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return connectorv1.NewConnectorClient(cc), nil
}

func (l outOfProcess) start(ctx context.Context) (*proc, error) {
	cmd := exec.Command(l.path)
	cmd.SysProcAttr = childAttr()
	cmd.Env = os.Environ()
	if os.Getenv("DPONE_PLUGIN_LOG_LEVEL") == "" {
		// info: the SDK reports at INFO when a cancelled Read returned.
		cmd.Env = append(cmd.Env, "DPONE_PLUGIN_LOG_LEVEL=info")
	}
	for k, v := range l.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr := l.stderr
	if stderr == nil {
		stderr = io.Discard
	}
	cancelled := make(chan time.Duration, 16)
	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{Level: hclog.Info, Output: io.Discard})
	logger.RegisterSink(cancelSink{cancelled})
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  sdk.HandshakeConfig(),
		VersionedPlugins: map[int]plugin.PluginSet{handshake.ProtocolVersion: {handshake.PluginName: clientPlugin{}}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		SyncStderr:       stderr,
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(handshake.MaxMessageBytes), grpc.MaxCallSendMsgSize(handshake.MaxMessageBytes))},
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("start plugin %s: %w", l.path, err)
	}
	raw, err := rpc.Dispense(handshake.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("dispense connector from %s: %w", l.path, err)
	}
	cc, ok := raw.(connectorv1.ConnectorClient)
	if !ok {
		client.Kill()
		return nil, fmt.Errorf("plugin %s: dispensed %T, want a connector client", l.path, raw)
	}
	pid := 0
	if rc := client.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	crash := func() {
		if pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		client.Kill()
	}
	return &proc{ConnectorClient: cc, pid: pid, cancelled: cancelled, close: client.Kill, crash: crash}, nil
}

// peakRSSMB reads VmHWM (peak resident set) of pid from /proc, in MiB.
func peakRSSMB(pid int) (float64, bool) {
	if pid <= 0 {
		pid = os.Getpid()
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseFloat(f[0], 64)
			if err != nil {
				return 0, false
			}
			return kb / 1024, true
		}
	}
	return 0, false
}

// fileSHA256 is the hex SHA-256 of a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
