package vault

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// serviceAccountJWT is a Kubernetes service account token of
// etl/dpone, signed with a throwaway key (Vault without pem keys leaves
// the signature to the TokenReview API).
func serviceAccountJWT(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:etl:dpone",
		"kubernetes.io/serviceaccount/namespace":            "etl",
		"kubernetes.io/serviceaccount/service-account.name": "dpone",
		"kubernetes.io/serviceaccount/service-account.uid":  "uid-dpone",
		"kubernetes.io/serviceaccount/secret.name":          "dpone-token",
	})
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// tokenReviewAPI is the one Kubernetes API call Vault's kubernetes auth
// makes: a TokenReview, answered for jwt only.
func tokenReviewAPI(t *testing.T, jwt string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/apis/authentication.k8s.io/v1/tokenreviews" {
			http.NotFound(w, r)
			return
		}
		var req struct {
			Spec struct {
				Token string `json:"token"`
			} `json:"spec"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		status := map[string]any{"authenticated": false}
		if req.Spec.Token == jwt {
			status = map[string]any{"authenticated": true,
				"user": map[string]any{"username": "system:serviceaccount:etl:dpone", "uid": "uid-dpone"}}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "status": status})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKubernetesAuth(t *testing.T) {
	root, addr := server(t)
	ctx := context.Background()
	s := suffix()
	jwt := serviceAccountJWT(t)
	k8s := tokenReviewAPI(t, jwt)
	mount := "kubernetes-" + s
	if err := root.Sys().EnableAuthWithOptionsWithContext(ctx, mount, &api.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().WriteWithContext(ctx, "auth/"+mount+"/config", map[string]any{
		"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true, "token_reviewer_jwt": "reviewer"}); err != nil {
		t.Fatal(err)
	}
	if err := root.Sys().PutPolicyWithContext(ctx, "k8s-"+s, `path "secret/data/dpone/k8s_`+s+`" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Logical().WriteWithContext(ctx, "auth/"+mount+"/role/dpone", map[string]any{
		"bound_service_account_names": "dpone", "bound_service_account_namespaces": "etl",
		"token_policies": "k8s-" + s, "token_ttl": "1m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.KVv2("secret").Put(ctx, "dpone/k8s_"+s, map[string]any{"dsn": "postgres://k8s"}); err != nil {
		t.Fatal(err)
	}
	tokenPath := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenPath, []byte(jwt+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	block := "vault:\n  address: \"" + addr + "\"\n  auth: {method: kubernetes, mount: " + mount + ", role: dpone, token_path: " + tokenPath + "}\n"
	p := New(t.Logf)
	defer p.Close()
	m, err := parse(t, p, block, "{type: postgres, connection_type: vault, connection_id: k8s_"+s+"}", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Units[0].Source.Config["dsn"]; got != "postgres://k8s" {
		t.Fatalf("got dsn %v, want postgres://k8s", got)
	}
	// another service account's token is refused by the TokenReview
	other := serviceAccountJWT(t)
	if err := os.WriteFile(tokenPath, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = parse(t, New(nil), block, "{type: postgres, connection_type: vault, connection_id: k8s_"+s+"}", nil)
	if err == nil || !strings.Contains(err.Error(), "kubernetes login") {
		t.Fatalf("got %v, want a kubernetes login error", err)
	}
}
