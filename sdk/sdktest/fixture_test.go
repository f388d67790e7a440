package sdktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFixtureEnv(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.yaml")
	body := "# ${NOT_A_VAR} in a comment is left alone\nconfig:\n  dir: ${DPONE_FIXTURE_TEST_DIR}\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFixture(path)
	if err == nil || !strings.Contains(err.Error(), "${DPONE_FIXTURE_TEST_DIR} not set") {
		t.Fatalf("unset variable: got %v, want an error naming it", err)
	}
	t.Setenv("DPONE_FIXTURE_TEST_DIR", "/data")
	f, err := ReadFixture(path)
	if err != nil {
		t.Fatalf("ReadFixture: %v", err)
	}
	if got := string(f.Config); !strings.Contains(got, `"/data"`) {
		t.Errorf("config: got %s, want dir /data", got)
	}
}
