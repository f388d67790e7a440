package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"

	"github.com/dpone-go/dpone/plugins/rest/rest/page"
)

// Paginator says how to get the next page, and when there is none.
type Paginator struct {
	// Type is none (default), next_url, link_header, cursor, offset or
	// page_number.
	Type string `json:"type"`
	// NextURLPath is where next_url finds the next page's URL; default $.next.
	NextURLPath string `json:"next_url_path"`
	// CursorPath (body) or CursorHeader (response header) is where cursor
	// finds the next token; CursorParam is the query parameter it goes
	// in (default cursor).
	CursorPath   string `json:"cursor_path"`
	CursorHeader string `json:"cursor_header"`
	CursorParam  string `json:"cursor_param"`
	// Limit is the page size offset and page_number ask for (sent in
	// LimitParam, default limit; 0: not sent).
	Limit      int    `json:"limit"`
	LimitParam string `json:"limit_param"`
	// OffsetParam is offset's parameter; default offset.
	OffsetParam string `json:"offset_param"`
	// TotalPath is where offset finds the total record count: it stops
	// when offset reaches it.
	TotalPath string `json:"total_path"`
	// PageParam is page_number's parameter (default page), StartPage its
	// first page (default 1), TotalPagesPath where it finds the page count.
	PageParam      string `json:"page_param"`
	StartPage      *int   `json:"start_page"`
	TotalPagesPath string `json:"total_pages_path"`
	// HasMorePath is a boolean in the body: false stops any paginator.
	HasMorePath string `json:"has_more_path"`
	// StopOnShortPage stops offset and page_number at a page with fewer
	// than limit records (they always stop at an empty page).
	StopOnShortPage bool `json:"stop_on_short_page"`
	// Prefetch has offset and page_number request the next page while the
	// current one is decoded (one page ahead; after the last page one
	// request is sent for nothing); default true.
	Prefetch *bool `json:"prefetch"`
}

// prefetchOn reports whether the next page is requested ahead.
func (p *Paginator) prefetchOn() bool { return p.Prefetch == nil || *p.Prefetch }

// Paginator types.
const (
	pageNone       = "none"
	pageNextURL    = "next_url"
	pageLinkHeader = "link_header"
	pageCursor     = "cursor"
	pageOffset     = "offset"
	pageNumber     = "page_number"
)

var pageTypes = []string{pageNone, pageNextURL, pageLinkHeader, pageCursor, pageOffset, pageNumber}

