// Command dpone-rest-testapi serves the rest connector's test shop API
// (package restapi) on 127.0.0.1 for end-to-end scripts, or calls one of
// its admin endpoints:
//
//	dpone-rest-testapi serve -orders 20 -addr-file api.url [-key K] [-oauth-client-id ID -oauth-client-secret S -oauth-refresh-token T]
//	dpone-rest-testapi call http://127.0.0.1:PORT/_admin/order?id=3&status=paid&...
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: dpone-rest-testapi serve|call ...")
		return 2
	}
	switch args[0] {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		orders := fs.Int("orders", 20, "orders the API starts with")
		addrFile := fs.String("addr-file", "", "file to write the base URL to once listening")
		key := fs.String("key", "", "api key required in X-API-Key (none: open)")
		var o oauthFlags
		fs.StringVar(&o.clientID, "oauth-client-id", "", "turn on OAuth2 with this client id")
		fs.StringVar(&o.clientSecret, "oauth-client-secret", "", "the OAuth2 client secret")
		fs.StringVar(&o.refresh, "oauth-refresh-token", "", "the refresh token the server accepts first (each use rotates it)")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		return serve(*orders, *addrFile, *key, o, stderr)
	case "call":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: dpone-rest-testapi call URL")
			return 2
		}
		resp, err := http.Post(args[1], "application/json", nil)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer resp.Body.Close()
		_, _ = io.Copy(stdout, resp.Body)
		if resp.StatusCode != http.StatusOK {
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "unknown command %q\n", args[0])
	return 2
}

// oauthFlags turn on the API's OAuth2 server.
type oauthFlags struct{ clientID, clientSecret, refresh string }

func serve(orders int, addrFile, key string, o oauthFlags, stderr io.Writer) int {
	api := restapi.New(orders)
	api.Key = key
	if o.clientID != "" {
		api.OAuth, api.ClientID, api.ClientSecret, api.TokenTTL = true, o.clientID, o.clientSecret, time.Hour
		api.SetRefreshToken(o.refresh)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	srv := &http.Server{Handler: api}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	url := "http://" + ln.Addr().String()
	if addrFile != "" {
		tmp := addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(url), 0o644); err != nil || os.Rename(tmp, addrFile) != nil {
			fmt.Fprintln(stderr, "write addr file:", err)
			return 1
		}
	}
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
