package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

func TestDiscover(t *testing.T) {
	cfg, conn := testDB(t)
	mustExec(t, conn, `CREATE SCHEMA disc;
		CREATE TABLE disc.orders (id bigint, line int, amount numeric(18,4) NOT NULL, at timestamptz, note varchar(40), PRIMARY KEY (id, line));
		INSERT INTO disc.orders SELECT g, 1, g, now(), 'n' FROM generate_series(1, 500) g;
		ANALYZE disc.orders;
		CREATE VIEW disc.big_orders AS SELECT id, amount FROM disc.orders WHERE amount > 100;
		CREATE TABLE disc._dpone_loads (load_id text);`)
	t.Cleanup(func() { mustExec(t, conn, "DROP SCHEMA disc CASCADE") })
	c := New().(*Connector)

	for _, sel := range [][]string{{"disc"}, {"disc.orders", "disc.big_orders"}} {
		streams, err := c.Discover(context.Background(), cfg, sel)
		if err != nil {
			t.Fatal(err)
		}
		type summary struct {
			Name, Namespace string
			Columns, PK     []string
			Cursors         []string
			Rows            int64
		}
		var got []summary
		for _, s := range streams {
			var cols []string
			for _, f := range s.Schema.Fields() {
				cols = append(cols, f.Name+" "+f.Type.String())
			}
			got = append(got, summary{s.Name, s.Namespace, cols, s.PrimaryKey, s.CursorCandidates, s.RowEstimate})
		}
		want := []summary{
			{"big_orders", "disc", []string{"id int64", "amount decimal(18, 4)"}, nil, []string{"id", "amount"}, 0},
			{"orders", "disc", []string{"id int64", "line int32", "amount decimal(18, 4)", "at timestamp[us, tz=UTC]", "note utf8"},
				[]string{"id", "line"}, []string{"id", "line", "amount", "at"}, 500},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("selector %v (-want +got):\n%s", sel, diff)
		}
	}
}

func TestCheck(t *testing.T) {
	cfg, conn := testDB(t)
	c := New().(*Connector)
	if err := c.Check(context.Background(), cfg); err != nil {
		t.Fatalf("check: %v", err)
	}
	cc := conn.Config()
	tests := []struct {
		name string
		cfg  string
		want sdk.Code
	}{
		{"empty dsn", `{"dsn": ""}`, sdk.CodeConfig},
		{"unknown key", `{"dsn": "postgres://x", "host": "y"}`, sdk.CodeConfig},
		{"bad dsn", `{"dsn": "postgres://%zz"}`, sdk.CodeConfig},
		{"missing database", `{"dsn": "postgres://postgres@` + cc.Host + `:` + itoa(int(cc.Port)) + `/no_such_db?sslmode=disable"}`, sdk.CodeConfig},
		// A server restarting or a name not resolvable right now: retry.
		{"refused", `{"dsn": "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"}`, sdk.CodeUnavailable},
		{"dns", `{"dsn": "postgres://postgres@no-such-host.invalid:5432/postgres?sslmode=disable&connect_timeout=2"}`, sdk.CodeUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Check(context.Background(), []byte(tc.cfg))
			if got := sdk.CodeOf(err); got != tc.want {
				t.Errorf("got %v (%v), want %v", got, err, tc.want)
			}
			var se *sdk.Error
			retryable := errors.As(err, &se) && se.Retryable
			if want := tc.want == sdk.CodeUnavailable; retryable != want {
				t.Errorf("retryable: got %v, want %v (%v)", retryable, want, err)
			}
		})
	}
}

// A malformed DSN says why, and never echoes the password.
func TestBadDSNReason(t *testing.T) {
	c := New().(*Connector)
	for _, tc := range []struct{ dsn, reason string }{
		{"postgres://u:s3cret@localhost:notaport/db", "invalid port"},
		{"postgres://u:s3cret@local%zzhost/db", "invalid percent-encoded"},
		{"host=localhost password=s3cret port=abc", "invalid port"},
	} {
		err := c.Check(context.Background(), []byte(`{"dsn": "`+tc.dsn+`"}`))
		if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: got %v, want CONFIG naming %q", tc.dsn, err, tc.reason)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error echoes the password: %v", tc.dsn, err)
		}
	}
}

func TestPgCode(t *testing.T) {
	for state, want := range map[string]sdk.Code{
		"28P01": sdk.CodeAuth, "28000": sdk.CodeAuth, "3D000": sdk.CodeConfig, "42P01": sdk.CodeNotFound,
		"22003": sdk.CodeData, "23505": sdk.CodeData, "57P01": sdk.CodeUnavailable, "08006": sdk.CodeUnavailable,
		"42703": sdk.CodeSchema, "XX000": sdk.CodeInternal,
	} {
		if got := pgCode(state); got != want {
			t.Errorf("pgCode(%s): got %v, want %v", state, got, want)
		}
	}
}
