package cli

import (
	"context"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/dpone-go/dpone/host/run"
)

// faultHooks supports the crash-safety suite, which must stop the host at
// an exact phase of a load. It is inert unless one of these is set:
//
//	DPONE_TEST_FAULT=<hook>[:<unit>]   SIGKILL this process at the hook
//	DPONE_TEST_PAUSE=<hook>:<file>     at the hook, create file and block
//	                                   until the run is interrupted
//
// Hooks: after_batch, after_pending, after_commit.
func faultHooks() run.Hooks {
	kill, pause := os.Getenv("DPONE_TEST_FAULT"), os.Getenv("DPONE_TEST_PAUSE")
	if kill == "" && pause == "" {
		return nil
	}
	killAt, killUnit, _ := strings.Cut(kill, ":")
	pauseAt, marker, _ := strings.Cut(pause, ":")
	var once sync.Once
	return func(ctx context.Context, h run.Hook, u string) {
		if kill != "" && string(h) == killAt && (killUnit == "" || killUnit == u) {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		if pause != "" && string(h) == pauseAt {
			once.Do(func() {
				_ = os.WriteFile(marker, []byte(u+"\n"), 0o644)
				<-ctx.Done()
			})
		}
	}
}
