package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dpone-go/dpone/internal/cli"
)

// pluginDir holds the connector binaries the scripts use: $DPONE_PLUGIN_DIR
// (make test builds them into ./bin), else binaries built by TestMain.
var pluginDir string

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"dpone": func() int {
			ctx, stop := signalContext()
			defer stop()
			return cli.RunWith(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, "test", cli.Options{Hooks: faultHooks()})
		},
	}))
}

// buildPlugins builds every plugin into a temporary directory when
// DPONE_PLUGIN_DIR is not set.
func buildPlugins(t *testing.T) string {
	if d := os.Getenv("DPONE_PLUGIN_DIR"); d != "" {
		return d
	}
	if pluginDir != "" {
		return pluginDir
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	dir := t.TempDir()
	names := []string{"file", "duckdb", "postgres", "clickhouse", "rest", "kafka"}
	if os.Getenv("DPONE_TEST_MSSQL_DSN") != "" {
		names = append(names, "mssql") // only where a SQL Server runs
	}
	if os.Getenv("DPONE_TEST_BIGQUERY_ENDPOINT") != "" {
		names = append(names, "bigquery") // make test-bigquery (the emulator)
	}
	for _, name := range names {
		cmd := exec.Command("go", "build", "-tags=duckdb_arrow", "-o", filepath.Join(dir, "dpone-connector-"+name), ".")
		cmd.Dir = filepath.Join(root, "plugins", name)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build plugin %s: %v\n%s", name, err, out)
		}
	}
	pluginDir = dir
	return dir
}

// buildRestTestAPI builds the rest connector's test API server, which
// scripts start in the background (exec dpone-rest-testapi serve ... &).
func buildRestTestAPI(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir, "./cmd/dpone-rest-testapi")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "plugins", "rest")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build dpone-rest-testapi: %v\n%s", err, out)
	}
	return dir
}

func TestScripts(t *testing.T) {
	plugins := buildPlugins(t)
	tools := buildRestTestAPI(t)
	pgDSN := os.Getenv("DPONE_TEST_PG_DSN")
	chDSN, chHTTP := os.Getenv("DPONE_TEST_CH_DSN"), os.Getenv("DPONE_TEST_CH_HTTP")
	msDSN := os.Getenv("DPONE_TEST_MSSQL_DSN") // no SQL Server runs here: set only where one does
	kafka := os.Getenv("DPONE_TEST_KAFKA_BROKERS")
	bqEndpoint := os.Getenv("DPONE_TEST_BIGQUERY_ENDPOINT") // the emulator of make test-bigquery
	registry := os.Getenv("DPONE_TEST_SCHEMA_REGISTRY_URL") // served by scripts/kafka.sh's broker
	// Not defer: the scripts are parallel subtests, which run after this
	// function returns; Cleanup runs after they all finished.
	t.Cleanup(removeFaultPlugins)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DPONE_PLUGIN_DIR", plugins)
			env.Setenv("PATH", tools+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("HOME", env.WorkDir)
			if chDSN != "" {
				env.Setenv("CH_HTTP", chHTTP)
				env.Setenv("DPONE_CONN_CH_DSN", chDSN)
			}
			if msDSN != "" {
				b := make([]byte, 4)
				_, _ = rand.Read(b)
				env.Setenv("DPONE_CONN_MS_DSN", msDSN)
				env.Setenv("MS_SCHEMA", "script_"+hex.EncodeToString(b))
			}
			if bqEndpoint != "" {
				env.Setenv("BQ_ENDPOINT", bqEndpoint)
				env.Setenv("DPONE_CONN_BQ_PROJECT", os.Getenv("DPONE_TEST_BIGQUERY_PROJECT"))
				env.Setenv("DPONE_CONN_BQ_DATASET", os.Getenv("DPONE_TEST_BIGQUERY_DATASET"))
				env.Setenv("DPONE_CONN_BQ_BUCKET", os.Getenv("DPONE_TEST_BIGQUERY_BUCKET"))
				env.Setenv("DPONE_CONN_BQ_ENDPOINT", bqEndpoint)
				env.Setenv("DPONE_CONN_BQ_GCS_ENDPOINT", os.Getenv("DPONE_TEST_GCS_ENDPOINT"))
			}
			if kafka != "" {
				// The broker is shared by every script: each names its
				// topics with a suffix of its own (see expand).
				env.Setenv("DPONE_CONN_KAFKA_BROKERS", kafka)
				b := make([]byte, 4)
				_, _ = rand.Read(b)
				env.Setenv("KAFKA_SUFFIX", hex.EncodeToString(b))
				if registry != "" {
					env.Setenv("DPONE_CONN_KAFKA_SCHEMA_REGISTRY_URL", registry)
				}
			}
			setupVault(env)
			env.Setenv("S3_ENDPOINT", os.Getenv("DPONE_TEST_S3_ENDPOINT")) // gofakes3, bucket dpone-test
			if pgDSN == "" {
				return nil
			}
			dsn, cleanup, err := scratchDatabase(pgDSN)
			if err != nil {
				return err
			}
			env.Defer(cleanup)
			env.Setenv("PG_DSN", dsn)
			env.Setenv("DPONE_CONN_PG_DSN", dsn)
			// The same database with a password in the DSN (the test
			// server trusts local users and ignores it): secrets_grep
			// proves dpone writes it nowhere.
			env.Setenv("PG_DSN_WITH_SECRET", strings.Replace(dsn, "@", ":"+testSecret+"@", 1))
			env.Setenv("TEST_SECRET", testSecret)
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "pg":
				return pgDSN != "", nil
			case "ch":
				return chDSN != "" && chHTTP != "", nil
			case "mssql":
				return msDSN != "", nil
			case "kafka":
				return kafka != "", nil
			case "bigquery":
				return bqEndpoint != "", nil
			case "registry":
				return kafka != "" && registry != "", nil
			case "s3":
				return os.Getenv("DPONE_TEST_S3_ENDPOINT") != "", nil
			case "vault":
				return os.Getenv("DPONE_TEST_VAULT_ADDR") != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitfile":     cmdWaitFile,
			"psql":         cmdPsql,
			"chq":          cmdChq,
			"plandiff":     cmdPlanDiff,
			"exitcode":     cmdExitCode,
			"expand":       cmdExpand,
			"pgserver":     cmdPgServer,
			"chserver":     cmdChServer,
			"sigcont":      cmdSigcont,
			"nosecret":     cmdNoSecret,
			"setfield":     cmdSetField,
			"envfile":      cmdEnvFile,
			"orchestrate":  cmdOrchestrate,
			"olreceiver":   cmdOLReceiver,
			"olevents":     cmdOLEvents,
			"chromium":     cmdChromium,
			"runid":        cmdRunID,
			"faultplugins": cmdFaultPlugins,
			"parquet":      cmdParquet,
			"vaultkv":      cmdVaultKV,
		},
	})
}

