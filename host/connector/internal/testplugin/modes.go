package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// startMode makes the plugin misbehave at start when mode names a way:
//
//	silent   print a valid handshake line for a socket it listens on but
//	         never serves, then do nothing (a hung plugin)
//	garbage  print a line that is not a handshake, then wait
//	panic    panic before the handshake (a stack trace on stderr)
//
// Any other value (or none) starts normally.
func startMode(mode string, version int) {
	switch mode {
	case "silent":
		dir, err := os.MkdirTemp("", "testplugin-silent-")
		if err != nil {
			panic(err)
		}
		sock := filepath.Join(dir, "plugin.sock")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			panic(err)
		}
		defer ln.Close()
		fmt.Printf("1|%d|unix|%s|grpc\n", version, sock)
		time.Sleep(time.Hour)
		os.Exit(0)
	case "garbage":
		fmt.Println("Usage: frobnicate [options] FILE")
		time.Sleep(time.Hour)
		os.Exit(0)
	case "panic":
		var m map[string]int
		m[strings.ToLower("boom")]++ // assignment to entry in nil map
	}
}
