package clickhouse

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// TestS3SourceTable: how s3() names the bucket's keys: a named
// collection, the staging connection's keys (with a session token), or
// none (the server's own S3 configuration).
func TestS3SourceTable(t *testing.T) {
	url, structure := "http://127.0.0.1:9/b/p/l/part-00000.parquet", "`id` Int64, `ts` DateTime64(6, 'UTC')"
	for _, tc := range []struct {
		src  s3Source
		want string
	}{
		{s3Source{keys: []string{"AKID", "se'cret"}},
			`s3('http://127.0.0.1:9/b/p/l/part-00000.parquet', 'AKID', 'se\'cret', 'Parquet', '` + "`id` Int64, `ts` DateTime64(6, \\'UTC\\')')"},
		{s3Source{keys: []string{"AKID", "secret", "token"}},
			`s3('http://127.0.0.1:9/b/p/l/part-00000.parquet', 'AKID', 'secret', 'token', 'Parquet', '` + "`id` Int64, `ts` DateTime64(6, \\'UTC\\')')"},
		{s3Source{},
			`s3('http://127.0.0.1:9/b/p/l/part-00000.parquet', 'Parquet', '` + "`id` Int64, `ts` DateTime64(6, \\'UTC\\')')"},
		{s3Source{collection: "lake"},
			"s3(`lake`, url = 'http://127.0.0.1:9/b/p/l/part-00000.parquet', format = 'Parquet', structure = '`id` Int64, `ts` DateTime64(6, \\'UTC\\')')"},
	} {
		if got := tc.src.table(url, structure); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// TestS3FailRedacts: a failed s3() insert's error never carries the
// staging keys, even when the server's message quotes the statement,
// and does not wrap the original error.
func TestS3FailRedacts(t *testing.T) {
	src := s3Source{keys: []string{"AKIDSTAGETEST", "stage-secret-3f9a", "tok-77"}, endpoint: "http://127.0.0.1:9"}
	orig := &ch.Exception{Code: errSyntax, Name: "SYNTAX_ERROR", Message: "Syntax error: failed at position 80 ('AKIDSTAGETEST', 'stage-secret-3f9a', 'tok-77')"}
	err := src.fail(orig, "load l1: insert s3://b/p/l1/part-00000.parquet into staging db.s")
	for _, k := range src.keys {
		if strings.Contains(err.Error(), k) {
			t.Errorf("error carries %q: %v", k, err)
		}
	}
	if !strings.Contains(err.Error(), "[HIDDEN]") || sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("got %v (%s), want a CONFIG error with the keys [HIDDEN]", err, sdk.CodeOf(err))
	}
	var ex *ch.Exception
	if errors.As(err, &ex) {
		t.Errorf("the error wraps the server's exception, whose text holds the keys")
	}
}

// TestS3Unreachable: when the server cannot fetch from the staging
// endpoint, the error (UNAVAILABLE) says the endpoint must be reachable
// from the server, and carries no key. The server's real error for an
// endpoint nothing listens on.
func TestS3Unreachable(t *testing.T) {
	f := newFixture(t)
	src := s3Source{keys: []string{testKeys["access_key_id"], testKeys["secret_access_key"]}, endpoint: "http://127.0.0.1:1"}
	q := "SELECT count() FROM " + src.table("http://127.0.0.1:1/dpone-test/x/part-00000.parquet", "`id` Int64")
	// The settings of a part's insert: its bounded retries (~20 s).
	ctx := ch.Context(f.ctx, ch.WithSettings(partSettings("l1", objstage.File{Name: "part-00000.parquet", Rows: 1})))
	start := time.Now()
	err := f.conn().Exec(ctx, q)
	t.Logf("failed after %s", time.Since(start).Round(time.Millisecond))
	if err == nil {
		t.Fatal("s3() of 127.0.0.1:1 succeeded")
	}
	t.Logf("server error: %v", err)
	got := src.fail(err, "load l1: insert part-00000.parquet")
	if sdk.CodeOf(got) != sdk.CodeUnavailable || !strings.Contains(got.Error(), "must be reachable from the server") || !strings.Contains(got.Error(), "http://127.0.0.1:1") {
		t.Errorf("got %v (%s), want UNAVAILABLE saying the endpoint http://127.0.0.1:1 must be reachable from the server", got, sdk.CodeOf(got))
	}
	for _, k := range src.keys {
		if strings.Contains(got.Error(), k) {
			t.Errorf("error carries %q: %v", k, got)
		}
	}
}

// TestStagedNamedCollection: with sink.options.s3_named_collection the
// statement names the server's collection and carries no key; the load
// lands. A name that is no identifier is a CONFIG error.
func TestStagedNamedCollection(t *testing.T) {
	f := newFixture(t)
	st := testStaging(t, false)
	name := "dpone_stage_" + testDB
	f.exec(fmt.Sprintf("CREATE NAMED COLLECTION IF NOT EXISTS %s AS access_key_id = %s, secret_access_key = %s",
		quote(name), literal(testKeys["access_key_id"]), literal(testKeys["secret_access_key"])))
	t.Cleanup(func() { f.exec("DROP NAMED COLLECTION IF EXISTS " + quote(name)) })
	r := f.req("stnamed-1", "staged_named", sdk.ModeAppend, idNameSchema)
	r.Staging = st
	r.Options = json.RawMessage(fmt.Sprintf(`{"s3_named_collection": %q}`, name))
	f.load(r, idNameRecord(t, 1, "a", 2, nil))
	want := [][]any{row(1, "a"), row(2, nil)}
	if got := f.idNames("staged_named"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("target: got %v, want %v", got, want)
	}
	l, err := f.c.prepare(f.ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	src, err := l.s3Source()
	if err != nil || len(src.keys) != 0 || strings.Contains(src.table("u", "s"), testKeys["secret_access_key"]) {
		t.Errorf("with a named collection: source %+v %v, want no keys", src, err)
	}

	bad := f.req("stnamed-2", "staged_named", sdk.ModeAppend, idNameSchema)
	bad.Staging = st
	bad.Options = json.RawMessage(`{"s3_named_collection": "lake; DROP TABLE x"}`)
	f.stage(bad, idNameRecord(t, 3, "c"))
	if _, err := f.c.CommitLoad(f.ctx, bad, nil); sdk.CodeOf(err) != sdk.CodeConfig {
		t.Errorf("a collection name that is no identifier: got %v, want a CONFIG error", err)
	}
}
