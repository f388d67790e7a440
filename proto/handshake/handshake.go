// Package handshake holds the constants that the dpone host and every
// connector plugin must agree on before they speak: the go-plugin magic
// cookie (fixed forever) and the protocol major versions.
//
// It has no dependencies so that both sides can import it cheaply.
package handshake

const (
	// MagicCookieKey and MagicCookieValue are go-plugin's handshake cookie.
	// They never change: a plugin started by hand (not by dpone) sees the
	// cookie missing and prints a hint instead of waiting for gRPC.
	MagicCookieKey   = "DPONE_CONNECTOR_PLUGIN"
	MagicCookieValue = "3f2b9c1e-dpone-connector-7a41d0c8"

	// PluginName is the single go-plugin plugin name every connector serves.
	PluginName = "connector"

	// ProtocolVersion is the protocol major this tree implements
	// (proto package dpone.connector.v1).
	ProtocolVersion = 1

	// MaxMessageBytes is the gRPC receive limit both sides configure.
	// Senders keep batches far below it (about 1 MiB each).
	MaxMessageBytes = 64 << 20

	// TransportBufferBytes is the read and write buffer of each side's
	// gRPC connection (grpc-go's default is 32 KiB): a batch of about
	// DefaultBatchBytes then moves in a few syscalls instead of ~30 each
	// way.
	TransportBufferBytes = 1 << 20

	// DefaultBatchBytes is the target size of one Arrow batch on the wire.
	DefaultBatchBytes = 1<<20 - 32<<10
)

// SupportedProtocolVersions lists the majors the host accepts, newest first
// (N and N-1 once v2 exists).
func SupportedProtocolVersions() []int { return []int{ProtocolVersion} }