// scratchDatabase creates a database of its own for one script.
func scratchDatabase(admin string) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to test PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "script_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return "", nil, err
	}
	dsn := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	cleanup := func() {
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	return dsn, cleanup, nil
}

// envfile VAR PATH: set VAR to the contents of PATH (trimmed), e.g. the
// URL a background server wrote.
func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: envfile VAR PATH")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile(args[1])))
}

// waitfile PATH [SECONDS]: wait until PATH exists (default 60 s).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 {
		ts.Fatalf("usage: waitfile PATH [SECONDS]")
	}
	limit := 60 * time.Second
	if len(args) > 1 {
		d, err := time.ParseDuration(args[1] + "s")
		ts.Check(err)
		limit = d
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			if neg {
				ts.Fatalf("%s exists", args[0])
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !neg {
		ts.Fatalf("%s did not appear within %s", args[0], limit)
	}
}

// psql SQL... | psql -f FILE: run SQL against $PG_DSN and print the rows
// (unaligned, tuples only, | separated), like `psql -Atc`. Use -f for SQL
// with string literals: testscript's quoting eats single quotes.
func cmdPsql(ts *testscript.TestScript, neg bool, args []string) {
	dsn := ts.Getenv("PG_DSN")
	if dsn == "" {
		ts.Fatalf("psql: PG_DSN not set (condition [pg] missing?)")
	}
	sql := strings.Join(args, " ")
	if len(args) == 2 && args[0] == "-f" {
		sql = ts.ReadFile(args[1])
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	ts.Check(err)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		for rows.Next() {
			vals := rows.RawValues()
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = string(v)
			}
			fmt.Fprintln(ts.Stdout(), strings.Join(parts, "|"))
		}
		rows.Close()
		err = rows.Err()
	}
	if neg {
		if err == nil {
			ts.Fatalf("psql: unexpected success")
		}
		return
	}
	ts.Check(err)
}

// expand FILE VAR...: replace ${VAR} in FILE with the script's value of
// each VAR named (other ${...} references are left for dpone).
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: expand FILE VAR...")
	}
	text := ts.ReadFile(args[0])
	for _, v := range args[1:] {
		text = strings.ReplaceAll(text, "${"+v+"}", ts.Getenv(v))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(text), 0o644))
}

// sigcont PIDFILE: resume (SIGCONT) the process whose pid is in PIDFILE
// (written by a run stopped with DPONE_TEST_STOP).
func cmdSigcont(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: sigcont PIDFILE")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(ts.ReadFile(args[0])))
	ts.Check(err)
	ts.Check(syscall.Kill(pid, syscall.SIGCONT))
}

// testSecret is the password secrets_grep gives dpone.
const testSecret = "dpone-Secr3t-for-the-grep-test-7c1f"

// nosecret DIR SECRET: fail if any file under DIR holds SECRET, plain or
// base64-encoded (at any of the three alignments).
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: nosecret DIR SECRET")
	}
	forms := [][]byte{[]byte(args[1])}
	for shift := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, shift), args[1]...))
		forms = append(forms, []byte(enc[(8*shift+5)/6:(8*(shift+len(args[1])))/6]))
	}
	files, found := 0, 0
	err := filepath.WalkDir(ts.MkAbs(args[0]), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err // directories, sockets
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, f := range forms {
			if bytes.Contains(b, f) {
				found++
				ts.Logf("%s holds the secret (as %q)", path, f)
				break
			}
		}
		return nil
	})
	ts.Check(err)
	ts.Logf("searched %d files", files)
	if found > 0 && !neg {
		ts.Fatalf("%d file(s) hold the secret", found)
	}
	if found == 0 && neg {
		ts.Fatalf("no file holds the secret")
	}
}

// setfield FILE LINE FIELD VAR: set $VAR to the FIELD-th whitespace
// separated field (from 1) of line LINE (from 1) of FILE, e.g. a load id
// from a table a command printed.
func cmdSetField(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: setfield FILE LINE FIELD VAR")
	}
	line, err := strconv.Atoi(args[1])
	ts.Check(err)
	field, err := strconv.Atoi(args[2])
	ts.Check(err)
	lines := strings.Split(ts.ReadFile(args[0]), "\n")
	if line < 1 || line > len(lines) {
		ts.Fatalf("setfield: %s has no line %d", args[0], line)
	}
	f := strings.Fields(lines[line-1])
	if field < 1 || field > len(f) {
		ts.Fatalf("setfield: line %d of %s has no field %d", line, args[0], field)
	}
	ts.Setenv(args[3], f[field-1])
}
