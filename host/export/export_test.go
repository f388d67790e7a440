package export

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dpone-go/dpone/host/manifest"
)

// Secrets the tests put in the environment: no export may contain them.
const (
	appSecret = "app-Pa55-word-9f2c"
	whSecret  = "wh-Pa55-word-77ab"
)

func setSecrets(t *testing.T) {
	t.Setenv("DPONE_CONN_APP_DSN", "postgres://app:"+appSecret+"@db:5432/app")
	t.Setenv("WH_PASSWORD", whSecret)
}

func load(t *testing.T, opts Options) *Job {
	t.Helper()
	j, err := Load("testdata/shop.yaml", opts)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// manifestGraph returns unit -> sorted deps as `dpone dag show --json`
// prints them: the reference every export is compared with.
func manifestGraph(t *testing.T) map[string][]string {
	t.Helper()
	setSecrets(t)
	m, err := manifest.Load("testdata/shop.yaml", manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := m.Graph().Render("json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Nodes []struct {
			ID   string   `json:"id"`
			Deps []string `json:"deps"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(js), &g); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range g.Nodes {
		d := append([]string{}, n.Deps...)
		slices.Sort(d)
		out[n.ID] = d
	}
	if len(out) != 5 {
		t.Fatalf("dag show --json has %d units, want 5", len(out))
	}
	return out
}

func TestJobFollowsTheManifestGraph(t *testing.T) {
	want := manifestGraph(t)
	j := load(t, Options{})
	unit := map[string]string{}
	for _, tk := range j.Tasks {
		unit[tk.Name] = tk.Unit
	}
	got := map[string][]string{}
	seen := map[string]bool{}
	for _, tk := range j.Tasks {
		deps := []string{}
		for _, d := range tk.Deps {
			if !seen[d] {
				t.Errorf("task %s comes before its dependency %s", tk.Name, d)
			}
			deps = append(deps, unit[d])
		}
		slices.Sort(deps)
		got[tk.Unit] = deps
		seen[tk.Name] = true
		if want := []string{"run", "testdata/shop.yaml", "--select", tk.Unit}; !slices.Equal(tk.Args, want) {
			t.Errorf("args of %s = %q, want %q", tk.Unit, tk.Args, want)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("graph (-manifest +export):\n%s", d)
	}
}

func TestJobNeedsReferencesNotValues(t *testing.T) {
	setSecrets(t)
	j := load(t, Options{})
	var names []string
	for _, v := range j.Env {
		names = append(names, v.Name)
	}
	// The app connection comes from DPONE_CONN_APP_*, the warehouse's from
	// the connections block's ${WH_PASSWORD}; state is a local file, so
	// tasks need DPONE_STATE_URL.
	want := []string{"DPONE_CONN_APP_DSN", "DPONE_STATE_URL", "WH_PASSWORD"}
	if !slices.Equal(names, want) {
		t.Errorf("env = %q, want %q", names, want)
	}
}

func TestConnectionWithoutEnvGetsTheUsualField(t *testing.T) {
	t.Setenv("WH_PASSWORD", "x")
	j := load(t, Options{})
	if j.Env[0].Name != "DPONE_CONN_APP_DSN" || j.Env[0].Connection != "app" || j.Env[0].Field != "dsn" {
		t.Errorf("env[0] = %+v, want DPONE_CONN_APP_DSN of connection app", j.Env[0])
	}
}

func TestNoSecretInAnyExport(t *testing.T) {
	setSecrets(t)
	j := load(t, Options{Image: "ghcr.io/acme/dpone:1", Cron: "0 3 * * *", Namespace: "data"})
	outs := map[string]func() ([]byte, error){
		"airflow bash": func() ([]byte, error) { return Airflow(j, OperatorBash) },
		"airflow k8s":  func() ([]byte, error) { return Airflow(j, OperatorKubernetes) },
		"argo":         func() ([]byte, error) { return Argo(j) },
		"k8s":          func() ([]byte, error) { return K8s(j) },
	}
	for name, f := range outs {
		b, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range []string{appSecret, whSecret} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s export contains the secret %q", name, s)
			}
		}
		if !strings.Contains(string(b), "DPONE_CONN_APP_DSN") {
			t.Errorf("%s export does not reference DPONE_CONN_APP_DSN", name)
		}
	}
}

func TestTaskNamesAreStable(t *testing.T) {
	setSecrets(t)
	a := load(t, Options{})
	// The same manifest with a unit added in front: no existing task is
	// renamed (an orchestrator would lose its history).
	src, err := os.ReadFile("testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	more := strings.Replace(string(src), "      - table: customers\n", "      - table: addresses\n        overrides: {sink: {strategy: {unique_key: [id]}}}\n      - table: customers\n", 1)
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(more), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, tk := range b.Tasks {
		names[tk.Unit] = tk.Name
	}
	for _, tk := range a.Tasks {
		if names[tk.Unit] != tk.Name {
			t.Errorf("unit %s: task %q became %q", tk.Unit, tk.Name, names[tk.Unit])
		}
	}
	if len(b.Tasks) != len(a.Tasks)+1 {
		t.Errorf("got %d tasks, want %d", len(b.Tasks), len(a.Tasks)+1)
	}
	ids := taskNames([]string{"a.b", "a-b", "A_B", strings.Repeat("x", 80)})
	seen := map[string]bool{}
	for id, n := range ids {
		if seen[n] {
			t.Errorf("two ids clean to %q", n)
		}
		seen[n] = true
		if len(n) > 63 || dnsName(n) != n {
			t.Errorf("name %q of %q is not a DNS label", n, id)
		}
	}
}

// TestAirflowDAGImports compiles the generated DAG file with python3
// against a stub of the Airflow API and compares the graph it builds with
// the manifest's.
func TestAirflowDAGImports(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is needed to compile exported Airflow DAGs: install it (Debian: apt-get install python3)")
	}
	want := manifestGraph(t)
	for _, op := range []string{OperatorBash, OperatorKubernetes} {
		t.Run(op, func(t *testing.T) {
			j := load(t, Options{Image: "ghcr.io/acme/dpone:1", Parallel: 3, Retries: 5, Cron: "@daily"})
			b, err := Airflow(j, op)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "dpone_shop.py")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-B", "testdata/airflowstub/load_dag.py", file)
			cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join("testdata", "airflowstub"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("python3 could not load the DAG: %v\n%s\n--- file:\n%s", err, out, b)
			}
			var dag struct {
				DagID          string `json:"dag_id"`
				Schedule       string `json:"schedule"`
				MaxActiveTasks int    `json:"max_active_tasks"`
				Retries        int    `json:"retries"`
				Tasks          []struct {
					TaskID   string            `json:"task_id"`
					Pool     string            `json:"pool"`
					Upstream []string          `json:"upstream"`
					Command  string            `json:"command"`
					Env      map[string]string `json:"env"`
					Secrets  []struct{ Env, Secret, Key string }
				} `json:"tasks"`
			}
			if err := json.Unmarshal(out, &dag); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if dag.DagID != "shop-nightly" || dag.MaxActiveTasks != 3 || dag.Retries != 5 || dag.Schedule != "@daily" {
				t.Errorf("dag = %s/%d/%d/%s, want shop-nightly/3/5/@daily", dag.DagID, dag.MaxActiveTasks, dag.Retries, dag.Schedule)
			}
			got := map[string][]string{}
			for _, tk := range dag.Tasks {
				got[tk.TaskID] = append([]string{}, tk.Upstream...)
				if tk.Pool != "dpone_shop_nightly" {
					t.Errorf("task %s pool %q", tk.TaskID, tk.Pool)
				}
				if want := "dpone run testdata/shop.yaml --select " + tk.TaskID; tk.Command != want {
					t.Errorf("task %s runs %q, want %q", tk.TaskID, tk.Command, want)
				}
				switch op {
				case OperatorBash:
					if v := tk.Env["DPONE_CONN_APP_DSN"]; v != `{{ conn.dpone_app.extra_dejson["dsn"] }}` {
						t.Errorf("task %s DPONE_CONN_APP_DSN = %q", tk.TaskID, v)
					}
					if v := tk.Env["WH_PASSWORD"]; v != "{{ var.value.WH_PASSWORD }}" {
						t.Errorf("task %s WH_PASSWORD = %q", tk.TaskID, v)
					}
				case OperatorKubernetes:
					if len(tk.Secrets) != 3 || tk.Secrets[0].Secret != "dpone-shop-nightly" || tk.Secrets[0].Key != "DPONE_CONN_APP_DSN" {
						t.Errorf("task %s secrets = %+v", tk.TaskID, tk.Secrets)
					}
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("graph (-manifest +airflow):\n%s", d)
			}
		})
	}
}

// TestRunBlockSetsRetriesAndParallel: the manifest's run block gives the
// tasks' retries and parallelism unless the command line says otherwise.
func TestRunBlockSetsRetriesAndParallel(t *testing.T) {
	setSecrets(t)
	src, err := os.ReadFile("testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	withRun := strings.Replace(string(src), "connections:\n", "run: {parallel: 3, retries: 5}\nconnections:\n", 1)
	path := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(path, []byte(withRun), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts              Options
		parallel, retries int
	}{
		{Options{Retries: -1}, 3, 5},
		{Options{Parallel: 2, Retries: 0}, 2, 0},
	} {
		j, err := Load(path, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if j.Options.Parallel != tc.parallel || j.Options.Retries != tc.retries {
			t.Errorf("options %+v: parallel %d retries %d, want %d %d", tc.opts, j.Options.Parallel, j.Options.Retries, tc.parallel, tc.retries)
		}
		b, err := Airflow(j, OperatorBash)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`"retries": %d,`, tc.retries); !strings.Contains(string(b), want) {
			t.Errorf("DAG file lacks %s", want)
		}
	}
	// without a run block: 4 and 2
	j := load(t, Options{Retries: -1})
	if j.Options.Parallel != 4 || j.Options.Retries != 2 {
		t.Errorf("defaults: parallel %d retries %d, want 4 2", j.Options.Parallel, j.Options.Retries)
	}
}
