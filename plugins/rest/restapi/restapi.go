// Package restapi is a small shop API that behaves like real ones, for
// the rest connector's tests, certification and end-to-end scripts: it
// paginates in every style the connector knows, filters by an updated
// cursor, nests items under orders, and injects the faults real APIs
// have (429 storms with Retry-After, 5xx bursts, slow or malformed pages,
// expiring OAuth2 tokens with refresh-token rotation, a page parameter it
// ignores).
package restapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Order is an order record.
type Order struct {
	ID        int64          `json:"id"`
	Status    string         `json:"status"`
	Amount    json.Number    `json:"amount"`
	UpdatedAt string         `json:"updated_at"`
	Customer  map[string]any `json:"customer"`
}

// Item is a line of an order.
type Item struct {
	ID        int64  `json:"id"`
	OrderID   int64  `json:"order_id"`
	SKU       string `json:"sku"`
	Qty       int64  `json:"qty"`
	UpdatedAt string `json:"updated_at"`
}

// Faults are what the API does wrong; each counter is consumed by the
// requests that hit it.
type Faults struct {
	// TooMany answers this many requests with 429 and RetryAfter.
	TooMany    int
	RetryAfter string
	// Unavailable answers this many requests with 503 (no Retry-After).
	Unavailable int
	// MalformedPage breaks the body of this page number (1-based) of
	// /orders in the middle of a record; 0: none.
	MalformedPage int
	// Delay slows every page down.
	Delay time.Duration
	// ExpireEvery revokes every OAuth2 access token after this many API
	// requests (tokens that expire mid-pagination); 0: never.
	ExpireEvery int
}

// Server is the API's state. Its handler is safe for concurrent use.
type Server struct {
	mu     sync.Mutex
	orders map[int64]*Order
	items  map[int64][]*Item
	Faults Faults
	// Key is the api key required in X-API-Key when set (and Bearer, OAuth
	// are off).
	Key string
	// OAuth turns on OAuth2: /oauth/token issues access tokens that
	// expire after TokenTTL and rotates the refresh token on each use.
	OAuth        bool
	ClientID     string
	ClientSecret string
	TokenTTL     time.Duration
	refresh      string
	access       map[string]time.Time
	// Requests counts requests by path.
	Requests map[string]int
	// Refreshes counts refresh_token grants served.
	Refreshes  int
	served     int
	hangPage   int
	hangSignal string
}

// New returns an API holding n orders (ids 1..n, updated_at one minute
// apart from 2024-01-01) with two items each (updated one and two
// seconds after their order).
func New(n int) *Server {
	s := &Server{orders: map[int64]*Order{}, items: map[int64][]*Item{}, access: map[string]time.Time{}, Requests: map[string]int{}}
	for i := int64(1); i <= int64(n); i++ {
		s.PutOrder(i, "placed", fmt.Sprintf("%d.50", i), ts(i))
	}
	return s
}

// UpdatedAt is the updated_at New gives order i.
func UpdatedAt(i int64) string { return ts(i) }

func ts(i int64) string {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
}

// PutOrder inserts or updates an order and gives a new order two items.
func (s *Server) PutOrder(id int64, status, amount, updatedAt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[id] = &Order{ID: id, Status: status, Amount: json.Number(amount), UpdatedAt: updatedAt,
		Customer: map[string]any{"id": id % 7, "name": fmt.Sprintf("customer %d", id%7)}}
	if _, ok := s.items[id]; !ok {
		for j := int64(1); j <= 2; j++ {
			at := updatedAt
			if t, err := time.Parse(time.RFC3339, updatedAt); err == nil {
				at = t.Add(time.Duration(j) * time.Second).Format(time.RFC3339)
			}
			s.items[id] = append(s.items[id], &Item{ID: id*100 + j, OrderID: id, SKU: fmt.Sprintf("sku-%d", j), Qty: j, UpdatedAt: at})
		}
	}
}

// PutItem inserts or updates an item of an order.
func (s *Server) PutItem(orderID, id, qty int64, updatedAt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range s.items[orderID] {
		if it.ID == id {
			it.Qty, it.UpdatedAt = qty, updatedAt
			return
		}
	}
	s.items[orderID] = append(s.items[orderID], &Item{ID: id, OrderID: orderID, SKU: fmt.Sprintf("sku-%d", id%100), Qty: qty, UpdatedAt: updatedAt})
}

// DeleteOrder removes an order.
func (s *Server) DeleteOrder(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.orders, id)
}

// SetRefreshToken sets the refresh token the OAuth2 server accepts.
func (s *Server) SetRefreshToken(t string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh = t
}

// RefreshToken is the refresh token the OAuth2 server accepts now.
func (s *Server) RefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refresh
}

