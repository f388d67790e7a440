// Package export turns a manifest into the job definitions of an
// orchestrator a team already runs (Airflow, Argo Workflows, Kubernetes):
// one task per unit running `dpone run MANIFEST --select UNIT`, ordered
// by the manifest's DAG, sharing one state backend. dpone schedules
// nothing itself.
//
// Secrets never appear in the output: every credential a task needs
// travels as a reference the orchestrator resolves at run time (a
// Kubernetes Secret key, an Airflow connection or variable), named after
// the environment variable dpone reads (DPONE_CONN_<ID>_<FIELD>, the
// manifest's ${VAR}s, DPONE_STATE_URL).
package export

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/manifest"
)

// StateURLEnv is the variable through which exported tasks receive the
// shared state backend when the manifest keeps state in a local file.
const StateURLEnv = "DPONE_STATE_URL"

// Options shape every exported format.
type Options struct {
	// Name of the DAG / workflow / job; default: the manifest's
	// metadata.id, else its file name without extension.
	Name string
	// ManifestPath is the manifest's path where the task runs (inside
	// the image or on the Airflow worker); default: the path as given.
	ManifestPath string
	// Dpone is the command that runs dpone; default "dpone".
	Dpone string
	// Image is the container image (argo, k8s, airflow --operator
	// kubernetes).
	Image string
	// Namespace is the Kubernetes namespace; empty leaves it unset.
	Namespace string
	// Secret is the Kubernetes Secret holding every referenced variable;
	// default "dpone-<name>".
	Secret string
	// Parallel bounds how many units load at once (dpone run -p); 0: the
	// manifest's run.parallel, else 4.
	Parallel int
	// Retries per task after a failure (the orchestrator's retries; dpone
	// run's own retries of retryable errors happen inside each try);
	// negative: the manifest's run.retries, else 2.
	Retries int
	// Cron schedules the job (argo CronWorkflow, k8s CronJob, Airflow
	// schedule); empty means run on demand (k8s requires one).
	Cron string
}

// Job is the orchestrator-neutral form of an export: tasks in dependency
// order and the variables every task needs.
type Job struct {
	Name     string
	Manifest string // as given to Load
	Tasks    []Task // topological order, ties in manifest order
	Env      []Var  // sorted by name
	Options  Options
}

// Task is one unit.
type Task struct {
	Unit string   // unit id, as --select takes it
	Name string   // orchestrator-safe, stable across exports
	Deps []string // names of the tasks this one waits for
	Args []string // dpone's arguments (after the command)
}

// Var is one environment variable a task needs, resolved by the
// orchestrator from a secret store.
type Var struct {
	Name       string // environment variable
	Connection string // connection id for DPONE_CONN_* variables
	Field      string // lower-case credential field (dsn, path, ...)
}

// Load reads a manifest for export: without its credentials (nothing is
// connected), recording every variable a task will need.
func Load(path string, opts Options) (*Job, error) {
	refs := map[string]bool{}
	connEnv := map[string]bool{}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, manifest.EnvPrefix) {
			connEnv[k] = true
		}
	}
	mo := manifest.Options{
		WithoutCredentials: true,
		// Names only: a value would end up in the manifest's rendered
		// tree, and nothing exported may carry one.
		LookupEnv: func(k string) (string, bool) { refs[k] = true; return "${" + k + "}", true },
		Environ: func() []string {
			out := make([]string, 0, len(connEnv))
			for k := range connEnv {
				out = append(out, k+"=")
			}
			return out
		},
	}
	m, err := manifest.Load(path, mo)
	if err != nil {
		return nil, err
	}
	return build(m, path, refs, connEnv, opts)
}

func build(m *manifest.Manifest, path string, refs, connEnv map[string]bool, opts Options) (*Job, error) {
	if opts.Name == "" {
		opts.Name = m.Metadata.ID
	}
	if opts.Name == "" {
		opts.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if opts.ManifestPath == "" {
		opts.ManifestPath = path
	}
	if opts.Dpone == "" {
		opts.Dpone = "dpone"
	}
	if opts.Secret == "" {
		opts.Secret = "dpone-" + dnsName(opts.Name)
	}
	if opts.Parallel <= 0 {
		opts.Parallel = m.Run.Parallel
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Retries < 0 {
		opts.Retries = 2
		if m.Run.Retries != nil {
			opts.Retries = *m.Run.Retries
		}
	}
	j := &Job{Name: opts.Name, Manifest: path, Options: opts}
	vars := map[string]Var{}
	for k := range refs {
		vars[k] = Var{Name: k}
	}
	if m.State.Backend != "postgres" {
		vars[StateURLEnv] = Var{Name: StateURLEnv}
	}
	for _, u := range m.Units {
		for _, e := range []manifest.Endpoint{u.Source, u.Sink} {
			if e.ConnectionType != "env" || e.ConnectionID == "" || len(e.Config) > 0 && !fromEnv(e, connEnv) {
				continue
			}
			prefix := manifest.EnvPrefix + manifest.EnvName(e.ConnectionID) + "_"
			found := false
			for k := range connEnv {
				if field, ok := strings.CutPrefix(k, prefix); ok && field != "" {
					vars[k] = Var{Name: k, Connection: e.ConnectionID, Field: strings.ToLower(field)}
					found = true
				}
			}
			if !found {
				field := manifest.ExampleField(e.Type)
				vars[prefix+field] = Var{Name: prefix + field, Connection: e.ConnectionID, Field: strings.ToLower(field)}
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		j.Env = append(j.Env, vars[k])
	}
	g := m.Graph()
	order, err := g.TopoOrder()
	if err != nil {
		return nil, err
	}
	names := taskNames(order)
	for _, id := range order {
		t := Task{Unit: id, Name: names[id], Args: []string{"run", opts.ManifestPath, "--select", id}}
		for _, d := range g.Deps(id) {
			t.Deps = append(t.Deps, names[d])
		}
		slices.Sort(t.Deps)
		j.Tasks = append(j.Tasks, t)
	}
	return j, nil
}

// fromEnv reports whether e's config came from DPONE_CONN_* variables
// (rather than the manifest's connections block, whose ${VAR}s are
// recorded as references on their own).
func fromEnv(e manifest.Endpoint, connEnv map[string]bool) bool {
	prefix := manifest.EnvPrefix + manifest.EnvName(e.ConnectionID) + "_"
	for k := range connEnv {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

var notDNS = regexp.MustCompile(`[^a-z0-9]+`)

// dnsName turns s into an RFC 1123 label fragment: lower case letters,
// digits and single dashes.
func dnsName(s string) string {
	s = strings.Trim(notDNS.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		s = "x"
	}
	return s
}

// taskNames gives each unit a name every orchestrator accepts (Argo and
// Kubernetes want DNS labels; Airflow accepts those too). A name is a
// function of the unit id alone, so it is stable across exports; when
// cleaning changed the id, a short hash of it keeps two ids that clean
// alike apart.
func taskNames(ids []string) map[string]string {
	out := map[string]string{}
	for _, id := range ids {
		n := dnsName(id)
		if n != id {
			sum := sha256.Sum256([]byte(id))
			n = fmt.Sprintf("%s-%s", n, hex.EncodeToString(sum[:3]))
		}
		if len(n) > 63 {
			sum := sha256.Sum256([]byte(id))
			n = strings.TrimRight(n[:56], "-") + "-" + hex.EncodeToString(sum[:3])
		}
		out[id] = n
	}
	return out
}
