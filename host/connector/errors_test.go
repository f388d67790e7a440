package connector

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

func TestErrorMessageAndSentinel(t *testing.T) {
	err := ErrorFromProto("postgres", &connectorv1.Error{Code: connectorv1.ErrorCode_ERROR_CODE_AUTH,
		Message: "password authentication failed for user \"x\""})
	if got, want := err.Error(), `postgres: AUTH: password authentication failed for user "x"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	wrapped := fmt.Errorf("check source: %w", err)
	if !errors.Is(wrapped, ErrAuth) || errors.Is(wrapped, ErrConfig) {
		t.Errorf("errors.Is: got AUTH=%v CONFIG=%v, want true false", errors.Is(wrapped, ErrAuth), errors.Is(wrapped, ErrConfig))
	}
	if ErrorFromProto("x", nil) != nil {
		t.Error("ErrorFromProto(nil): got non-nil, want nil")
	}
	unspecified := ErrorFromProto("x", &connectorv1.Error{Message: "?"})
	if !errors.Is(unspecified, ErrInternal) || CodeName(0) != "INTERNAL" {
		t.Errorf("unspecified code: got %v, want INTERNAL", unspecified)
	}
}

// TestEveryCodeRoundTrips sends every code from a real plugin process and
// checks it comes back as its sentinel, with retryable and details intact.
func TestEveryCodeRoundTrips(t *testing.T) {
	c := launchTest(t, LaunchOptions{})
	ctx := context.Background()
	for code, sentinel := range codeSentinels {
		name := CodeName(code)
		t.Run(name, func(t *testing.T) {
			err := c.Check(ctx, fmt.Appendf(nil, `{"fail":%q}`, name))
			if !errors.Is(err, sentinel) {
				t.Fatalf("Check: got %v, want errors.Is %v", err, sentinel)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Check: got %T, want *Error", err)
			}
			if diff := cmp.Diff(map[string]string{"code": name}, ce.Details); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
			if got, want := IsRetryable(err), name == "RATE_LIMITED"; got != want {
				t.Errorf("IsRetryable: got %v, want %v", got, want)
			}
			for other, s := range codeSentinels {
				if other != code && errors.Is(err, s) {
					t.Errorf("errors.Is(%v): got true, want false", s)
				}
			}
			// And through the data plane: an in-band Read error.
			rs, err := c.Read(ctx, &catalog.ReadRequest{Stream: "error:" + name})
			if err != nil {
				t.Fatal(err)
			}
			defer rs.Close()
			if _, err := rs.Recv(); !errors.Is(err, sentinel) {
				t.Errorf("Read: got %v, want errors.Is %v", err, sentinel)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	err := error(&ExitError{Plugin: "postgres", Op: "Read", Status: "signal: killed"})
	if got, want := err.Error(), "connector postgres exited (signal: killed) during Read"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, ErrPluginExited) {
		t.Error("errors.Is(ErrPluginExited): got false, want true")
	}
}
