// Command dpone is the dpone batch ELT runtime's CLI.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"

	"github.com/dpone-go/dpone/internal/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signalContext()
	stopProfile := startCPUProfile()
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, version)
	stop()
	stopProfile()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the host process to
// $DPONE_HOST_PPROF/dpone-<pid>.pprof when that variable names a directory
// (a benchmarking aid, like the plugins' DPONE_PLUGIN_PPROF; off by
// default). The returned func stops it.
func startCPUProfile() func() {
	dir := os.Getenv("DPONE_HOST_PPROF")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("dpone-%d.pprof", os.Getpid())))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dpone: DPONE_HOST_PPROF:", err)
		if f != nil {
			f.Close()
		}
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// signalContext is cancelled by Ctrl-C or SIGTERM: in-flight loads abort.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
