package auth

import (
	"strings"
	"testing"
)

// TestSeal: a sealed token opens only under the secret it was sealed with,
// never shows the token, and differs each time (a fresh nonce).
func TestSeal(t *testing.T) {
	a, err := Seal("s3cret", "rt-token-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Seal("s3cret", "rt-token-1")
	if a == b || strings.Contains(a, "rt-token-1") {
		t.Errorf("sealed %q and %q: want two different texts without the token", a, b)
	}
	if got, err := Unseal("s3cret", a); err != nil || got != "rt-token-1" {
		t.Errorf("Unseal: got %q, %v; want rt-token-1", got, err)
	}
	if _, err := Unseal("other", a); err == nil {
		t.Error("Unseal under another secret: got nil error")
	}
	if _, err := Unseal("s3cret", a[:len(a)-4]+"AAAA"); err == nil {
		t.Error("Unseal of a tampered text: got nil error")
	}
	if _, err := Seal("", "rt"); err == nil {
		t.Error("Seal without a secret: got nil error")
	}
}

// TestRedactURL: user info goes, the secret query parameter is replaced.
func TestRedactURL(t *testing.T) {
	got := RedactURL("https://u:p@api.example.com/v1/x?key=abc&page=2", "key")
	if want := "https://api.example.com/v1/x?key=REDACTED&page=2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
