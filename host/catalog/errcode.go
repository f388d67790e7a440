package catalog

// ErrorCode is the code of an error a connector reports in-band (DESIGN
// §2): what went wrong, independent of the message.
type ErrorCode int

// Error codes. A code this host does not know reads as ErrorInternal.
const (
	ErrorUnspecified ErrorCode = iota
	ErrorConfig
	ErrorAuth
	ErrorConnect
	ErrorNotFound
	ErrorSchema
	ErrorData
	ErrorRateLimited
	ErrorUnavailable
	ErrorUnsupported
	ErrorInternal
)

var errorNames = [...]string{ErrorConfig: "CONFIG", ErrorAuth: "AUTH", ErrorConnect: "CONNECT",
	ErrorNotFound: "NOT_FOUND", ErrorSchema: "SCHEMA", ErrorData: "DATA", ErrorRateLimited: "RATE_LIMITED",
	ErrorUnavailable: "UNAVAILABLE", ErrorUnsupported: "UNSUPPORTED", ErrorInternal: "INTERNAL"}

// String is the code's name as users see it: "AUTH", "NOT_FOUND";
// "INTERNAL" for an unspecified or unknown code.
func (c ErrorCode) String() string {
	if c <= ErrorUnspecified || int(c) >= len(errorNames) {
		return "INTERNAL"
	}
	return errorNames[c]
}
