package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"
	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/sdk"
)

// TestConfigSecurity: TLS and SASL settings reach librdkafka under their
// own names; inconsistent ones are CONFIG errors before any I/O.
func TestConfigSecurity(t *testing.T) {
	cfg, err := decodeConfig([]byte(`{"brokers":"b:9093","security_protocol":"sasl_ssl","sasl_mechanism":"SCRAM-SHA-512",
		"username":"u","password":"p","ssl_ca_location":"/ca.pem","ssl_certificate_location":"/c.pem","ssl_key_location":"/k.pem"}`))
	if err != nil {
		t.Fatal(err)
	}
	m := cfg.clientConfig()
	want := ck.ConfigMap{"security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "u",
		"sasl.password": "p", "ssl.ca.location": "/ca.pem", "ssl.certificate.location": "/c.pem", "ssl.key.location": "/k.pem"}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s: got %v, want %v", k, m[k], v)
		}
	}
	for _, bad := range []string{
		`{}`,
		`{"brokers":"b:1","security_protocol":"sasl_plaintext"}`,
		`{"brokers":"b:1","security_protocol":"sasl_plaintext","sasl_mechanism":"PLAIN"}`,
		`{"brokers":"b:1","sasl_mechanism":"PLAIN","username":"u"}`,
		`{"brokers":"b:1","security_protocol":"kerberos"}`,
		`{"brokers":"b:1","timeout":"soon"}`,
		`{"brokers":"b:1","brokerz":"x"}`,
	} {
		if _, err := decodeConfig([]byte(bad)); sdk.CodeOf(err) != sdk.CodeConfig {
			t.Errorf("%s: got %v, want a CONFIG error", bad, err)
		}
	}
}

// TestErrorCodes: librdkafka errors map to the protocol's codes.
func TestErrorCodes(t *testing.T) {
	for code, want := range map[ck.ErrorCode]sdk.Code{
		ck.ErrAllBrokersDown:                     sdk.CodeUnavailable,
		ck.ErrTransport:                          sdk.CodeUnavailable,
		ck.ErrMsgTimedOut:                        sdk.CodeUnavailable,
		ck.ErrSaslAuthenticationFailed:           sdk.CodeAuth,
		ck.ErrAuthentication:                     sdk.CodeAuth,
		ck.ErrTopicAuthorizationFailed:           sdk.CodeAuth,
		ck.ErrTransactionalIDAuthorizationFailed: sdk.CodeAuth,
		ck.ErrUnknownTopicOrPart:                 sdk.CodeNotFound,
		ck.ErrInvalidConfig:                      sdk.CodeConfig,
		ck.ErrMsgSizeTooLarge:                    sdk.CodeData,
		ck.ErrThrottlingQuotaExceeded:            sdk.CodeRateLimited,
	} {
		err := classify(ck.NewError(code, "x", false))
		if got := sdk.CodeOf(err); got != want {
			t.Errorf("%s: got %s, want %s", code, got, want)
		}
		if retry := want == sdk.CodeUnavailable || want == sdk.CodeRateLimited; sdk.IsRetryable(err) != retry {
			t.Errorf("%s: retryable %v, want %v", code, sdk.IsRetryable(err), retry)
		}
	}
}

// TestInferSchema: first-appearance order, int and float widen to float64,
// nested and mixed values are json, all-null fields strings.
func TestInferSchema(t *testing.T) {
	in := newInferrer()
	for _, v := range []string{
		`{"id":1,"x":1,"flag":true,"name":"a","obj":{"a":1},"mixed":1,"none":null}`,
		`{"id":2,"x":2.5,"flag":false,"name":null,"obj":[1],"mixed":"s","extra":"e"}`,
		`not json`,
	} {
		in.add([]byte(v))
	}
	got := map[string]string{}
	var order []string
	for _, f := range in.schema() {
		typ := f.Type.String()
		if v, _ := f.Metadata.GetValue(sdk.MetaLogical); v != "" {
			typ = v
		}
		got[f.Name] = typ
		order = append(order, f.Name)
	}
	want := map[string]string{"id": "int64", "x": "float64", "flag": "bool", "name": "utf8", "obj": "json",
		"mixed": "json", "none": "utf8", "extra": "utf8"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("types (-want +got):\n%s", d)
	}
	if wantOrder := []string{"id", "x", "flag", "name", "obj", "mixed", "none", "extra"}; !cmp.Equal(order, wantOrder) {
		t.Errorf("order: got %v, want %v", order, wantOrder)
	}
}

