package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestErrorfKeepsTheChain: a %w argument stays in the chain (errors.Is,
// errors.As, Unwrap) and the message is printed once.
func TestErrorfKeepsTheChain(t *testing.T) {
	err := Errorf(CodeData, "decode row %d: %w", 7, io.ErrUnexpectedEOF)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("errors.Is(Errorf(..., %%w, io.ErrUnexpectedEOF), io.ErrUnexpectedEOF): got false, want true")
	}
	if got := errors.Unwrap(err); got != io.ErrUnexpectedEOF {
		t.Errorf("Unwrap: got %v, want io.ErrUnexpectedEOF", got)
	}
	if got, want := err.Error(), "decode row 7: unexpected EOF"; got != want {
		t.Errorf("Error(): got %q, want %q", got, want)
	}
	var pe *fs
	wrapped := Errorf(CodeNotFound, "open: %w", &fs{"x"})
	if !errors.As(wrapped, &pe) || pe.path != "x" {
		t.Errorf("errors.As through Errorf: got %v, want the *fs", pe)
	}
	two := Errorf(CodeData, "a: %w, b: %w", io.EOF, context.Canceled)
	if !errors.Is(two, io.EOF) || !errors.Is(two, context.Canceled) {
		t.Errorf("two %%w verbs: errors.Is lost one of them")
	}
	if got := Errorf(CodeConfig, "plain %d", 1); got.Unwrap() != nil || got.Error() != "plain 1" {
		t.Errorf("without %%w: got Unwrap %v, message %q; want nil, %q", got.Unwrap(), got.Error(), "plain 1")
	}
}

type fs struct{ path string }

func (e *fs) Error() string { return "fs " + e.path }

// TestRetryableRule: one rule decides retryability: RATE_LIMITED and
// UNAVAILABLE are retryable unless the error is a cancellation, however
// it is built.
func TestRetryableRule(t *testing.T) {
	deadline := fmt.Errorf("query: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		name string
		err  error
		code Code
		want bool
	}{
		{"bare cancel", context.Canceled, CodeUnavailable, false},
		{"wrapped cancel", fmt.Errorf("read: %w", context.Canceled), CodeUnavailable, false},
		{"Errorf cancel", Errorf(CodeUnavailable, "read: %w", context.Canceled), CodeUnavailable, false},
		{"WithCode cancel", WithCode(CodeUnavailable, context.Canceled), CodeUnavailable, false},
		{"Errorf deadline", Errorf(CodeUnavailable, "read: %w", deadline), CodeUnavailable, false},
		{"unavailable", Errorf(CodeUnavailable, "server restarting"), CodeUnavailable, true},
		{"rate limited", Errorf(CodeRateLimited, "429"), CodeRateLimited, true},
		{"WithCode unavailable", WithCode(CodeUnavailable, io.ErrUnexpectedEOF), CodeUnavailable, true},
		{"data", Errorf(CodeData, "bad row"), CodeData, false},
		{"plain", errors.New("boom"), CodeInternal, false},
		{"explicit", &Error{Code: CodeData, Retryable: true, Message: "author says so"}, CodeData, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CodeOf(tc.err); got != tc.code {
				t.Errorf("CodeOf: got %s, want %s", got, tc.code)
			}
			if got := IsRetryable(tc.err); got != tc.want {
				t.Errorf("IsRetryable: got %v, want %v", got, tc.want)
			}
			if got := errorProto(tc.err).GetRetryable(); got != tc.want {
				t.Errorf("on the wire: retryable %v, want %v", got, tc.want)
			}
		})
	}
}
