package restapi

import (
	"net/http"
	"os"
	"strconv"
)

// Admin serves /_admin/ for scripts that change the API between runs:
//
//	POST /_admin/order?id=&status=&amount=&updated_at=   insert or update an order
//	POST /_admin/delete?id=                              delete an order
//	POST /_admin/item?order=&id=&qty=&updated_at=        insert or update an item
//	POST /_admin/hang?page=N&signal=FILE                 every request for page N of /orders
//	                                                     writes FILE and never answers, until
//	                                                     /_admin/hang?page=0
//	GET  /_admin/requests                                requests served, by path
//	POST /_admin/refresh-token                           the refresh token the OAuth2 server accepts now
func (s *Server) Admin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n := func(k string) int64 { v, _ := strconv.ParseInt(q.Get(k), 10, 64); return v }
	switch r.URL.Path {
	case "/_admin/order":
		s.PutOrder(n("id"), q.Get("status"), q.Get("amount"), q.Get("updated_at"))
	case "/_admin/delete":
		s.DeleteOrder(n("id"))
	case "/_admin/item":
		s.PutItem(n("order"), n("id"), n("qty"), q.Get("updated_at"))
	case "/_admin/hang":
		s.mu.Lock()
		s.hangPage, s.hangSignal = int(n("page")), q.Get("signal")
		s.mu.Unlock()
	case "/_admin/refresh-token":
		writeJSON(w, map[string]string{"refresh_token": s.RefreshToken()})
		return
	case "/_admin/requests":
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, s.Requests)
		return
	default:
		http.NotFound(w, r)
		return
	}
	writeJSON(w, map[string]bool{"ok": true})
}

// hang blocks a request for the hang page, after writing the signal
// file, until the client goes away; it reports whether it hung. Every
// request for that page hangs until the page is cleared: a parent's
// child resource reads /orders too, and a one-shot hang taken by the
// child's read let the orders unit itself finish.
func (s *Server) hang(w http.ResponseWriter, r *http.Request, page int) bool {
	s.mu.Lock()
	hit := s.hangPage != 0 && page == s.hangPage
	signal := s.hangSignal
	s.mu.Unlock()
	if !hit {
		return false
	}
	if signal != "" {
		_ = os.WriteFile(signal, []byte("hung\n"), 0o644)
	}
	<-r.Context().Done()
	return true
}