// sorted returns the orders updated at or after since, by (updated_at, id).
func (s *Server) sorted(since string) []*Order {
	var out []*Order
	for _, o := range s.orders {
		if since == "" || o.UpdatedAt >= since {
			cp := *o
			out = append(out, &cp)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].UpdatedAt != out[j].UpdatedAt {
			return out[i].UpdatedAt < out[j].UpdatedAt
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func atoi(s string, def int) int {
	if v, err := strconv.Atoi(s); err == nil {
		return v
	}
	return def
}

// ServeHTTP routes the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_admin/") {
		s.Admin(w, r)
		return
	}
	if r.URL.Path == "/orders" && s.hang(w, r, atoi(r.URL.Query().Get("page"), 1)) {
		return
	}
	s.mu.Lock()
	s.Requests[r.URL.Path]++
	f := &s.Faults
	switch {
	case f.TooMany > 0 && r.URL.Path != "/oauth/token":
		f.TooMany--
		ra := f.RetryAfter
		s.mu.Unlock()
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		http.Error(w, `{"error":"slow down"}`, http.StatusTooManyRequests)
		return
	case f.Unavailable > 0 && r.URL.Path != "/oauth/token":
		f.Unavailable--
		s.mu.Unlock()
		http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
		return
	}
	delay := f.Delay
	if f.ExpireEvery > 0 && r.URL.Path != "/oauth/token" {
		s.served++
		if s.served%f.ExpireEvery == 0 {
			s.access = map[string]time.Time{}
		}
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if r.URL.Path == "/oauth/token" {
		s.token(w, r)
		return
	}
	if !s.authorized(r) {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	since := q.Get("updated_since")
	switch path := r.URL.Path; {
	case path == "/orders": // page_number, {"data": [...], "total_pages": n}
		all := s.sorted(since)
		page, limit := atoi(q.Get("page"), 1), atoi(q.Get("limit"), 10)
		if page == s.Faults.MalformedPage {
			body, _ := json.Marshal(pageOf(all, (page-1)*limit, limit))
			fmt.Fprintf(w, `{"data": %s`, body[:len(body)/2])
			return
		}
		writeJSON(w, map[string]any{"data": pageOf(all, (page-1)*limit, limit), "total_pages": (len(all) + limit - 1) / limit})
	case path == "/offset/orders": // offset/limit with total
		all := s.sorted(since)
		off, limit := atoi(q.Get("offset"), 0), atoi(q.Get("limit"), 10)
		writeJSON(w, map[string]any{"results": pageOf(all, off, limit), "meta": map[string]any{"total": len(all)}})
	case path == "/next/orders": // next URL in the body
		all := s.sorted(since)
		off := atoi(q.Get("start"), 0)
		var next any
		if off+5 < len(all) {
			next = fmt.Sprintf("/next/orders?start=%d&updated_since=%s", off+5, since)
		}
		writeJSON(w, map[string]any{"items": pageOf(all, off, 5), "next": next})
	case path == "/link/orders": // a bare array and an RFC 8288 Link header
		all := s.sorted(since)
		page := atoi(q.Get("page"), 1)
		if page*4 < len(all) {
			w.Header().Add("Link", fmt.Sprintf(`<http://%s/link/orders?page=%d>; rel="next", <http://%s/link/orders?page=1>; rel="first"`, r.Host, page+1, r.Host))
		}
		writeJSON(w, pageOf(all, (page-1)*4, 4))
	case path == "/cursor/orders": // opaque cursor in the body
		all := s.sorted(since)
		off := atoi(strings.TrimPrefix(q.Get("cursor"), "c"), 0)
		m := map[string]any{"data": pageOf(all, off, 3), "has_more": off+3 < len(all)}
		if off+3 < len(all) {
			m["next_cursor"] = fmt.Sprintf("c%d", off+3)
		}
		writeJSON(w, m)
	case path == "/stuck/orders": // ignores its page parameter
		writeJSON(w, map[string]any{"data": pageOf(s.sorted(""), 0, 3)})
	case path == "/stuck-cursor/orders": // returns the same cursor forever
		writeJSON(w, map[string]any{"data": pageOf(s.sorted(""), atoi(strings.TrimPrefix(q.Get("cursor"), "c"), 0), 1), "next_cursor": "c1"})
	case strings.HasPrefix(path, "/orders/") && strings.HasSuffix(path, "/items"):
		id, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(path, "/orders/"), "/items"), 10, 64)
		if err != nil || s.orders[id] == nil {
			http.Error(w, `{"error":"no such order"}`, http.StatusNotFound)
			return
		}
		var items []*Item
		for _, it := range s.items[id] {
			if since == "" || it.UpdatedAt >= since {
				cp := *it
				items = append(items, &cp)
			}
		}
		page, limit := atoi(q.Get("page"), 1), atoi(q.Get("limit"), 1)
		writeJSON(w, map[string]any{"data": pageOf(items, (page-1)*limit, limit)})
	default:
		http.Error(w, `{"error":"not found"}`, http.StatusNotFound)
	}
}

func pageOf[T any](all []T, off, limit int) []T {
	if off >= len(all) || off < 0 {
		return []T{}
	}
	return all[off:min(off+limit, len(all))]
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
