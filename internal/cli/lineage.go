package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dpone-go/dpone/host/evidence"
)

// lineageFlags are run's OpenLineage outputs: a file of NDJSON events, an
// HTTP endpoint (OpenLineage's own client variables are the defaults), or
// both.
type lineageFlags struct {
	file     string
	url      string
	tokenEnv string
	timeout  time.Duration
	retries  int
}

// open returns the run's emitter (nil when lineage is off), a report of
// undelivered events for the end of the run, and a closer.
func (f *lineageFlags) open() (evidence.LineageEmitter, func(io.Writer), error) {
	var ls evidence.Lineages
	if f.file != "" {
		w, err := evidence.OpenLineageFile(f.file)
		if err != nil {
			return nil, nil, usagef("--openlineage: %v", err)
		}
		ls = append(ls, w)
	}
	url := f.url
	if url == "" {
		url = os.Getenv("OPENLINEAGE_URL")
	}
	var h *evidence.LineageHTTP
	if url != "" {
		h = &evidence.LineageHTTP{URL: url, Token: os.Getenv(f.tokenEnv), Timeout: f.timeout, Retries: f.retries}
		if h.Retries == 0 {
			h.Retries = -1 // the flag says 0: no retries
		}
		ls = append(ls, h)
	}
	report := func(w io.Writer) {
		if h == nil {
			return
		}
		if sent, lost := h.Delivered(); lost > 0 {
			fmt.Fprintf(w, "warning: openlineage: %d of %d events not delivered to %s (the run's result does not depend on it)\n", lost, sent+lost, url)
		}
	}
	if len(ls) == 0 {
		return nil, report, nil
	}
	return ls, report, nil
}
