package connector

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
	"github.com/dpone-go/dpone/host/connector/v1convert"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// Sentinels for the protocol's error codes. An *Error from a connector
// matches the sentinel of its code: errors.Is(err, ErrAuth).
var (
	ErrConfig      = errors.New("connector config error")
	ErrAuth        = errors.New("connector authentication failed")
	ErrConnect     = errors.New("connector cannot connect")
	ErrNotFound    = errors.New("connector object not found")
	ErrSchema      = errors.New("connector schema error")
	ErrData        = errors.New("connector data error")
	ErrRateLimited = errors.New("connector rate limited")
	ErrUnavailable = errors.New("connector service unavailable")
	ErrUnsupported = errors.New("connector operation unsupported")
	ErrInternal    = errors.New("connector internal error")
)

// Sentinels for failures of the plugin itself rather than of its work.
var (
	// ErrPluginNotFound: no dpone-connector-<name> binary in the plugin dirs.
	ErrPluginNotFound = errors.New("connector plugin not found")
	// ErrPluginNotExecutable: dpone-connector-<name> exists but lacks the
	// execute permission.
	ErrPluginNotExecutable = errors.New("connector plugin not executable")
	// ErrNotAPlugin: the binary started but did not answer with the
	// go-plugin handshake (not a dpone connector, or built for another
	// host).
	ErrNotAPlugin = errors.New("not a dpone connector")
	// ErrCallTimeout: a control-plane call got no answer within the call
	// timeout (the plugin hangs).
	ErrCallTimeout = errors.New("connector call timed out")
	// ErrProtocolMismatch: the plugin speaks no protocol major this host speaks.
	ErrProtocolMismatch = errors.New("connector protocol mismatch")
	// ErrChecksum: the binary's sha256 differs from its pin.
	ErrChecksum = errors.New("connector checksum mismatch")
	// ErrPluginExited: the plugin process exited (crashed, was killed)
	// while the host was using it. See ExitError.
	ErrPluginExited = errors.New("connector plugin exited")
)

var codeSentinels = map[catalog.ErrorCode]error{
	catalog.ErrorConfig:      ErrConfig,
	catalog.ErrorAuth:        ErrAuth,
	catalog.ErrorConnect:     ErrConnect,
	catalog.ErrorNotFound:    ErrNotFound,
	catalog.ErrorSchema:      ErrSchema,
	catalog.ErrorData:        ErrData,
	catalog.ErrorRateLimited: ErrRateLimited,
	catalog.ErrorUnavailable: ErrUnavailable,
	catalog.ErrorUnsupported: ErrUnsupported,
	catalog.ErrorInternal:    ErrInternal,
}

// CodeName is the short name of an error code as users see it: "AUTH",
// "NOT_FOUND". Unknown and unspecified codes are "INTERNAL".
func CodeName(code catalog.ErrorCode) string { return code.String() }

// Error is an error a connector reported in-band, with its code.
type Error struct {
	// Plugin is the connector's name (postgres, duckdb, ...).
	Plugin    string
	Code      catalog.ErrorCode
	Retryable bool
	Message   string
	Details   map[string]string
}

// Error reads "postgres: AUTH: password authentication failed ...".
func (e *Error) Error() string {
	return e.Plugin + ": " + CodeName(e.Code) + ": " + e.Message
}

// Is reports whether target is the sentinel of e's code. Unknown and
// unspecified codes match ErrInternal.
func (e *Error) Is(target error) bool {
	s, ok := codeSentinels[e.Code]
	if !ok {
		s = ErrInternal
	}
	return target == s
}

// ErrorFromProto converts an in-band protocol error of plugin into an
// *Error; it returns nil for nil.
func ErrorFromProto(plugin string, e *connectorv1.Error) error {
	if e == nil {
		return nil
	}
	return &Error{Plugin: plugin, Code: v1convert.ErrorCode(e.GetCode()), Retryable: e.GetRetryable(),
		Message: e.GetMessage(), Details: e.GetDetails()}
}

// IsRetryable reports whether err is a connector error its plugin marked
// retryable (rate limits, transient unavailability). Everything else,
// including a plugin that exited, is not: the caller decides whether to
// relaunch.
func IsRetryable(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Retryable
}

// ExitError reports that the plugin process exited while the host used it.
// It matches ErrPluginExited.
type ExitError struct {
	Plugin string
	// Op is the call in flight (Read, Write, Check, ...), or "start".
	Op string
	// Status is the process's exit status ("exit status 2",
	// "signal: killed"), empty when unknown.
	Status string
	// Stderr is the first line of a Go panic or fatal error the plugin
	// printed on stderr; for a plugin that exited before the handshake,
	// else its last line on stderr.
	Stderr string
}

// Error reads "connector postgres exited (signal: killed) during Read".
func (e *ExitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "connector %s exited", e.Plugin)
	if e.Status != "" {
		fmt.Fprintf(&b, " (%s)", e.Status)
	}
	if e.Op == "start" {
		b.WriteString(" before the handshake")
	} else if e.Op != "" {
		fmt.Fprintf(&b, " during %s", e.Op)
	}
	if e.Stderr != "" {
		fmt.Fprintf(&b, ": %s", e.Stderr)
	}
	return b.String()
}

// Is reports whether target is ErrPluginExited.
func (e *ExitError) Is(target error) bool { return target == ErrPluginExited }
