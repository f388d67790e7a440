package postgres

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dpone-go/dpone/sdk"
)

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "dsn": {"type": "string", "description": "PostgreSQL connection URL or keyword/value string, e.g. postgres://user:pass@host:5432/db?sslmode=disable"}
  },
  "required": ["dsn"],
  "additionalProperties": false
}`

// Config is the connection config: the fields of the manifest's connection.
type Config struct {
	DSN string `json:"dsn"`
}

// defaultConnectTimeout applies when the DSN sets no connect_timeout.
const defaultConnectTimeout = 15 * time.Second

func parseConfig(raw json.RawMessage) (*pgx.ConnConfig, error) {
	var c Config
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.DSN) == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: dsn is empty")
	}
	cc, err := pgx.ParseConfig(c.DSN)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: dsn is not a valid PostgreSQL connection string: %s "+
			"(want postgres://user:password@host:5432/db?sslmode=disable or host=... dbname=...)", dsnParseReason(c.DSN, err))
	}
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = defaultConnectTimeout
	}
	cc.BuildFrontend = bufferedFrontend
	return cc, nil
}

// connect opens one connection for one call.
func connect(ctx context.Context, raw json.RawMessage) (*pgx.Conn, error) {
	cc, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, classifyConnect(fmt.Errorf("connect to %s:%d/%s: %w", cc.Host, cc.Port, cc.Database, err))
	}
	return conn, nil
}

// Check connects and runs select 1.
func (c *Connector) Check(ctx context.Context, config json.RawMessage) error {
	conn, err := connect(ctx, config)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil {
		return classify(fmt.Errorf("check: %w", err))
	}
	return nil
}

// dsnParseReason is why pgx could not parse dsn, without the DSN itself:
// pgx's message quotes it (password redacted only on a best-effort basis)
// and url.Parse's error quotes it whole.
func dsnParseReason(dsn string, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	reason := err.Error()
	if i := strings.LastIndex(reason, "`: "); i >= 0 {
		reason = reason[i+3:]
	}
	return strings.ReplaceAll(reason, dsn, "<dsn>")
}

// classifyConnect codes an error from opening a connection: server errors by
// SQLSTATE; a server that cannot be reached now (connection refused or
// reset, DNS failure, network unreachable, timeout: a restart, a failover)
// as UNAVAILABLE, retryable; everything else (TLS, protocol) as CONNECT.
func classifyConnect(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return classify(err)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if unreachable(err) {
		return coded(sdk.CodeUnavailable, err)
	}
	return sdk.WithCode(sdk.CodeConnect, err)
}

// unreachable reports whether err means the server could not be reached
// at this moment, as opposed to a setup that can never work.
func unreachable(err error) bool {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.ETIMEDOUT):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return true // connect_timeout: the server did not answer in time
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true // the server closed the connection during startup (shutting down)
	}
	return false
}

// classify codes an error from a connection in use by its SQLSTATE; lost
// connections are UNAVAILABLE (retryable).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return coded(pgCode(pe.Code), err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		return coded(sdk.CodeUnavailable, err)
	}
	return err
}

func coded(code sdk.Code, err error) error {
	return &sdk.Error{Code: code, Retryable: code == sdk.CodeUnavailable, Err: err}
}

// pgCode maps a SQLSTATE to a dpone error code.
func pgCode(state string) sdk.Code {
	switch state {
	case "28P01", "28000", "42501":
		return sdk.CodeAuth
	case "3D000":
		return sdk.CodeConfig // the database named in the dsn does not exist
	case "42P01", "3F000":
		return sdk.CodeNotFound
	case "42703", "42804", "42P10", "42846", "42P16":
		return sdk.CodeSchema
	case "42601", "42883", "42P18":
		return sdk.CodeConfig
	case "57P01", "57P02", "57P03", "40001", "40P01", "55P03":
		return sdk.CodeUnavailable
	}
	switch {
	case strings.HasPrefix(state, "22"), strings.HasPrefix(state, "23"):
		return sdk.CodeData
	case strings.HasPrefix(state, "08"), strings.HasPrefix(state, "53"):
		return sdk.CodeUnavailable
	}
	return sdk.CodeInternal
}

// ident quotes an SQL identifier.
func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

// qualified quotes schema.name; an empty schema means the search_path.
func qualified(schema, name string) string {
	if schema == "" {
		return ident(name)
	}
	return pgx.Identifier{schema, name}.Sanitize()
}

// literal quotes a string constant (standard_conforming_strings is on).
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// readBufferBytes is how much a connection reads from its socket at once.
// pgx reads 8 KiB at a time; a COPY TO of a large table then spends more
// CPU in read syscalls than in anything else the plugin does (0.42 of 2.5
// CPU seconds for 5M rows, 950 MB).
const readBufferBytes = 256 << 10

// bufferedFrontend is pgx's frontend reading through a larger buffer. The
// buffer sits above pgconn's background reader, so what that reader
// returns reaches the frontend in the same order.
func bufferedFrontend(r io.Reader, w io.Writer) *pgproto3.Frontend {
	return pgproto3.NewFrontend(bufio.NewReaderSize(r, readBufferBytes), w)
}
