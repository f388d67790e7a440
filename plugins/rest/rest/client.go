package rest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"
)

// client sends the requests of one Read: auth, rate limit, retries.
type client struct {
	cfg    *Config
	httpc  *http.Client
	auth   *auth.Authorizer
	bucket *bucket
	// sleep waits d or until ctx ends (tests observe the waits).
	sleep func(ctx context.Context, d time.Duration) error
	// requests counts the requests sent, retries included.
	requests int
}

// request is one API call.
type request struct {
	method  string
	url     string
	body    []byte
	headers map[string]string
}

// response is a successful call, or the action a status mapped to.
type response struct {
	resp   *http.Response // nil for skip and end
	action string         // "" (records), skip or end
}

func newClient(cfg *Config, lim *limiters, refreshToken string) (*client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in, documented as tests only
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, sdk.Errorf(sdk.CodeConfig, "config: ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	httpc := &http.Client{Transport: tr, Timeout: cfg.timeout}
	host := ""
	if u, err := parseURL(cfg.BaseURL); err == nil {
		host = u.Host
	}
	return &client{
		cfg:    cfg,
		httpc:  httpc,
		auth:   auth.NewAuthorizer(&cfg.Auth, httpc, refreshToken),
		bucket: lim.get(host, cfg.RateLimit, cfg.RateBurst),
		sleep:  sleepCtx,
	}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// do sends r, retrying as the policy says, and returns the response of
// a 2xx status (the caller closes its body) or the skip/end action a
// status mapped to. status is the resource's own status map.
func (c *client) do(ctx context.Context, r request, resource string, status map[string]string) (response, error) {
	where := fmt.Sprintf("resource %q: %s %s", resource, r.method, auth.RedactURL(r.url, c.cfg.Auth.QueryKey()))
	refreshed, force := false, false
	for attempt := 0; ; attempt++ {
		if err := c.bucket.wait(ctx); err != nil {
			return response{}, err
		}
		req, err := http.NewRequestWithContext(ctx, r.method, r.url, bytes.NewReader(r.body))
		if err != nil {
			return response{}, sdk.Errorf(sdk.CodeConfig, "%s: %v", where, err)
		}
		c.header(req, r)
		if err := c.auth.Sign(ctx, req, force); err != nil {
			return response{}, err
		}
		force = false
		c.requests++
		resp, err := c.httpc.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return response{}, ctx.Err()
			}
			if attempt >= c.cfg.Retry.maxRetries {
				var oe *net.OpError
				if errors.As(err, &oe) && oe.Op == "dial" {
					return response{}, sdk.Errorf(sdk.CodeConnect, "%s: %v: check base_url and that the API is reachable", where, transportError(err))
				}
				return response{}, sdk.Errorf(sdk.CodeUnavailable, "%s: %v after %d retries: check the API is up, or raise retry.max_retries or timeout", where, transportError(err), attempt)
			}
			if err := c.sleep(ctx, c.backoff(attempt)); err != nil {
				return response{}, err
			}
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return response{resp: resp}, nil
		}
		drain(resp)
		action := statusAction(resp.StatusCode, status, c.cfg.Retry.Status)
		if resp.StatusCode == http.StatusUnauthorized && c.cfg.Auth.Type == "oauth2" && !refreshed && action == actionFail {
			refreshed, force = true, true // the token expired early or was revoked: fetch one more
			continue
		}
		switch action {
		case actionSkip, actionEnd:
			return response{action: action}, nil
		case actionRetry:
			if attempt < c.cfg.Retry.maxRetries {
				wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
				if !ok {
					wait = c.backoff(attempt)
				}
				if err := c.sleep(ctx, min(wait, c.cfg.Retry.maxBackoff)); err != nil {
					return response{}, err
				}
				continue
			}
			return response{}, statusError(where, resp.StatusCode, fmt.Sprintf(" after %d retries", attempt))
		}
		return response{}, statusError(where, resp.StatusCode, "")
	}
}

// header sets the client's, the resource's and the request's headers.
func (c *client) header(req *http.Request, r request) {
	ua := c.cfg.UserAgent
	if ua == "" {
		ua = "dpone-connector-rest/" + Version
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "application/json")
	if len(r.body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
}

// backoff is the wait before retry attempt+1: exponential from
// retry.backoff, capped at max_backoff, with jitter (half to all of it).
func (c *client) backoff(attempt int) time.Duration {
	d := c.cfg.Retry.backoff << min(attempt, 20)
	if d <= 0 || d > c.cfg.Retry.maxBackoff {
		d = c.cfg.Retry.maxBackoff
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// retryAfter parses a Retry-After header: seconds or an HTTP date. Zero,
// negative, past or unparsable values are not a wait (the caller backs
// off exponentially instead: a Retry-After of 0 must not burn every retry
// at once).
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(h); err == nil {
		if secs <= 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0, false
	}
	return d, true
}

// statusAction is what a non-2xx status means: the resource's map, then
// the client's ("404" before "4xx"), then the default: retry 408, 429
// and 5xx, fail the rest.
func statusAction(code int, maps ...map[string]string) string {
	exact := strconv.Itoa(code)
	class := exact[:1] + "xx"
	for _, m := range maps {
		if a, ok := m[exact]; ok {
			return a
		}
		if a, ok := m[class]; ok {
			return a
		}
	}
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		return actionRetry
	}
	return actionFail
}

// statusError codes a failed status.
func statusError(where string, code int, retries string) error {
	text := http.StatusText(code)
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return sdk.Errorf(sdk.CodeAuth, "%s: status %d %s: check the credentials in auth", where, code, text)
	case code == http.StatusTooManyRequests:
		return sdk.Errorf(sdk.CodeRateLimited, "%s: status %d %s%s: lower rate_limit or raise retry.max_retries", where, code, text, retries)
	case code == http.StatusNotFound:
		return sdk.Errorf(sdk.CodeNotFound, "%s: status %d %s: check path, or map it with status: {\"404\": end}", where, code, text)
	case code >= 500 || code == http.StatusRequestTimeout:
		return sdk.Errorf(sdk.CodeUnavailable, "%s: status %d %s%s: the API is failing; try again later or raise retry.max_retries", where, code, text, retries)
	}
	return sdk.Errorf(sdk.CodeConfig, "%s: status %d %s: the API refused the request; check path, params and body", where, code, text)
}

// transportError is a short form of a transport error.
func transportError(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out")
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe
	}
	return errors.Unwrap(err)
}

// drain reads and closes a body we do not use, so the connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// header is the response's header (empty for skip and end).
func (r response) header() http.Header {
	if r.resp == nil {
		return http.Header{}
	}
	return r.resp.Header
}
