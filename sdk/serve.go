package sdk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
)

// Serve runs the connector made by factory as a dpone plugin: it performs
// the go-plugin handshake with the host on stdout, serves the protocol over
// gRPC and logs to stderr with hclog (the host shows those lines prefixed
// with the plugin name). It returns when the host is done with the plugin.
//
// A plugin's main is one line:
//
//	func main() { sdk.Serve(myconnector.New) }
func Serve(factory Factory) {
	c := factory()
	spec := c.Spec()
	if os.Getenv(handshake.MagicCookieKey) != handshake.MagicCookieValue {
		fmt.Fprintf(os.Stderr, "%s %s is a dpone connector plugin; dpone starts it (try: dpone connectors info %s)\n",
			spec.Name, spec.Version, spec.Name)
		os.Exit(1)
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:       spec.Name,
		Level:      hclog.LevelFromString(envOr("DPONE_PLUGIN_LOG_LEVEL", "info")),
		Output:     os.Stderr,
		JSONFormat: true,
	})
	defer startCPUProfile(logger)()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  HandshakeConfig(),
		VersionedPlugins: map[int]plugin.PluginSet{handshake.ProtocolVersion: PluginSet(c, logger)},
		GRPCServer:       NewGRPCServer,
		Logger:           logger,
	})
	if cl, ok := c.(io.Closer); ok {
		if err := cl.Close(); err != nil {
			logger.Warn("close connector at shutdown", "error", err)
		}
	}
}

// startCPUProfile writes a CPU profile of the plugin process to
// $DPONE_PLUGIN_PPROF/<name>-<pid>.pprof when that variable names a
// directory (a benchmarking aid; off by default). The returned func stops
// it.
func startCPUProfile(logger hclog.Logger) func() {
	dir := os.Getenv("DPONE_PLUGIN_PPROF")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", filepath.Base(os.Args[0]), os.Getpid())))
	if err != nil {
		logger.Warn("cpu profile", "error", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		logger.Warn("cpu profile", "error", err)
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// HandshakeConfig is go-plugin's handshake for dpone connectors.
func HandshakeConfig() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  handshake.ProtocolVersion,
		MagicCookieKey:   handshake.MagicCookieKey,
		MagicCookieValue: handshake.MagicCookieValue,
	}
}

// NewGRPCServer makes the plugin's gRPC server with the raised message
// limits of the protocol.
func NewGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	opts = append(opts, grpc.MaxRecvMsgSize(handshake.MaxMessageBytes), grpc.MaxSendMsgSize(handshake.MaxMessageBytes),
		grpc.ReadBufferSize(handshake.TransportBufferBytes), grpc.WriteBufferSize(handshake.TransportBufferBytes))
	return grpc.NewServer(opts...)
}

// PluginSet is the go-plugin plugin set serving c. Serve uses it; tests use
// it with plugin.TestPluginGRPCConn to run the real gRPC adapter in-process.
// The client side of the set returns a connectorv1.ConnectorClient.
func PluginSet(c Connector, logger hclog.Logger) plugin.PluginSet {
	return plugin.PluginSet{handshake.PluginName: &grpcPlugin{srv: newServer(c, logger)}}
}

type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	srv *server
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	connectorv1.RegisterConnectorServer(s, p.srv)
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return connectorv1.NewConnectorClient(conn), nil
}
