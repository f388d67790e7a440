package connector

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/proto/handshake"
)

func TestLaunchHandshakeAndSpec(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	spec, err := c.Spec(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := []any{spec.Name, spec.Version, int(spec.ProtocolVersion), spec.Capabilities.Source}
	want := []any{"test", "0.0.1", handshake.ProtocolVersion, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spec (-want +got):\n%s", diff)
	}
	if again, _ := c.Spec(context.Background()); again != spec {
		t.Error("Spec: got a new response, want the cached one")
	}
	if exited, _ := c.Exited(); exited {
		t.Error("Exited: got true for a running plugin")
	}
	c.Close()
	if exited, status := c.Exited(); !exited {
		t.Errorf("Exited after Close: got false (%q), want true", status)
	}
	if err := c.Check(context.Background(), nil); !errors.Is(err, ErrPluginExited) {
		t.Errorf("Check after Close: got %v, want ErrPluginExited", err)
	}
}

func TestLaunchProtocolMismatch(t *testing.T) {
	t.Setenv("DPONE_TESTPLUGIN_PROTOCOL", "2")
	_, err := Launch(context.Background(), "test", testPluginPath(), LaunchOptions{})
	if !errors.Is(err, ErrProtocolMismatch) {
		t.Fatalf("got %v, want ErrProtocolMismatch", err)
	}
	want := "connector test speaks protocol v2; this dpone speaks v1: install a connector built for v1 or upgrade dpone"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("got %q, want it to contain %q", err, want)
	}
}

func TestLaunchChecksum(t *testing.T) {
	sum, err := fileSHA256(testPluginPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("pinned", func(t *testing.T) {
		c := launchTest(t, LaunchOptions{SHA256: strings.ToUpper(sum)})
		if err := c.Check(context.Background(), nil); err != nil {
			t.Errorf("Check: %v", err)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		bad := strings.Repeat("0", 64)
		_, err := Launch(context.Background(), "test", testPluginPath(), LaunchOptions{SHA256: bad})
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("got %v, want ErrChecksum", err)
		}
		for _, s := range []string{sum, bad} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("got %q, want it to name %s", err, s)
			}
		}
	})
}

func TestLaunchExitBeforeHandshake(t *testing.T) {
	// A binary that is not a plugin: it exits at once.
	_, err := Launch(context.Background(), "false", "/bin/false", LaunchOptions{})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Status != "exit status 1" || ee.Op != "start" {
		t.Fatalf("got %v, want an ExitError with exit status 1 at start", err)
	}
}

func TestLaunchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Launch(ctx, "test", testPluginPath(), LaunchOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
