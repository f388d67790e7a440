package clickhouse

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
	"github.com/dpone-go/dpone/sdk/objstage"
)

// fillFromObjects loads a load's Parquet parts into its staging table at
// CommitLoad, before the publish step reads staging: after checking every
// part against the load's checksum manifest, one INSERT INTO staging
// SELECT … FROM s3(part) per part, columns by name in staging's types.
//
// Each part goes in as one block (squashed to the part's rows, one insert
// thread) with an insert_deduplication_token from the load id and the
// part's checksum, so a retried commit stores each part once, whether
// the first attempt inserted it, part of its partitions, or none. The
// server must read exactly the part's rows, and staging must then hold
// the manifest's rows (at most that many for an engine that collapses
// rows), else the load fails with DATA and nothing is published.
//
// Nothing is filled once the publish began (staging carries the publish
// marker, or the target the load's marker): staging already holds the
// load, or is gone.
func (l *load) fillFromObjects(ctx context.Context) error {
	id := l.req.LoadID
	t, err := l.srv.table(ctx, l.db, l.req.Target.Name)
	if err != nil || (t != nil && t.comment == loadMarker+id) {
		return err
	}
	st, err := l.srv.table(ctx, l.db, l.staging)
	if err != nil || st == nil || st.comment != loadMarker+id {
		return err // publish reports a missing staging
	}
	if err := needSchema(l.req); err != nil {
		return err
	}
	a, err := openArea(ctx, l.req)
	if err != nil {
		return err
	}
	m, err := a.Verify(ctx, id)
	if err != nil {
		return err
	}
	src, err := l.s3Source()
	if err != nil {
		return err
	}
	names := fieldNames(l.req.Schema)
	structure := make([]string, len(names))
	for i, n := range names {
		c := st.column(n)
		if c == nil {
			return sdk.Errorf(sdk.CodeSchema, "load %s: column %q is not in staging %s.%s (the target lacks it: evolve the target's schema first)", id, n, l.db, l.staging)
		}
		structure[i] = quote(n) + " " + c.typ
	}
	cols, exprs := names, columnList(names)
	if lg := l.lineage(); lg != nil {
		cols = append(append([]string(nil), names...), lg.RunIDColumn, lg.LoadedAtColumn)
		exprs += fmt.Sprintf(", %s, toDateTime64(%s, 6, 'UTC')", literal(lg.RunID), literal(l.loadedAt.UTC().Format("2006-01-02 15:04:05.000000")))
	}
	head := fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM ", qualified(l.db, l.staging), columnList(cols), exprs)
	for _, f := range m.Files {
		if f.Rows == 0 {
			continue
		}
		url := a.HTTPURL(id, f.Name)
		if strings.ContainsAny(url, "*?{}") {
			return sdk.Errorf(sdk.CodeConfig, "staging part %s: its URL %s has a glob character (* ? { }) that s3() would expand: choose a sink.staging.prefix without them", f.URI, url)
		}
		var read uint64
		ictx := ch.Context(ctx, ch.WithSettings(partSettings(id, f)), ch.WithProgress(func(p *ch.Progress) { read += p.Rows }))
		if err := l.srv.conn.Exec(detach(ictx), head+src.table(url, strings.Join(structure, ", "))); err != nil {
			return src.fail(err, fmt.Sprintf("load %s: insert %s into staging %s.%s", id, f.URI, l.db, l.staging))
		}
		if int64(read) != f.Rows {
			return sdk.Errorf(sdk.CodeData, "load %s: the server read %d rows from %s, its manifest says %d: nothing was published; rerun the load", id, read, f.URI, f.Rows)
		}
	}
	var rows int64
	if err := l.srv.conn.QueryRow(detach(ctx), "SELECT toInt64(count()) FROM "+qualified(l.db, l.staging)).Scan(&rows); err != nil {
		return classify(fmt.Errorf("count staging %s.%s: %w", l.db, l.staging, err))
	}
	if rows > m.Rows || (rows != m.Rows && !collapses(st.engine)) {
		return sdk.Errorf(sdk.CodeData, "load %s: staging %s.%s holds %d rows after loading %s, its manifest says %d: nothing was published; rerun the load",
			id, l.db, l.staging, rows, a.LoadURI(id), m.Rows)
	}
	return nil
}

