package rest

import (
	"bytes"
	"context"
)

// prefetch is the next page's request, sent while the current page is
// decoded (offset and page_number, whose next request does not depend on
// the body): one page ahead at most.
type prefetch struct {
	req    request
	cancel context.CancelFunc
	done   chan struct{}
	resp   response
	err    error
}

// prefetch sends r in the background.
func (c *client) prefetch(ctx context.Context, r request, res *Resource) *prefetch {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetch{req: r, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.resp, p.err = c.do(ctx, r, res.Name, res.Status)
	}()
	return p
}

// matches reports whether the prefetched request is r.
func (p *prefetch) matches(r request) bool {
	return p != nil && p.req.method == r.method && p.req.url == r.url && bytes.Equal(p.req.body, r.body)
}

// wait returns the prefetched response; its body is read before release.
func (p *prefetch) wait() (response, error) {
	<-p.done
	return p.resp, p.err
}

// release ends the request's context once its body is read.
func (p *prefetch) release() {
	if p != nil {
		p.cancel()
	}
}

// discard drops a prefetch the pagination does not use (the page before
// was the last, or its size was not the limit): the request is cancelled
// and its answer, error or retries included, ignored.
func (p *prefetch) discard() {
	if p == nil {
		return
	}
	p.cancel()
	<-p.done
	if p.resp.resp != nil {
		p.resp.resp.Body.Close()
	}
}

// guess is the pager of the request after the page in flight if that
// page is full: the next page number, or the offset one limit on; ok is
// false past the last page or total the API gave, and for the paginators
// whose next request depends on the body.
func (g *pager) guess() (next pager, ok bool) {
	next = *g
	switch g.p.Type {
	case pageNumber:
		next.page++
		if g.last >= 0 && next.page > g.last {
			return next, false
		}
	case pageOffset:
		next.offset += g.p.Limit
		if g.last >= 0 && next.offset >= g.last {
			return next, false
		}
	default:
		return next, false
	}
	return next, g.p.prefetchOn()
}
