package manifest

// ExampleField names the usual credential field of a plugin type (DSN,
// PATH for duckdb, ROOT for file): the field an exported task passes as
// DPONE_CONN_<ID>_<FIELD> when the environment names none.
func ExampleField(pluginType string) string { return exampleField(pluginType) }
