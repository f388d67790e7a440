package sdk

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an error for the host. Codes cross the process boundary;
// the host maps them back to sentinel errors.
type Code int

// Error codes (protocol ErrorCode).
const (
	CodeInternal Code = iota
	CodeConfig
	CodeAuth
	CodeConnect
	CodeNotFound
	CodeSchema
	CodeData
	CodeRateLimited
	CodeUnavailable
	CodeUnsupported
)

var codeNames = map[Code]string{
	CodeInternal: "INTERNAL", CodeConfig: "CONFIG", CodeAuth: "AUTH", CodeConnect: "CONNECT",
	CodeNotFound: "NOT_FOUND", CodeSchema: "SCHEMA", CodeData: "DATA", CodeRateLimited: "RATE_LIMITED",
	CodeUnavailable: "UNAVAILABLE", CodeUnsupported: "UNSUPPORTED",
}

// String returns the code's protocol name (AUTH, DATA, ...).
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Error is an error with a code the host understands. Return one (or wrap
// one) from any connector method; errors without a code become INTERNAL.
type Error struct {
	Code      Code
	Retryable bool
	Message   string
	Details   map[string]string
	Err       error
}

// Error returns the message, with the wrapped error when there is one.
func (e *Error) Error() string {
	switch {
	case e.Message == "" && e.Err != nil:
		return e.Err.Error()
	case e.Err != nil:
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error with code and a formatted message; a %w verb wraps
// its argument. RATE_LIMITED and UNAVAILABLE are retryable by default.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Retryable: code == CodeRateLimited || code == CodeUnavailable,
		Message: err.Error()}
}

// WithCode wraps err with a code unless it already carries one.
func WithCode(code Code, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Retryable: code == CodeRateLimited || code == CodeUnavailable, Err: err}
}

// CodeOf returns the code of err: the nearest Error in its chain, else
// UNAVAILABLE for a cancelled or expired context, else INTERNAL.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CodeUnavailable
	}
	return CodeInternal
}
