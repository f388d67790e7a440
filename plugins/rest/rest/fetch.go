package rest

import (
	"context"
	"encoding/json"
	"errors"
	"hash/maphash"
	"net/url"
	"strings"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/jsonlex"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"

	"github.com/dpone-go/dpone/plugins/rest/rest/page"
)

// pageHooks receive what one pagination finds.
type pageHooks struct {
	// record gets each record of a page, raw, as it is decoded; raw is
	// valid during the call only.
	record func(raw []byte) error
	// pageEnd runs after each page's body is read and closed.
	pageEnd func() error
	// maxPages stops after this many pages (0: all), for samples.
	maxPages int
}

// fetch walks every page of res for one set of template vars (the whole
// resource, or one parent of a child resource), with its own pager.
func (c *client) fetch(ctx context.Context, res *Resource, v vars, h pageHooks) error {
	first, err := c.firstRequest(res, v)
	if err != nil {
		return err
	}
	g := newPager(&res.Paginator, res.Name)
	recordsPath, err := page.Compile(res.RecordsPath)
	if err != nil {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: records_path: %w", res.Name, err)
	}
	n := 0
	var sum maphash.Hash // a digest of each page's records, for loop detection
	scan := &page.Scan{Records: recordsPath, Wants: res.Paginator.wants(), OnRecord: func(raw []byte) error {
		n++
		sum.Write(raw)
		return h.record(raw)
	}}
	reqFor := func(g *pager) (request, error) {
		r := first
		if g.nextURL != "" {
			r.url = g.nextURL
			return r, nil
		}
		var err error
		r.url, err = withParams(first.url, g.params())
		return r, err
	}
	// The next page is requested while this one is decoded where that
	// request does not depend on the body; not for the pages of a child's
	// parent, whose pageEnd hook sends the children's requests (one
	// request in flight from the hooks and one ahead would share the
	// client concurrently).
	canPrefetch := h.pageEnd == nil && h.maxPages == 0
	var ahead *prefetch
	defer func() { ahead.discard() }()
	for pages := 0; ; pages++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := reqFor(g)
		if err != nil {
			return err
		}
		if err := g.visit(r); err != nil {
			return err
		}
		var resp response
		used := ahead
		if ahead.matches(r) {
			resp, err = ahead.wait()
		} else {
			ahead.discard()
			used = nil
			resp, err = c.do(ctx, r, res.Name, res.Status)
		}
		ahead = nil
		if err != nil {
			used.release()
			return err
		}
		if resp.action == actionEnd {
			used.release()
			return nil
		}
		if next, ok := g.guess(); ok && canPrefetch && resp.action != actionSkip {
			if nr, err := reqFor(&next); err == nil {
				ahead = c.prefetch(ctx, nr, res)
			}
		}
		n = 0
		sum.Reset()
		if resp.action != actionSkip {
			err = scan.Read(resp.resp.Body)
			drain(resp.resp) // the rest of the body, so the connection is reused
			used.release()
			var (
				je *jsonlex.Error
				re *jsonlex.ReadError
			)
			switch {
			case err != nil && ctx.Err() != nil:
				return ctx.Err()
			case errors.As(err, &je):
				return sdk.Errorf(sdk.CodeData, "resource %q: %s %s: %v: the API sent a broken page; try again, and report it to the API's owner if it persists",
					res.Name, r.method, auth.RedactURL(r.url, c.cfg.Auth.QueryKey()), je)
			case errors.As(err, &re):
				return sdk.Errorf(sdk.CodeUnavailable, "resource %q: %s %s: %v: the connection broke mid-page; try again, or raise timeout if the API is slow",
					res.Name, r.method, auth.RedactURL(r.url, c.cfg.Auth.QueryKey()), re)
			case err != nil:
				return err
			}
		} else {
			used.release()
			scan.Captured = make([]json.RawMessage, wantCount)
		}
		if h.pageEnd != nil {
			if err := h.pageEnd(); err != nil {
				return err
			}
		}
		if h.maxPages > 0 && pages+1 >= h.maxPages {
			return nil
		}
		if resp.action == actionSkip {
			if !g.skip() {
				return nil
			}
			continue
		}
		if scan.PageRecords >= 0 { // a filtered array: its length and text decide
			n = scan.PageRecords
			sum.Reset()
			sum.Write(scan.PageBody)
		}
		header := resp.header()
		more, err := g.advance(r.url, header, scan.Captured, n, sum.Sum64())
		if err != nil || !more {
			return err
		}
	}
}

// firstRequest renders the resource's first request.
func (c *client) firstRequest(res *Resource, v vars) (request, error) {
	path, err := v.render(res.Path, res.Name, pathEscape)
	if err != nil {
		return request{}, err
	}
	u := path
	if !strings.HasPrefix(path, "http://") && !strings.HasPrefix(path, "https://") {
		u = strings.TrimRight(c.cfg.BaseURL, "/") + "/" + strings.TrimLeft(path, "/")
	}
	params := map[string]string{}
	for k, val := range c.cfg.Params {
		params[k] = val
	}
	for k, val := range res.Params {
		if params[k], err = v.render(val, res.Name, noEscape); err != nil {
			return request{}, err
		}
	}
	if inc := res.Incremental; inc != nil && inc.Param != "" && v.cursor != "" {
		params[inc.Param] = v.cursor
	}
	if u, err = withParams(u, params); err != nil {
		return request{}, err
	}
	r := request{method: res.Method, url: u, headers: map[string]string{}}
	for k, val := range res.Headers {
		if r.headers[k], err = v.render(val, res.Name, noEscape); err != nil {
			return request{}, err
		}
	}
	if len(res.Body) > 0 {
		body, err := v.render(string(res.Body), res.Name, jsonEscape)
		if err != nil {
			return request{}, err
		}
		r.body = []byte(body)
	}
	if inc := res.Incremental; inc != nil && inc.BodyField != "" && v.cursor != "" {
		if r.body, err = setBodyField(r.body, inc.BodyField, v.cursor); err != nil {
			return request{}, sdk.Errorf(sdk.CodeConfig, "resource %q: incremental.body_field: %w", res.Name, err)
		}
	}
	return r, nil
}

// withParams adds params to the query of u (replacing same-named ones).
func withParams(u string, params map[string]string) (string, error) {
	if len(params) == 0 {
		return u, nil
	}
	parsed, err := parseURL(u)
	if err != nil {
		return "", err
	}
	q := parsed.Query()
	for k, v := range params {
		q.Set(k, v)
	}
	parsed.RawQuery = q.Encode()
	return parsed.String(), nil
}

func parseURL(u string) (*url.URL, error) {
	p, err := url.Parse(u)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "URL %q: %v", auth.RedactURL(u, ""), err)
	}
	return p, nil
}

// setBodyField sets a top-level field of a JSON object body.
func setBodyField(body []byte, field, value string) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, errors.New("the body is not a JSON object")
		}
	}
	v, _ := json.Marshal(value)
	m[field] = v
	return json.Marshal(m)
}
