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
//
// Retryable tells the host whether running the call again may succeed.
// Errorf and WithCode set it by one rule (see IsRetryable); set it yourself
// on an Error you build to override the rule.
type Error struct {
	Code      Code
	Retryable bool
	Message   string
	Details   map[string]string
	// Err is the wrapped error, printed after Message.
	Err error
	// chain holds what Errorf's %w verbs wrapped (already in Message).
	chain error
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

// Unwrap returns the wrapped error: Err, or what Errorf's %w verb wrapped
// (with several %w verbs, an error whose chain holds all of them).
func (e *Error) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	if e.chain == nil {
		return nil
	}
	if u, ok := e.chain.(interface{ Unwrap() error }); ok {
		return u.Unwrap()
	}
	return e.chain // fmt's wrapErrors: errors.Is and As walk all of them
}

// Errorf makes an Error with code and a formatted message; a %w verb wraps
// its argument, which stays in the chain (errors.Is, errors.As). Retryable
// follows IsRetryable's rule.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{Code: code, Message: err.Error()}
	if errors.Unwrap(err) != nil || hasMulti(err) {
		e.chain = err
	}
	e.Retryable = defaultRetryable(code, err)
	return e
}

func hasMulti(err error) bool {
	_, ok := err.(interface{ Unwrap() []error })
	return ok
}

// WithCode wraps err with a code unless it already carries one.
// Retryable follows IsRetryable's rule.
func WithCode(code Code, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Retryable: defaultRetryable(code, err), Err: err}
}

// CodeOf returns the code of err: the nearest Error in its chain, else
// UNAVAILABLE for a cancelled or expired context, else INTERNAL.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if cancelled(err) {
		return CodeUnavailable
	}
	return CodeInternal
}

// IsRetryable reports whether the host may retry the call that returned
// err. The rule, applied by Errorf and WithCode and to uncoded errors:
// RATE_LIMITED and UNAVAILABLE are retryable, other codes are not, and a
// cancellation is never retryable — an error whose chain holds
// context.Canceled or context.DeadlineExceeded means the caller's context
// ended (the host decides whether to run again), whatever its code. The
// nearest Error in the chain answers with its Retryable field, so an
// author can override the rule by setting it.
func IsRetryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable
	}
	return defaultRetryable(CodeOf(err), err)
}

func defaultRetryable(code Code, err error) bool {
	return (code == CodeRateLimited || code == CodeUnavailable) && !cancelled(err)
}

func cancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
