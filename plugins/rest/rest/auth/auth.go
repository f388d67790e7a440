// Package auth signs the rest connector's requests (API key, bearer,
// basic, a header from the environment, OAuth2 client credentials and
// refresh-token grants), seals a rotated refresh token for the stream's
// state, and redacts secrets from URLs. Secrets here never reach logs,
// errors, reports or state in clear.
package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/dpone-go/dpone/sdk"
)

// Config is how requests authenticate (the connection's auth key).
// Secrets here never reach logs, errors, reports or state in clear.
type Config struct {
	// Type is none (default), api_key, bearer, basic, header or oauth2.
	Type string `json:"type"`
	// Name is the api_key's header or query parameter, or the header's
	// name (type header).
	Name string `json:"name"`
	// In is where an api_key goes: header (default) or query.
	In string `json:"in"`
	// Value is the api_key.
	Value string `json:"value"`
	// ValueEnv names the environment variable holding the header's value
	// (type header) or the api_key.
	ValueEnv string `json:"value_env"`
	// Token is the bearer token.
	Token string `json:"token"`
	// Username and Password are the basic credentials.
	Username string `json:"username"`
	Password string `json:"password"`
	// OAuth2: Grant is client_credentials (default) or refresh_token.
	Grant        string   `json:"grant"`
	TokenURL     string   `json:"token_url"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	RefreshToken string   `json:"refresh_token"`
	Scopes       []string `json:"scopes"`
}

const (
	grantClientCredentials = "client_credentials"
	grantRefreshToken      = "refresh_token"
)

// Check validates a, defaulting an oauth2 grant to client_credentials.
func (a *Config) Check() error {
	bad := func(what string) error {
		return sdk.Errorf(sdk.CodeConfig, "config: auth type %s needs %s", a.Type, what)
	}
	switch a.Type {
	case "", "none":
	case "api_key":
		if a.Name == "" {
			return bad("name (the header or query parameter)")
		}
		if a.Value == "" && a.ValueEnv == "" {
			return bad("value or value_env")
		}
		if a.In != "" && a.In != "header" && a.In != "query" {
			return sdk.Errorf(sdk.CodeConfig, "config: auth.in %q: want header or query", a.In)
		}
	case "bearer":
		if a.Token == "" {
			return bad("token")
		}
	case "basic":
		if a.Username == "" {
			return bad("username")
		}
	case "header":
		if a.Name == "" || a.ValueEnv == "" {
			return bad("name and value_env")
		}
	case "oauth2":
		if a.TokenURL == "" || a.ClientID == "" {
			return bad("token_url and client_id")
		}
		switch a.Grant {
		case "":
			a.Grant = grantClientCredentials
		case grantClientCredentials:
		case grantRefreshToken:
			if a.RefreshToken == "" {
				return bad("refresh_token for grant refresh_token")
			}
		default:
			return sdk.Errorf(sdk.CodeConfig, "config: auth.grant %q: want client_credentials or refresh_token", a.Grant)
		}
	default:
		return sdk.Errorf(sdk.CodeConfig, "config: auth.type %q: want none, api_key, bearer, basic, header or oauth2", a.Type)
	}
	return nil
}

// secret is the api_key or header value.
func (a *Config) secret() string {
	if a.ValueEnv != "" {
		return os.Getenv(a.ValueEnv)
	}
	return a.Value
}

// QueryKey is the query parameter that holds a secret, "" when none:
// error messages redact it.
func (a *Config) QueryKey() string {
	if a.Type == "api_key" && a.In == "query" {
		return a.Name
	}
	return ""
}

// Authorizer signs requests. One per Read; safe for concurrent use.
type Authorizer struct {
	a      *Config
	httpc  *http.Client
	mu     sync.Mutex
	tok    *oauth2.Token
	issued string // the refresh token the read started with
}

// NewAuthorizer signs with a, fetching OAuth2 tokens over httpc; a
// refresh-token grant starts from refreshToken (the one kept in the state)
// or, when empty, from a's.
func NewAuthorizer(a *Config, httpc *http.Client, refreshToken string) *Authorizer {
	z := &Authorizer{a: a, httpc: httpc}
	if a.Type == "oauth2" && a.Grant == grantRefreshToken {
		if refreshToken == "" {
			refreshToken = a.RefreshToken
		}
		z.tok = &oauth2.Token{RefreshToken: refreshToken}
		z.issued = refreshToken
	}
	return z
}

// Sign adds the credentials to req; force fetches a new OAuth2 token.
func (z *Authorizer) Sign(ctx context.Context, req *http.Request, force bool) error {
	switch z.a.Type {
	case "api_key":
		if z.a.In == "query" {
			q := req.URL.Query()
			q.Set(z.a.Name, z.a.secret())
			req.URL.RawQuery = q.Encode()
		} else {
			req.Header.Set(z.a.Name, z.a.secret())
		}
	case "header":
		req.Header.Set(z.a.Name, z.a.secret())
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+z.a.Token)
	case "basic":
		req.SetBasicAuth(z.a.Username, z.a.Password)
	case "oauth2":
		tok, err := z.token(ctx, force)
		if err != nil {
			return err
		}
		tok.SetAuthHeader(req)
	}
	return nil
}

// token returns a valid access token, fetching one when there is none,
// it expired, or force is set.
func (z *Authorizer) token(ctx context.Context, force bool) (*oauth2.Token, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if !force && z.tok != nil && z.tok.AccessToken != "" && z.tok.Valid() {
		return z.tok, nil
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, z.httpc)
	var (
		tok *oauth2.Token
		err error
	)
	if z.a.Grant == grantRefreshToken {
		conf := &oauth2.Config{ClientID: z.a.ClientID, ClientSecret: z.a.ClientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: z.a.TokenURL}, Scopes: z.a.Scopes}
		tok, err = conf.TokenSource(ctx, &oauth2.Token{RefreshToken: z.tok.RefreshToken}).Token()
	} else {
		cc := &clientcredentials.Config{ClientID: z.a.ClientID, ClientSecret: z.a.ClientSecret,
			TokenURL: z.a.TokenURL, Scopes: z.a.Scopes}
		tok, err = cc.Token(ctx)
	}
	if err != nil {
		return nil, tokenError(z.a.TokenURL, err)
	}
	z.tok = tok
	return tok, nil
}

// Rotated returns the refresh token when the server rotated it during the
// read, "" otherwise.
func (z *Authorizer) Rotated() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.tok == nil || z.tok.RefreshToken == "" || z.tok.RefreshToken == z.issued {
		return ""
	}
	return z.tok.RefreshToken
}

// tokenError codes a token endpoint failure without its body (which may
// echo credentials).
func tokenError(tokenURL string, err error) error {
	u := RedactURL(tokenURL, "")
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := re.ErrorCode
		if code == "" {
			code = http.StatusText(re.Response.StatusCode)
		}
		if re.Response.StatusCode >= 500 || re.Response.StatusCode == http.StatusTooManyRequests {
			return sdk.Errorf(sdk.CodeUnavailable, "oauth2 token %s: status %d (%s): try again later", u, re.Response.StatusCode, code)
		}
		return sdk.Errorf(sdk.CodeAuth, "oauth2 token %s: status %d (%s): check client_id, client_secret and refresh_token (a rotated refresh token lives in the stream's state: dpone state show)", u, re.Response.StatusCode, code)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return sdk.Errorf(sdk.CodeConnect, "oauth2 token %s: %v", u, ue.Err)
	}
	return sdk.Errorf(sdk.CodeAuth, "oauth2 token %s: %v", u, err)
}

// RedactURL strips user info and replaces the value of the secret query
// parameter key, so a URL can go into an error or a log.
func RedactURL(raw, key string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if key != "" {
		q := u.Query()
		if q.Has(key) {
			q.Set(key, "REDACTED")
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}
