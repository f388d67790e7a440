package restapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"time"
)

func newToken(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// token serves /oauth/token: client_credentials and refresh_token grants.
// A refresh token works once: each use rotates it.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != s.ClientID || secret != s.ClientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		return
	}
	resp := map[string]any{"token_type": "bearer", "expires_in": int(s.TokenTTL / time.Second)}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
	case "refresh_token":
		if r.PostForm.Get("refresh_token") != s.refresh || s.refresh == "" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		s.refresh = newToken("rt-")
		s.Refreshes++
		resp["refresh_token"] = s.refresh
	default:
		http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
		return
	}
	access := newToken("at-")
	s.access[access] = time.Now().Add(s.TokenTTL)
	resp["access_token"] = access
	writeJSON(w, resp)
}

// authorized checks the request's credentials: a live OAuth2 access
// token, or the api key.
func (s *Server) authorized(r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.OAuth {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		exp, live := s.access[tok]
		return ok && live && time.Now().Before(exp)
	}
	if s.Key != "" {
		return r.Header.Get("X-API-Key") == s.Key || r.URL.Query().Get("api_key") == s.Key
	}
	return true
}
