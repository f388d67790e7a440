package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/dpone-go/dpone/sdk"
)

// Inserts over ClickHouse's HTTP interface: the only one that takes an
// input format (FORMAT Parquet) with the data streamed as the request
// body. User, password and database are the DSN's, sent as headers (never
// in the URL); TLS when http_url is https, with the DSN's TLS settings.

// More ClickHouse error codes (src/Common/ErrorCodes.cpp): values the
// Parquet reader refuses are the data's fault.
const (
	errValueOutOfRange = 321 // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
	errNullInNotNull   = 349 // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
	errIncorrectData   = 117 // INCORRECT_DATA
	errRequiredPasswd  = 194 // REQUIRED_PASSWORD: a wrong password, over HTTP
)

// parseHTTPURL checks a connection's http_url.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: http_url %q: want http://host:8123 or https://host:8443, the server's HTTP interface, without user, password or query (they come from the dsn)", redactURL(raw))
	}
	return u, nil
}

// redactURL hides a password a malformed http_url may carry.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		return "…" + raw[at:]
	}
	return raw
}

// httpInserter posts inserts to one server's HTTP interface.
type httpInserter struct {
	base     *url.URL
	client   *http.Client
	user     string
	password string
	database string
}

func newHTTPInserter(raw string, o *ch.Options) (*httpInserter, error) {
	u, err := parseHTTPURL(raw)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:       http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{Timeout: o.DialTimeout}).DialContext,
	}
	if o.TLS != nil {
		tr.TLSClientConfig = o.TLS.Clone()
	}
	return &httpInserter{base: u, client: &http.Client{Transport: tr}, user: o.Auth.Username, password: o.Auth.Password, database: o.Auth.Database}, nil
}

func (h *httpInserter) close() { h.client.CloseIdleConnections() }

// insert runs query (… FORMAT Parquet) with the file at path as its
// input, streamed, and returns the rows the server wrote and the bytes
// sent. A cancelled ctx kills the query on the server (srv), which ends
// the request; the connection itself is not dropped mid-request.
func (h *httpInserter) insert(ctx context.Context, srv *server, query, token, path string) (rows, size int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, sdk.WithCode(sdk.CodeUnavailable, fmt.Errorf("insert %s: %w", path, err))
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, sdk.Errorf(sdk.CodeNotFound, "open %s: %w (the source named it: was it moved or deleted?)", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, sdk.Errorf(sdk.CodeNotFound, "stat %s: %w", path, err)
	}
	qctx, id := withQueryID(ctx)
	params := url.Values{"query": {query}, "query_id": {id}, "database": {h.database},
		// The server reports a failure in the status, after the insert
		// ended, and NULLs, missing columns or out-of-range dates fail
		// as they do in the Arrow path rather than turning into
		// defaults or clamped values.
		"wait_end_of_query":                          {"1"},
		"wait_for_async_insert":                      {"1"},
		"input_format_null_as_default":               {"0"},
		"input_format_parquet_allow_missing_columns": {"0"},
		"date_time_overflow_behavior":                {"throw"},
	}
	for k, v := range insertSettings(token) {
		params.Set(k, fmt.Sprint(v))
	}
	u := *h.base
	u.RawQuery = params.Encode()
	req, err := http.NewRequestWithContext(detach(qctx), http.MethodPost, u.String(), f)
	if err != nil {
		return 0, 0, sdk.Errorf(sdk.CodeConfig, "http_url %s: %w", h.base.Redacted(), err)
	}
	req.ContentLength = fi.Size()
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-ClickHouse-User", h.user)
	if h.password != "" {
		req.Header.Set("X-ClickHouse-Key", h.password)
	}
	stop := context.AfterFunc(ctx, func() { _ = srv.kill(id) })
	defer stop()
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the whole URL, query and all
		}
		return 0, fi.Size(), classify(fmt.Errorf("post to %s: %w", h.base.Redacted(), err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
		return 0, fi.Size(), h.httpError(ctx, resp, body)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, fi.Size(), classify(fmt.Errorf("read the answer of %s: %w", h.base.Redacted(), err))
	}
	var sum struct {
		Written string `json:"written_rows"`
	}
	raw := resp.Header.Get("X-ClickHouse-Summary")
	if err := json.Unmarshal([]byte(raw), &sum); err != nil {
		return 0, fi.Size(), sdk.Errorf(sdk.CodeInternal, "the server's answer has no X-ClickHouse-Summary (%q): cannot tell how many rows it wrote", raw)
	}
	n, err := strconv.ParseInt(sum.Written, 10, 64)
	if err != nil {
		return 0, fi.Size(), sdk.Errorf(sdk.CodeInternal, "X-ClickHouse-Summary %q: written_rows is not a number", raw)
	}
	return n, fi.Size(), nil
}

// ping runs SELECT 1 through the HTTP interface with the dsn's user and
// password: Check's proof that http_url is the server's HTTP interface and
// accepts the credentials, before a passthrough needs it.
func (h *httpInserter) ping(ctx context.Context) error {
	u := *h.base
	u.RawQuery = url.Values{"query": {"SELECT 1"}, "database": {h.database}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return sdk.Errorf(sdk.CodeConfig, "http_url %s: %w", h.base.Redacted(), err)
	}
	req.Header.Set("X-ClickHouse-User", h.user)
	if h.password != "" {
		req.Header.Set("X-ClickHouse-Key", h.password)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return classify(fmt.Errorf("http_url %s: %w", h.base.Redacted(), err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("http_url: %w", h.httpError(ctx, resp, body))
	}
	if strings.TrimSpace(string(body)) != "1" {
		return sdk.Errorf(sdk.CodeConfig, "http_url %s answered SELECT 1 with %q: is it the server's HTTP interface (port 8123 by default)?", h.base.Redacted(), truncate(string(body), 80))
	}
	return nil
}

// truncate cuts s to at most n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// httpError is the error of a failed insert: the server's exception
// (X-ClickHouse-Exception-Code and the body's text) classified as the
// native path's are, or the HTTP status. The password never appears.
func (h *httpInserter) httpError(ctx context.Context, resp *http.Response, body []byte) error {
	msg, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n") // the first line says it
	if h.password != "" {
		msg = strings.ReplaceAll(msg, h.password, "***")
	}
	if err := ctx.Err(); err != nil {
		return sdk.WithCode(sdk.CodeUnavailable, fmt.Errorf("%w: the insert was killed: %s", err, msg))
	}
	if code, err := strconv.Atoi(resp.Header.Get("X-ClickHouse-Exception-Code")); err == nil {
		ex := &ch.Exception{Code: int32(code), Message: msg}
		switch code {
		case errValueOutOfRange, errNullInNotNull, errIncorrectData:
			return sdk.WithCode(sdk.CodeData, ex)
		case errRequiredPasswd:
			return sdk.WithCode(sdk.CodeAuth, ex)
		}
		return classify(ex)
	}
	code := sdk.CodeInternal
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		code = sdk.CodeAuth
	case resp.StatusCode == http.StatusNotFound:
		code = sdk.CodeConfig
		msg += " (is http_url the server's HTTP interface, port 8123 by default?)"
	case resp.StatusCode >= 500:
		code = sdk.CodeUnavailable
	}
	return sdk.Errorf(code, "%s answered %s: %s", h.base.Redacted(), resp.Status, msg)
}
