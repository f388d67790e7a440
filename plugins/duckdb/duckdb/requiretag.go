//go:build !duckdb_arrow

package duckdb

// The DuckDB connector has one staging path: DuckDB's Arrow interface,
// which duckdb-go compiles only with the duckdb_arrow build tag. Built
// without it, the connector does not compile (rather than ship a path the
// tests never ran): build with
//
//	go build -tags duckdb_arrow
//
// as make build and make test do.
var _ = build_with_tags_duckdb_arrow