// partSettings are the settings of the insert of part f of load id.
func partSettings(id string, f objstage.File) ch.Settings {
	return ch.Settings{
		"async_insert": 0, "insert_deduplicate": 1,
		"insert_deduplication_token": fmt.Sprintf("%s:stage:%s:%s", id, f.Name, f.SHA256),
		// One block per part: its token then stands for all of it.
		"max_insert_threads": 1, "min_insert_block_size_rows": f.Rows, "min_insert_block_size_bytes": 0,
		"max_partitions_per_insert_block": 0,
		// A column the part lacks fails rather than becoming defaults.
		// NULLs in columns that are not Nullable were refused by Write;
		// inside a NULL struct its fields that are not Nullable get their
		// zero values, as the block path stores them.
		"input_format_null_as_default": 1, "input_format_parquet_allow_missing_columns": 0,
		// An endpoint the server cannot reach fails in ~20 s, not after
		// the 500 attempts of 26.x's default (hours of backoff).
		"s3_retry_attempts": 10,
	}
}

// collapses reports whether a MergeTree-family engine may merge rows
// (Replacing, Collapsing, Summing, Aggregating…): staging may then hold
// fewer rows than were inserted.
func collapses(engine string) bool {
	e := strings.TrimPrefix(strings.TrimPrefix(engine, "Replicated"), "Shared")
	return e != "MergeTree"
}

// namedCollection is a server-side named collection name.
var namedCollection = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// s3Source is how the server reaches the staging bucket: a named
// collection (sink.options.s3_named_collection) holding its keys, else
// the staging connection's keys written into the statement, else none
// (the server's own S3 configuration: anonymous access or
// use_environment_credentials).
type s3Source struct {
	collection string
	keys       []string // access key id, secret, session token
	endpoint   string
}

func (l *load) s3Source() (s3Source, error) {
	s := s3Source{collection: l.opts.S3NamedCollection, endpoint: l.req.Staging.Endpoint}
	if s.endpoint == "" {
		s.endpoint = "the S3 endpoint"
	}
	if s.collection != "" {
		if !namedCollection.MatchString(s.collection) {
			return s, sdk.Errorf(sdk.CodeConfig, "clickhouse sink options: s3_named_collection %q is not a named collection's name", s.collection)
		}
		return s, nil
	}
	cr := l.req.Staging.Credentials
	if id := cr["access_key_id"]; id != "" {
		s.keys = []string{id, cr["secret_access_key"]}
		if tok := cr["session_token"]; tok != "" {
			s.keys = append(s.keys, tok)
		}
	}
	return s, nil
}

// table renders the s3() table function reading url. Its text holds the
// keys: it is never logged nor put into an error (fail redacts).
func (s s3Source) table(url, structure string) string {
	if s.collection != "" {
		return fmt.Sprintf("s3(%s, url = %s, format = 'Parquet', structure = %s)", quote(s.collection), literal(url), literal(structure))
	}
	args := []string{literal(url)}
	for _, k := range s.keys {
		args = append(args, literal(k))
	}
	args = append(args, "'Parquet'", literal(structure))
	return "s3(" + strings.Join(args, ", ") + ")"
}

// redact replaces the keys in text.
func (s s3Source) redact(text string) string {
	for _, k := range s.keys {
		if k != "" {
			text = strings.ReplaceAll(text, k, "[HIDDEN]")
		}
	}
	return text
}

// ClickHouse error codes of a failed fetch from object storage.
const (
	errS3                  = 499
	errNetwork             = 210
	errSocketTimeout       = 209
	errRemoteIO            = 86
	errDNS                 = 198
	errAllConnectionsTried = 279
	errPoco                = 1000
)

// fail is the error of a failed s3() insert, its keys redacted (the
// server's message or a syntax error may quote the statement), not
// wrapping err. A failed fetch says where the server fetches from.
func (s s3Source) fail(err error, what string) error {
	coded := classify(err)
	msg := s.redact(err.Error())
	code := sdk.CodeOf(coded)
	if ex := exceptionOf(err); ex != nil {
		switch ex.Code {
		case errS3, errNetwork, errSocketTimeout, errRemoteIO, errDNS, errAllConnectionsTried, errPoco:
			code = sdk.CodeUnavailable
			msg += fmt.Sprintf(" (the ClickHouse server fetches the parts itself from %s: sink.staging.endpoint must be reachable from the server, not only from the plugin, and the staging keys or sink.options.s3_named_collection must let it read the bucket)", s.endpoint)
		}
	}
	return sdk.Errorf(code, "%s: %s", what, msg)
}
