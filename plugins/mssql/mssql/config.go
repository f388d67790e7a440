package mssql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	mssqldb "github.com/microsoft/go-mssqldb"
	"github.com/microsoft/go-mssqldb/msdsn"

	"github.com/dpone-go/dpone/sdk"
)

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "dsn": {"type": "string", "description": "SQL Server connection string, e.g. sqlserver://user:pass@host:1433?database=db"}
  },
  "required": ["dsn"],
  "additionalProperties": false
}`

// Config is the connection config: the fields of the manifest's connection.
type Config struct {
	DSN string `json:"dsn"`
}

// parseConfig decodes and checks a config; the DSN is parsed once here so a
// malformed one is a CONFIG error before any dial.
func parseConfig(raw json.RawMessage) (Config, msdsn.Config, error) {
	var c Config
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return c, msdsn.Config{}, err
	}
	if strings.TrimSpace(c.DSN) == "" {
		return c, msdsn.Config{}, sdk.Errorf(sdk.CodeConfig, "mssql config: dsn is empty: set it to sqlserver://user:pass@host:1433?database=db")
	}
	p, err := msdsn.Parse(c.DSN)
	if err != nil {
		// The parse error may echo the password: do not wrap it.
		return c, msdsn.Config{}, sdk.Errorf(sdk.CodeConfig, "mssql config: dsn is not a valid SQL Server connection string (sqlserver://user:pass@host:1433?database=db)")
	}
	return c, p, nil
}

// open returns a pool for one call; the caller closes it.
func open(ctx context.Context, raw json.RawMessage) (*sql.DB, error) {
	c, p, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	conn, err := mssqldb.NewConnector(c.DSN)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "mssql config: dsn is not a valid SQL Server connection string")
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classifyConnect(fmt.Errorf("connect to %s:%d/%s: %w", p.Host, p.Port, p.Database, err))
	}
	return db, nil
}

// Check connects and runs SELECT 1.
func (c *Connector) Check(ctx context.Context, config json.RawMessage) error {
	db, err := open(ctx, config)
	if err != nil {
		return err
	}
	defer db.Close()
	var one int
	if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return classify(fmt.Errorf("check: %w", err))
	}
	return nil
}
