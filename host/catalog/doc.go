// Package catalog holds the host's own model of what a connector is and
// serves: its spec and capabilities, the streams it discovers, the logical
// types and fields of their schemas, target tables and the schema changes
// the host asks a sink to apply; and the data plane's requests and answers:
// a read (ReadRequest, PartitionRequest, the ReadMessage stream with its
// Arrow IPC Batches) and a load (BeginLoad, carried by every later call of
// the load, WriteResult, CommitResult, LoadState).
//
// These are the types the planner, the executor and schema evolution speak.
// They are not the generated protocol types: each protocol major has one
// converter package (host/connector/v1convert for dpone.connector.v1) that
// maps between the two, so supporting a new major (and its predecessor)
// touches the converter, not every package of the host (STYLE §21).
//
// Pointer types here are nil-safe through their Get accessors, so optional
// parts (a field without a type, a list without an element) read as zero
// values, as they did on the wire.
package catalog
