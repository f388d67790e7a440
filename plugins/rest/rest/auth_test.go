package rest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dpone-go/dpone/plugins/rest/restapi"
	"github.com/dpone-go/dpone/sdk"

	"github.com/dpone-go/dpone/plugins/rest/rest/auth"
)

func oauthAPI(t *testing.T) (*restapi.Server, *httptest.Server) {
	api := restapi.New(23)
	api.OAuth, api.ClientID, api.ClientSecret, api.TokenTTL = true, "app", "client-s3cret", time.Hour
	api.SetRefreshToken("rt-initial")
	api.Faults.ExpireEvery = 2
	return api, startAPI(t, api)
}

// TestOAuthRefreshRotation: access tokens revoked mid-pagination are
// refreshed on the 401; each refresh rotates the refresh token; the last
// one is kept in the checkpoint sealed (never in clear) and the next run
// starts from it, while the configured (now spent) one fails with AUTH.
func TestOAuthRefreshRotation(t *testing.T) {
	api, srv := oauthAPI(t)
	cfg := config(t, srv, `"auth":{"type":"oauth2","grant":"refresh_token","token_url":"`+srv.URL+`/oauth/token","client_id":"app","client_secret":"client-s3cret","refresh_token":"rt-initial"},`+shopResources)
	first, err := read(t, cfg, "orders", sdk.ReadFull, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.rows) != 23 {
		t.Fatalf("got %d rows, want 23", len(first.rows))
	}
	if api.Refreshes < 3 {
		t.Errorf("got %d refreshes, want at least 3 (tokens revoked every 2 requests)", api.Refreshes)
	}
	st := first.lastState()
	current := api.RefreshToken()
	if st == nil || strings.Contains(string(st), current) || strings.Contains(string(st), "rt-") {
		t.Fatalf("checkpoint %s: want the refresh token sealed, not in clear", st)
	}
	var parsed state
	if err := json.Unmarshal(st, &parsed); err != nil {
		t.Fatal(err)
	}
	if got, err := auth.Unseal("client-s3cret", parsed.OAuth); err != nil || got != current {
		t.Fatalf("unsealed %q, %v; want the server's current refresh token", got, err)
	}
	if _, err := auth.Unseal("other secret", parsed.OAuth); err == nil {
		t.Errorf("a sealed token opened under another client_secret")
	}
	second, err := read(t, cfg, "orders", sdk.ReadFull, st, "")
	if err != nil || len(second.rows) != 23 {
		t.Fatalf("second run from the kept token: %d rows, %v", len(second.rows), err)
	}
	_, err = read(t, cfg, "orders", sdk.ReadFull, nil, "")
	if sdk.CodeOf(err) != sdk.CodeAuth {
		t.Fatalf("a run from the spent configured token: got %v, want AUTH", err)
	}
	for _, secret := range []string{"client-s3cret", "rt-initial", api.RefreshToken()} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows a secret", err)
		}
	}
}

