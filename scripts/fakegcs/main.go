// Command fakegcs serves fsouza/fake-gcs-server (the Cloud Storage JSON and
// XML APIs, in memory) on a free 127.0.0.1 port for tests, and prints
// "listening http://127.0.0.1:PORT" once it accepts requests. It runs until
// SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

func main() {
	port := flag.Uint("port", 0, "port on 127.0.0.1 (0 picks a free one)")
	bucket := flag.String("bucket", "dpone-test", "bucket created at start")
	flag.Parse()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Host:           "127.0.0.1",
		Port:           uint16(*port),
		Scheme:         "http",
		InitialObjects: nil,
	})
	if err != nil {
		log.Fatalf("fakegcs: start: %v", err)
	}
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: *bucket})
	fmt.Printf("listening %s\n", srv.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	srv.Stop()
}
