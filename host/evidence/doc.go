// Package evidence records what a run did: the run report
// (`.dpone/runs/<run_id>.json`, schema-versioned), its summary table,
// live progress (bars on a terminal, throttled plain lines otherwise),
// Prometheus metrics in the text exposition format (served or written as
// a node_exporter textfile), and OpenLineage events.
package evidence
