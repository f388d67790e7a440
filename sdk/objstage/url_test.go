package objstage

import (
	"context"
	"io"
	"net/http"
	"os"
	"testing"
)

func TestHTTPURL(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Type: TypeS3, Bucket: "lake", Prefix: "a b/c", Endpoint: "http://127.0.0.1:9000/"}, "http://127.0.0.1:9000/lake/a%20b/c/l1/part-00000.parquet"},
		{Config{Type: TypeS3, Bucket: "lake", Region: "eu-west-1"}, "https://lake.s3.eu-west-1.amazonaws.com/l1/part-00000.parquet"},
		{Config{Type: TypeS3, Bucket: "lake", Prefix: "p"}, "https://lake.s3.amazonaws.com/p/l1/part-00000.parquet"},
		{Config{Type: TypeGCS, Bucket: "lake", Prefix: "p"}, "https://storage.googleapis.com/lake/p/l1/part-00000.parquet"},
		{Config{Type: TypeLocal, Prefix: "/tmp/x"}, ""},
	} {
		a := &Area{cfg: tc.cfg}
		if got := a.HTTPURL("l1", "part-00000.parquet"); got != tc.want {
			t.Errorf("%+v: got %s, want %s", tc.cfg, got, tc.want)
		}
	}
}

// TestHTTPURLFetches: the URL of a staged file serves its bytes from
// gofakes3 (what ClickHouse's s3() will GET; the fake takes unsigned
// reads).
func TestHTTPURLFetches(t *testing.T) {
	ep := os.Getenv("DPONE_TEST_S3_ENDPOINT")
	if ep == "" {
		t.Skip("DPONE_TEST_S3_ENDPOINT not set (scripts/s3.sh start)")
	}
	ctx := context.Background()
	a, err := Open(ctx, &Config{Type: TypeS3, Bucket: "dpone-test", Prefix: "url test", Endpoint: ep,
		Credentials: map[string]string{"access_key_id": "k", "secret_access_key": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	stage(t, a, "load-url", 100)
	m, err := a.Verify(ctx, "load-url")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(a.HTTPURL("load-url", m.Files[0].Name))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || int64(len(body)) != m.Files[0].Bytes {
		t.Fatalf("GET %s: got status %d and %d bytes, want 200 and %d", a.HTTPURL("load-url", m.Files[0].Name), resp.StatusCode, len(body), m.Files[0].Bytes)
	}
	a.Remove(ctx, "load-url")
}
