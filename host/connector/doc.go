// Package connector is the host side of the dpone connector protocol: it
// finds connector plugin binaries (Registry), launches them through
// hashicorp/go-plugin with protocol negotiation and checksum pinning
// (Launch), and wraps the generated gRPC client in a Client whose errors are
// Go errors: in-band protocol errors become *Error values that match the
// sentinel of their code (errors.Is(err, ErrAuth)), and a plugin that dies
// becomes an *ExitError that matches ErrPluginExited and names the exit
// status, instead of a hang or a bare gRPC status.
//
// The Client speaks the host's own types (package catalog: specs, streams,
// read requests and messages, BeginLoad requests, load states) and
// converts them to and from dpone.connector.v1 through v1convert, so no
// other host package sees the generated code. Batches stay Arrow IPC
// bytes: a received batch's bytes are the transport's and go to a Write
// as they are, never copied.
//
// One Client is one plugin process. It is safe for concurrent use, so many
// load units can share one process; Close kills it.
package connector
