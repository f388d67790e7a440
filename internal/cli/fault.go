package cli

import (
	"context"
	"os"
	"strings"
	"syscall"

	"github.com/dpone-go/dpone/host/run"
)

// faultHooks reads DPONE_TEST_FAULT=<hook>[:<unit>] (hooks: after_batch,
// after_pending, after_commit) and kills this process with SIGKILL when a
// load reaches that point. It exists for the crash-safety suite, which must
// kill the host at an exact phase; it is inert unless the variable is set.
func faultHooks() run.Hooks {
	spec := os.Getenv("DPONE_TEST_FAULT")
	if spec == "" {
		return nil
	}
	point, unit, _ := strings.Cut(spec, ":")
	return func(_ context.Context, h run.Hook, u string) {
		if string(h) == point && (unit == "" || unit == u) {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}
}
