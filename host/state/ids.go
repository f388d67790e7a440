package state

import (
	"regexp"
	"strings"
	"time"
)

// NewRunID returns a run id such as "r-20261126T053412Z-a1b2c3": the UTC
// start time (sortable) and 6 random hex digits.
func NewRunID(now time.Time) string {
	return "r-" + now.UTC().Format("20060102T150405Z") + "-" + randomHex(3)
}

var nonIdent = regexp.MustCompile(`[^a-z0-9]+`)

// slug lowercases s and keeps letters and digits, joined by single
// underscores.
func slug(s string) string {
	return strings.Trim(nonIdent.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

// Load id parts stay within these lengths so that a load id is at most 52
// bytes and "_dpone_stg_"+id fits a 63-byte SQL identifier untruncated.
const (
	loadIDRunMax  = 23 // "20261126t053412z_a1b2c3"
	loadIDUnitMax = 21
)

// NewLoadID returns a fresh, unique load id for a unit of a run, such as
// "20261126t053412z_a1b2c3_9f8e7d_public_orders". It holds only lowercase
// letters, digits and underscores, is at most 52 bytes, and its random part
// comes before the (truncated) unit name so truncation never makes two ids
// equal.
func NewLoadID(runID, unit string) string {
	run := slug(strings.TrimPrefix(runID, "r-"))
	if len(run) > loadIDRunMax {
		run = run[len(run)-loadIDRunMax:]
	}
	u := slug(unit)
	if len(u) > loadIDUnitMax {
		u = strings.TrimRight(u[:loadIDUnitMax], "_")
	}
	id := run + "_" + randomHex(3)
	if u != "" {
		id += "_" + u
	}
	return strings.TrimLeft(id, "_")
}
