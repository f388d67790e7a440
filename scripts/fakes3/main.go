// Command fakes3 serves johannesboyne/gofakes3 (the S3 REST API, in memory)
// on a free 127.0.0.1 port for tests, and prints "listening
// http://127.0.0.1:PORT" once it accepts requests. Clients use path-style
// addressing, region us-east-1 and any access key. It runs until SIGTERM or
// SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	port := flag.Uint("port", 0, "port on 127.0.0.1 (0 picks a free one)")
	bucket := flag.String("bucket", "dpone-test", "bucket created at start")
	flag.Parse()
	backend := s3mem.New()
	if err := backend.CreateBucket(*bucket); err != nil {
		log.Fatalf("fakes3: create bucket %s: %v", *bucket, err)
	}
	faker := gofakes3.New(backend)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatalf("fakes3: listen: %v", err)
	}
	srv := &http.Server{Handler: faker.Server()}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatalf("fakes3: serve: %v", err)
		}
	}()
	fmt.Printf("listening http://%s\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	_ = srv.Shutdown(context.Background())
}
