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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, version)
	stop()
	os.Exit(code)
}
