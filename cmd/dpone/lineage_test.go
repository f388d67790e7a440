package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dpone-go/dpone/internal/olschema"
)

// olReceivers holds each script's OpenLineage receiver, by work dir.
var olReceivers sync.Map

type olReceiver struct {
	mu     sync.Mutex
	events [][]byte
}

// olreceiver: start a local OpenLineage HTTP backend for this script and
// set $OL_URL to its endpoint.
func cmdOLReceiver(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: olreceiver")
	}
	r := &olReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.events = append(r.events, b)
		r.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	}))
	ts.Defer(srv.Close)
	olReceivers.Store(ts.Getenv("WORK"), r)
	ts.Setenv("OL_URL", srv.URL+"/api/v1/lineage")
}

// olevents [FILE]: validate every event the receiver got (or FILE holds,
// as NDJSON) against the OpenLineage schema and its facets' schemas, and
// print them, one a line, for stdout checks.
func cmdOLEvents(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: olevents [FILE]")
	}
	var events [][]byte
	if len(args) == 1 {
		for _, e := range olschema.Events([]byte(ts.ReadFile(args[0]))) {
			events = append(events, e)
		}
	} else {
		v, ok := olReceivers.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("olevents: no olreceiver started")
		}
		r := v.(*olReceiver)
		r.mu.Lock()
		events = append(events, r.events...)
		r.mu.Unlock()
	}
	val, err := olschema.New()
	ts.Check(err)
	for i, e := range events {
		if err := val.Validate(e); err != nil {
			ts.Fatalf("event %d does not validate: %v\n%s", i, err, e)
		}
		fmt.Fprintf(ts.Stdout(), "%s\n", bytes.TrimSpace(e))
	}
	fmt.Fprintf(ts.Stdout(), "%d events valid\n", len(events))
}
