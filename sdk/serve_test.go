package sdk

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/dpone-go/dpone/proto/handshake"
)

// closingConnector writes its marker file when closed.
type closingConnector struct{ marker string }

func (c closingConnector) Spec() Spec { return Spec{Name: "closer", Version: "0.0.1"} }
func (c closingConnector) Close() error {
	return os.WriteFile(c.marker, []byte("closed\n"), 0o644)
}

// TestMain serves closingConnector when the test starts this binary as a
// plugin (the helper-process pattern).
func TestMain(m *testing.M) {
	if marker := os.Getenv("SDK_TEST_CLOSER_MARKER"); marker != "" {
		Serve(func() Connector { return closingConnector{marker: marker} })
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestServeClosesConnector: when the host shuts a plugin down, Serve
// closes a Connector that is an io.Closer (DuckDB checkpoints its files
// there).
func TestServeClosesConnector(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "closed")
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "SDK_TEST_CLOSER_MARKER="+marker,
		handshake.MagicCookieKey+"="+handshake.MagicCookieValue)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  HandshakeConfig(),
		VersionedPlugins: map[int]plugin.PluginSet{handshake.ProtocolVersion: PluginSet(closingConnector{}, nil)},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		t.Fatalf("start plugin: %v", err)
	}
	if _, err := rpc.Dispense(handshake.PluginName); err != nil {
		client.Kill()
		t.Fatalf("dispense: %v", err)
	}
	client.Kill() // graceful: asks the plugin to shut down first
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("plugin exited without closing its connector (no marker file)")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
