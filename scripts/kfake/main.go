// Command kfake serves the Kafka wire protocol on 127.0.0.1 for tests: an
// in-memory broker (github.com/twmb/franz-go/pkg/kfake) that real clients,
// librdkafka included, produce to and consume from. It prints one line,
// "listening 127.0.0.1:PORT", once the listener is up and runs until
// SIGTERM or SIGINT. With -registry it also serves a Schema Registry for
// tests and prints "registry http://127.0.0.1:PORT" first. With -data DIR
// it keeps topics in segment files under DIR, as a real broker does (the
// page cache, not the heap, holds them), instead of in memory.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 0, "TCP port on 127.0.0.1 (0 picks a free one)")
	partitions := flag.Int("partitions", 1, "default partitions of auto-created topics")
	sasl := flag.String("sasl", "", "require SASL: MECHANISM:USER:PASSWORD (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)")
	tlsDir := flag.String("tls", "", "serve TLS with a self-signed certificate for 127.0.0.1 written to DIR/ca.pem")
	registry := flag.Bool("registry", false, "also serve a Schema Registry (the REST subset confluent-kafka-go's serdes use) on a free loopback port")
	data := flag.String("data", "", "keep topics in segment files under DIR (reloaded at start when DIR holds a previous broker's) instead of in memory")
	flag.Parse()

	opts := []kfake.Opt{
		kfake.Ports(*port),
		// Bind to loopback explicitly, whatever address the broker asks for.
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort("127.0.0.1", p))
		}),
		kfake.DefaultNumPartitions(*partitions),
		kfake.AllowAutoTopicCreation(),
	}
	if *data != "" {
		// In memory, kfake holds every segment in a slice that doubles as
		// it grows: make bench at 5M rows had the broker past 13 GB of RSS
		// in its second round.
		opts = append(opts, kfake.DataDir(*data))
	}
	if *sasl != "" {
		parts := strings.SplitN(*sasl, ":", 3)
		if len(parts) != 3 {
			fmt.Fprintln(os.Stderr, "kfake: -sasl: want MECHANISM:USER:PASSWORD")
			os.Exit(2)
		}
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser(parts[0], parts[1], parts[2]))
	}
	if *tlsDir != "" {
		cfg, err := selfSignedTLS(*tlsDir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "kfake: -tls: %v\n", err)
			os.Exit(1)
		}
		opts = append(opts, kfake.TLS(cfg))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kfake: start broker: %v\n", err)
		os.Exit(1)
	}
	defer c.Close()
	if *registry {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(os.Stderr, "kfake: schema registry: %v\n", err)
			os.Exit(1)
		}
		go func() { _ = http.Serve(l, newTestRegistry()) }()
		fmt.Printf("registry http://%s\n", l.Addr())
	}
	for _, addr := range c.ListenAddrs() {
		fmt.Printf("listening %s\n", addr)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