// TestOAuthRotationOnFullReadWarns: dpone keeps no state for full reads,
// so a refresh token rotated during one is lost and the next run starts
// from the configured token the server spent; the read says so (WARN,
// without the token) instead of failing silently on the next run.
func TestOAuthRotationOnFullReadWarns(t *testing.T) {
	api, srv := oauthAPI(t)
	// orders without incremental_column: a full_refresh unit's resource
	cfg := config(t, srv, `"auth":{"type":"oauth2","grant":"refresh_token","token_url":"`+srv.URL+`/oauth/token","client_id":"app","client_secret":"client-s3cret","refresh_token":"rt-initial"},`+
		`"resources":[{"name":"orders","path":"/orders","records_path":"$.data","primary_key":["id"],"paginator":{"type":"page_number","limit":5,"total_pages_path":"$.total_pages"}}]`)
	rec, err := read(t, cfg, "orders", sdk.ReadFull, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, m := range rec.logs {
		if strings.Contains(m, "rotated the refresh token") && strings.Contains(m, "full read") {
			warned = true
		}
		for _, secret := range []string{"client-s3cret", "rt-initial", api.RefreshToken()} {
			if strings.Contains(m, secret) {
				t.Errorf("log %q shows a secret", m)
			}
		}
	}
	if !warned {
		t.Errorf("logs %q: want a warning that the rotated refresh token is not kept by a full read", rec.logs)
	}
	// an incremental read keeps it and does not warn
	_, srv = oauthAPI(t)
	cfg = config(t, srv, `"auth":{"type":"oauth2","grant":"refresh_token","token_url":"`+srv.URL+`/oauth/token","client_id":"app","client_secret":"client-s3cret","refresh_token":"rt-initial"},`+
		`"resources":[{"name":"orders","path":"/orders","records_path":"$.data","primary_key":["id"],"paginator":{"type":"page_number","limit":5,"total_pages_path":"$.total_pages"}}]`)
	rec, err = read(t, cfg, "orders", sdk.ReadIncremental, nil, `{"incremental_strategy":"column","incremental_column":"updated_at"}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range rec.logs {
		if strings.Contains(m, "rotated the refresh token") {
			t.Errorf("incremental read logged %q, want no warning (its checkpoint keeps the token)", m)
		}
	}
}

// TestOAuthClientCredentials fetches a new token when one is revoked.
func TestOAuthClientCredentials(t *testing.T) {
	api, srv := oauthAPI(t)
	cfg := config(t, srv, `"auth":{"type":"oauth2","token_url":"`+srv.URL+`/oauth/token","client_id":"app","client_secret":"client-s3cret"},`+shopResources)
	rec, err := read(t, cfg, "orders", sdk.ReadFull, nil, "")
	if err != nil || len(rec.rows) != 23 {
		t.Fatalf("got %d rows, %v; want 23", len(rec.rows), err)
	}
	if rec.checkpoints != nil {
		t.Errorf("a full read without cursor or rotation sent checkpoints %q", rec.checkpoints)
	}
	bad := config(t, srv, `"auth":{"type":"oauth2","token_url":"`+srv.URL+`/oauth/token","client_id":"app","client_secret":"wrong"},`+shopResources)
	if err := New().(*Connector).Check(t.Context(), bad); sdk.CodeOf(err) != sdk.CodeAuth || strings.Contains(err.Error(), "wrong") {
		t.Errorf("Check with a wrong secret: got %v, want AUTH without the secret", err)
	}
	_ = api
}

// TestAuthKinds: each auth kind puts its credentials where the API looks.
func TestAuthKinds(t *testing.T) {
	var got http.Header
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, query = r.Header.Clone(), r.URL.RawQuery
		w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	t.Setenv("TEST_REST_SECRET", "from-env")
	cases := []struct {
		auth  string
		check func() bool
	}{
		{`{"type":"api_key","name":"X-API-Key","value":"k1"}`, func() bool { return got.Get("X-API-Key") == "k1" }},
		{`{"type":"api_key","name":"api_key","in":"query","value":"k2"}`, func() bool { return query == "api_key=k2" }},
		{`{"type":"bearer","token":"t3"}`, func() bool { return got.Get("Authorization") == "Bearer t3" }},
		{`{"type":"basic","username":"u","password":"p"}`, func() bool { return got.Get("Authorization") == "Basic dTpw" }},
		{`{"type":"header","name":"X-Secret","value_env":"TEST_REST_SECRET"}`, func() bool { return got.Get("X-Secret") == "from-env" }},
	}
	for _, tc := range cases {
		cfg := config(t, srv, `"user_agent":"acme/1","headers":{"X-Team":"data"},"auth":`+tc.auth+`,"resources":[{"name":"r","path":"/r"}]`)
		if _, err := read(t, cfg, "r", sdk.ReadFull, nil, ""); err != nil {
			t.Fatalf("%s: %v", tc.auth, err)
		}
		if !tc.check() || got.Get("User-Agent") != "acme/1" || got.Get("X-Team") != "data" {
			t.Errorf("%s: request header %v query %q", tc.auth, got, query)
		}
	}
}

// TestConfigErrors: bad configs are CONFIG errors naming the key.
func TestConfigErrors(t *testing.T) {
	cases := map[string]string{
		`{}`:                                "base_url is required",
		`{"base_url":"ftp://x"}`:            "not an http(s) URL",
		`{"base_url":"http://x","bogus":1}`: `unknown field "bogus"`,
		`{"base_url":"http://x","auth":{"type":"oauth2"}}`:            "needs token_url and client_id",
		`{"base_url":"http://x","retry":{"status":{"404":"ignore"}}}`: "want retry, fail, skip or end",
		`{"base_url":"http://x","timeout":"soon"}`:                    "timeout",
	}
	for cfg, want := range cases {
		_, err := parseConfig(json.RawMessage(cfg))
		if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want CONFIG containing %q", cfg, err, want)
		}
	}
	c, _ := parseConfig(json.RawMessage(`{"base_url":"http://x","resources":[{"name":"a","path":"/a"}]}`))
	for opts, want := range map[string]string{
		`{"paginator":{"type":"pages"}}`:            "paginator.type",
		`{"paginator":{"type":"offset"}}`:           "needs limit",
		`{"records_path":"$.data[?@.x ==]"}`:        "records_path",
		`{"columns":[{"name":"x","type":"money"}]}`: "money",
		`{"incremental_strategy":"xmin"}`:           "not supported",
		`{"parent":{"resource":"nope"}}`:            "not another resource",
		`{"paginator":{"type":"cursor"}}`:           "cursor_path",
	} {
		_, err := c.resource("a", json.RawMessage(opts))
		if sdk.CodeOf(err) != sdk.CodeConfig || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want CONFIG containing %q", opts, err, want)
		}
	}
}
