// Command dpone is the dpone batch ELT runtime's CLI.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dpone-go/dpone/internal/cli"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signalContext()
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, version)
	stop()
	os.Exit(code)
}

// signalContext is cancelled by Ctrl-C or SIGTERM: in-flight loads abort.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