// check validates the paginator and fills in its defaults.
func (p *Paginator) check(resource string) error {
	if p.Type == "" {
		p.Type = pageNone
	}
	if !slices.Contains(pageTypes, p.Type) {
		return sdk.Errorf(sdk.CodeConfig, "resource %q: paginator.type %q: want one of %s", resource, p.Type, strings.Join(pageTypes, ", "))
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	switch p.Type {
	case pageNextURL:
		def(&p.NextURLPath, "$.next")
	case pageCursor:
		def(&p.CursorParam, "cursor")
		if p.CursorPath == "" && p.CursorHeader == "" {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: paginator cursor needs cursor_path (in the body) or cursor_header", resource)
		}
	case pageOffset:
		def(&p.OffsetParam, "offset")
		def(&p.LimitParam, "limit")
		if p.Limit <= 0 {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: paginator offset needs limit (the page size)", resource)
		}
	case pageNumber:
		def(&p.PageParam, "page")
		def(&p.LimitParam, "limit")
		if p.StartPage == nil {
			one := 1
			p.StartPage = &one
		}
	}
	for _, path := range []string{p.NextURLPath, p.CursorPath, p.TotalPath, p.TotalPagesPath, p.HasMorePath} {
		if _, err := page.ParseKeys(path); err != nil {
			return sdk.Errorf(sdk.CodeConfig, "resource %q: paginator: %w", resource, err)
		}
	}
	return nil
}

// Indexes of the captured body values.
const (
	wantNext = iota
	wantCursor
	wantTotal
	wantTotalPages
	wantHasMore
	wantCount
)

// wants are the body paths a page scan captures for the paginator (nil:
// not wanted).
func (p *Paginator) wants() [][]string {
	w := make([][]string, wantCount)
	set := func(i int, path string) {
		if path != "" {
			w[i], _ = page.ParseKeys(path)
			if w[i] == nil {
				w[i] = []string{} // the root
			}
		}
	}
	if p.Type == pageNextURL {
		set(wantNext, p.NextURLPath)
	}
	if p.Type == pageCursor {
		set(wantCursor, p.CursorPath)
	}
	set(wantTotal, p.TotalPath)
	set(wantTotalPages, p.TotalPagesPath)
	set(wantHasMore, p.HasMorePath)
	for i := range w {
		if w[i] == nil {
			w[i] = []string{"\x00unused"}
		}
	}
	return w
}

// pager walks the pages of one pagination (one resource, or one parent of
// a child resource): it is never shared.
type pager struct {
	p        *Paginator
	resource string
	offset   int
	page     int
	cursor   string
	nextURL  string // next_url and link_header: the next request's URL
	seen     map[string]bool
	lastHash uint64
	// last is the last page number (page_number) or the total record
	// count (offset) the API gave, -1 while unknown: no page past it is
	// requested ahead.
	last int
}

func newPager(p *Paginator, resource string) *pager {
	g := &pager{p: p, resource: resource, seen: map[string]bool{}, last: -1}
	if p.StartPage != nil {
		g.page = *p.StartPage
	}
	return g
}

// params are the paginator's query parameters for the next request.
func (g *pager) params() map[string]string {
	m := map[string]string{}
	switch g.p.Type {
	case pageOffset:
		m[g.p.OffsetParam] = strconv.Itoa(g.offset)
		m[g.p.LimitParam] = strconv.Itoa(g.p.Limit)
	case pageNumber:
		m[g.p.PageParam] = strconv.Itoa(g.page)
		if g.p.Limit > 0 {
			m[g.p.LimitParam] = strconv.Itoa(g.p.Limit)
		}
	case pageCursor:
		if g.cursor != "" {
			m[g.p.CursorParam] = g.cursor
		}
	}
	return m
}

// visit records a request about to be sent: the same request twice in
// one pagination is a loop.
func (g *pager) visit(r request) error {
	key := r.method + " " + r.url + "\x00" + string(r.body)
	if g.seen[key] {
		return sdk.Errorf(sdk.CodeData, "resource %q: pagination loop: the API sent the same next page or cursor twice (%s %s): check the paginator settings",
			g.resource, r.method, auth.RedactURL(r.url, ""))
	}
	g.seen[key] = true
	return nil
}

// advance decides from one page whether there is a next one, and sets it
// up. current is the URL just fetched, n its record count, hash a digest
// of its records (one seed per pagination).
func (g *pager) advance(current string, header http.Header, captured []json.RawMessage, n int, hash uint64) (bool, error) {
	if n > 0 && hash == g.lastHash && g.p.Type != pageNone {
		return false, sdk.Errorf(sdk.CodeData, "resource %q: pagination loop: page %s returned the same records as the page before it (the API ignores the page parameter?): check the paginator settings",
			g.resource, auth.RedactURL(current, ""))
	}
	g.lastHash = hash
	if hm := captured[wantHasMore]; hm != nil && string(bytes.TrimSpace(hm)) == "false" {
		return false, nil
	}
	switch g.p.Type {
	case pageNone:
		return false, nil
	case pageNextURL:
		next := scalarText(captured[wantNext])
		if next == "" {
			return false, nil
		}
		return true, g.setNext(current, next)
	case pageLinkHeader:
		next := linkNext(header.Values("Link"))
		if next == "" {
			return false, nil
		}
		return true, g.setNext(current, next)
	case pageCursor:
		var c string
		if g.p.CursorHeader != "" {
			c = header.Get(g.p.CursorHeader)
		} else {
			c = scalarText(captured[wantCursor])
		}
		if c == "" {
			return false, nil
		}
		g.cursor = c
		return true, nil
	case pageOffset:
		if n == 0 || (g.p.StopOnShortPage && n < g.p.Limit) {
			return false, nil
		}
		g.offset += n
		if t := scalarText(captured[wantTotal]); t != "" {
			total, err := strconv.Atoi(t)
			if err != nil {
				return false, sdk.Errorf(sdk.CodeData, "resource %q: total %q at %s is not a number", g.resource, t, g.p.TotalPath)
			}
			g.last = total
			return g.offset < total, nil
		}
		return true, nil
	case pageNumber:
		if n == 0 || (g.p.StopOnShortPage && g.p.Limit > 0 && n < g.p.Limit) {
			return false, nil
		}
		g.page++
		if t := scalarText(captured[wantTotalPages]); t != "" {
			pages, err := strconv.Atoi(t)
			if err != nil {
				return false, sdk.Errorf(sdk.CodeData, "resource %q: total pages %q at %s is not a number", g.resource, t, g.p.TotalPagesPath)
			}
			last := pages
			if *g.p.StartPage == 0 {
				last = pages - 1
			}
			g.last = last
			return g.page <= last, nil
		}
		return true, nil
	}
	return false, nil
}

// skip moves past a page whose status mapped to skip: offset and
// page_number go on to the next page; the others cannot know it, so the
// pagination ends.
func (g *pager) skip() bool {
	switch g.p.Type {
	case pageOffset:
		g.offset += g.p.Limit
		return true
	case pageNumber:
		g.page++
		return true
	}
	return false
}

// setNext resolves a next URL against the current one.
func (g *pager) setNext(current, next string) error {
	base, err := url.Parse(current)
	if err != nil {
		return err
	}
	u, err := base.Parse(next)
	if err != nil {
		return sdk.Errorf(sdk.CodeData, "resource %q: next page URL %q: %v", g.resource, next, err)
	}
	g.nextURL = u.String()
	return nil
}

// scalarText is a captured scalar as text ("" for absent, null or "").
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// linkNext finds the rel="next" target of RFC 8288 Link headers.
func linkNext(values []string) string {
	for _, v := range values {
		for _, link := range splitLinks(v) {
			parts := strings.Split(link, ";")
			target := strings.TrimSpace(parts[0])
			if !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, param := range parts[1:] {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1]
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header at the commas between links (not those
// inside <...>).
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}