// TestCheckSASL: Check passes with the SASL broker's credentials (SCRAM)
// and fails with AUTH with a wrong password (the test broker closes the
// connection, see saslRefused; a broker's SASL_AUTHENTICATION_FAILED is
// mapped by code, TestErrorCodes).
func TestCheckSASL(t *testing.T) {
	ctx := context.Background()
	c := New().(*Connector)
	if err := c.Check(ctx, saslConfig(t, "dpone-secret")); err != nil {
		t.Errorf("good credentials: %v", err)
	}
	if err := c.Check(ctx, saslConfig(t, "nope")); sdk.CodeOf(err) != sdk.CodeAuth {
		t.Errorf("wrong password: got %v, want AUTH", err)
	}
	if err := c.Check(ctx, json.RawMessage(`{"brokers":"127.0.0.1:1","timeout":"1s"}`)); sdk.CodeOf(err) != sdk.CodeConnect {
		t.Errorf("no broker: got %v, want CONNECT", err)
	}
}

// tlsConfig is a config for the TLS broker (self-signed, its CA in
// DPONE_TEST_KAFKA_CA) trusting ca; it skips without that broker.
func tlsConfig(t testing.TB, ca string) json.RawMessage {
	t.Helper()
	b := os.Getenv("DPONE_TEST_KAFKA_TLS_BROKERS")
	if b == "" || os.Getenv("DPONE_TEST_KAFKA_CA") == "" {
		t.Skip("DPONE_TEST_KAFKA_TLS_BROKERS / DPONE_TEST_KAFKA_CA not set: run via make test (DPONE_KAFKA_TLS=1 scripts/kafka.sh start)")
	}
	cfg, _ := json.Marshal(map[string]any{"brokers": b, "timeout": "10s", "security_protocol": "ssl", "ssl_ca_location": ca})
	return cfg
}

// TestTLS: with the broker's CA, Check passes and a load commits and
// reads back over TLS (producer, transactions, admin and consumer); a CA
// that did not sign the broker's certificate is AUTH, a plaintext client
// against the TLS listener CONNECT.
func TestTLS(t *testing.T) {
	ctx := context.Background()
	c := New().(*Connector)
	cfg := tlsConfig(t, os.Getenv("DPONE_TEST_KAFKA_CA"))
	if err := c.Check(ctx, cfg); err != nil {
		t.Fatalf("check with the broker's CA: %v", err)
	}
	topic := testTopic("tls")
	req := sinkLoad(t, topic, "load-tls-"+topic, sdk.ModeAppend, []string{"id"}, `{}`)
	req.Config = cfg
	if _, err := c.BeginLoad(ctx, req); err != nil {
		t.Fatal(err)
	}
	rec := sinkRecord(1, 2, 3)
	defer rec.Release()
	if _, err := c.Write(ctx, req, &records{rec: rec}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitLoad(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	out := &collector{}
	if err := c.Read(ctx, sdk.ReadRequest{Config: cfg, Stream: topic, Mode: sdk.ReadFull}, out); err != nil {
		t.Fatal(err)
	}
	if got := len(ids(out)); got != 3 {
		t.Errorf("rows read over TLS: got %d, want 3", got)
	}

	other := filepath.Join(t.TempDir(), "other-ca.pem")
	writeSelfSignedCA(t, other)
	if err := c.Check(ctx, tlsConfig(t, other)); sdk.CodeOf(err) != sdk.CodeAuth {
		t.Errorf("check with a CA that did not sign the broker: got %v (%s), want AUTH", err, sdk.CodeOf(err))
	}
	plain, _ := json.Marshal(map[string]any{"brokers": os.Getenv("DPONE_TEST_KAFKA_TLS_BROKERS"), "timeout": "3s"})
	if err := c.Check(ctx, plain); sdk.CodeOf(err) != sdk.CodeConnect {
		t.Errorf("plaintext against TLS: got %v (%s), want CONNECT", err, sdk.CodeOf(err))
	}
}

// writeSelfSignedCA writes a self-signed certificate (PEM) to path.
func writeSelfSignedCA(t *testing.T, path string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not the broker's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}
