package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dpone-go/dpone/host/run"
)

// faultHooks supports the crash-safety suite, which must stop the host at
// an exact phase of a load. It lives in the test binary the scripts run
// as dpone (TestMain passes it to cli.RunWith): a released dpone has no
// fault hooks. It is inert unless one of these is set:
//
//	DPONE_TEST_FAULT=<hook>[:<unit>]   SIGKILL this process at the hook
//	                                   (DPONE_TEST_FAULT_NTH=n: its n-th time)
//	DPONE_TEST_PAUSE=<hook>:<file>     at the hook, create file and block
//	                                   until the run is interrupted
//	DPONE_TEST_HOLD=<hook>:<file>      at the hook (once), create file and
//	                                   block until the file is removed
//	DPONE_TEST_STOP=<hook>:<file>      at the hook, write the pid to file
//	                                   and SIGSTOP this process (a stall:
//	                                   lock refreshes stop too) until it
//	                                   gets SIGCONT
//
// Hooks: after_batch, after_pending, before_commit, after_commit.
func faultHooks() run.Hooks {
	kill, pause := os.Getenv("DPONE_TEST_FAULT"), os.Getenv("DPONE_TEST_PAUSE")
	hold, stop := os.Getenv("DPONE_TEST_HOLD"), os.Getenv("DPONE_TEST_STOP")
	if kill == "" && pause == "" && hold == "" && stop == "" {
		return nil
	}
	killAt, killUnit, _ := strings.Cut(kill, ":")
	pauseAt, marker, _ := strings.Cut(pause, ":")
	holdAt, holdFile, _ := strings.Cut(hold, ":")
	stopAt, stopFile, _ := strings.Cut(stop, ":")
	var once, holdOnce, stopOnce sync.Once
	// DPONE_TEST_FAULT_NTH=n kills at the n-th matching hook (default the
	// first): e.g. after the n-th chunk of a backfill committed.
	nth, _ := strconv.Atoi(os.Getenv("DPONE_TEST_FAULT_NTH"))
	var seen atomic.Int64
	return func(ctx context.Context, h run.Hook, u string) {
		if hold != "" && string(h) == holdAt {
			holdOnce.Do(func() { holdUntilRemoved(ctx, holdFile, u) })
		}
		if stop != "" && string(h) == stopAt {
			stopOnce.Do(func() {
				// SIGSTOP is not synchronous: block until SIGCONT, so
				// nothing after the hook runs before the stall.
				cont := make(chan os.Signal, 1)
				signal.Notify(cont, syscall.SIGCONT)
				defer signal.Stop(cont)
				_ = os.WriteFile(stopFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
				_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
				<-cont
			})
		}
		if kill != "" && string(h) == killAt && (killUnit == "" || killUnit == u) && seen.Add(1) >= int64(nth) {
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

// holdUntilRemoved creates file and blocks until it is removed or ctx ends.
func holdUntilRemoved(ctx context.Context, file, unit string) {
	if os.WriteFile(file, []byte(unit+"\n"), 0o644) != nil {
		return
	}
	for {
		if _, err := os.Stat(file); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}
