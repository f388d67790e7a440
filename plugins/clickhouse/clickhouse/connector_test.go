package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

func TestCheck(t *testing.T) {
	cfg, _ := testServer(t)
	ctx := context.Background()
	c := New().(*Connector)
	defer c.Close()
	if err := c.Check(ctx, cfg); err != nil {
		t.Fatalf("Check: %v", err)
	}
	unreachable, _ := json.Marshal(Config{DSN: "clickhouse://default@127.0.0.1:1/default", DialTimeout: "2s"})
	if err := c.Check(ctx, unreachable); sdk.CodeOf(err) != sdk.CodeConnect {
		t.Errorf("Check of a closed port: got %v (%s), want CONNECT", err, sdk.CodeOf(err))
	}
}

// TestClassify covers the server's error codes; a wrong password is not
// tried against the test server (chDB's server shuts down on a failed
// native login, code 236), so its exception is built here.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		code int32
		want sdk.Code
	}{
		{errAuthFailed, sdk.CodeAuth}, {errUnknownTable, sdk.CodeNotFound}, {errSyntax, sdk.CodeConfig},
		{errCannotParse, sdk.CodeData}, {errTooManyParts, sdk.CodeUnavailable}, {errNoSuchColumn, sdk.CodeSchema},
	} {
		err := classify(fmt.Errorf("op: %w", &ch.Exception{Code: tc.code, Message: "x"}))
		if got := sdk.CodeOf(err); got != tc.want {
			t.Errorf("code %d: got %s, want %s", tc.code, got, tc.want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, raw := range []string{`{}`, `{"dsn":"http://127.0.0.1:8123/db"}`, `{"dsn":"clickhouse://h:9000/d","compression":"gzip"}`,
		`{"dsn":"clickhouse://h:9000/d","dial_timeout":"soon"}`, `{"dsn":"clickhouse://u:secret@h:9000/d","x":1}`} {
		_, _, err := decodeConfig(json.RawMessage(raw))
		if sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("%s: got %v, want a CONFIG error", raw, err)
		}
	}
}
