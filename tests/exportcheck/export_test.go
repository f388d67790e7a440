package exportcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/dpone-go/dpone/host/export"
)

const schemaFile = "testdata/argo-workflows-v4.0.5.schema.json"

func job(t *testing.T, cron string) *export.Job {
	t.Helper()
	t.Setenv("DPONE_CONN_APP_DSN", "postgres://app:s3cr3t-app@db/app")
	t.Setenv("WH_PASSWORD", "s3cr3t-wh")
	j, err := export.Load("../../host/export/testdata/shop.yaml", export.Options{
		Image: "ghcr.io/acme/dpone:1.0", Namespace: "data", Cron: cron, Parallel: 3, Retries: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// strictJSON turns YAML into JSON and decodes it into v refusing unknown
// fields: a typo in a generated key fails here.
func strictJSON(t *testing.T, y []byte, v any) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("strict decode into %T: %v\n%s", v, err, y)
	}
	return j
}

func TestK8sCronJobDecodesStrictly(t *testing.T) {
	b, err := export.K8s(job(t, "0 3 * * *"))
	if err != nil {
		t.Fatal(err)
	}
	var cj batchv1.CronJob
	strictJSON(t, b, &cj)
	if cj.APIVersion != "batch/v1" || cj.Kind != "CronJob" || cj.Name != "shop-nightly" || cj.Namespace != "data" {
		t.Errorf("object = %s %s %s/%s", cj.APIVersion, cj.Kind, cj.Namespace, cj.Name)
	}
	if cj.Spec.Schedule != "0 3 * * *" || cj.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("schedule %q policy %q", cj.Spec.Schedule, cj.Spec.ConcurrencyPolicy)
	}
	pod := cj.Spec.JobTemplate.Spec.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || len(pod.Containers) != 1 {
		t.Fatalf("pod spec = %+v", pod)
	}
	c := pod.Containers[0]
	if got := strings.Join(append(c.Command, c.Args...), " "); got != "dpone run ../../host/export/testdata/shop.yaml -p 3" {
		t.Errorf("container runs %q", got)
	}
	checkEnv(t, c.Env)
	if *cj.Spec.JobTemplate.Spec.BackoffLimit != 4 {
		t.Errorf("backoffLimit = %d, want 4", *cj.Spec.JobTemplate.Spec.BackoffLimit)
	}
}

func checkEnv(t *testing.T, env []corev1.EnvVar) {
	t.Helper()
	var names []string
	for _, e := range env {
		names = append(names, e.Name)
		if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			t.Errorf("env %s is not a secret reference: %+v", e.Name, e)
			continue
		}
		if r := e.ValueFrom.SecretKeyRef; r.Name != "dpone-shop-nightly" || r.Key != e.Name {
			t.Errorf("env %s refers to %s/%s", e.Name, r.Name, r.Key)
		}
	}
	if got := strings.Join(names, ","); got != "DPONE_CONN_APP_DSN,DPONE_STATE_URL,WH_PASSWORD" {
		t.Errorf("env = %s", got)
	}
}

func argoSchema(t *testing.T) (*jsonschema.Schema, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("argo.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("argo.json")
	if err != nil {
		t.Fatal(err)
	}
	return s, doc.(map[string]any)["definitions"].(map[string]any)
}

func TestArgoValidatesAgainstItsSchema(t *testing.T) {
	schema, defs := argoSchema(t)
	for _, tc := range []struct{ cron, kind string }{{"", "Workflow"}, {"0 3 * * *", "CronWorkflow"}} {
		t.Run(tc.kind, func(t *testing.T) {
			j := job(t, tc.cron)
			b, err := export.Argo(j)
			if err != nil {
				t.Fatal(err)
			}
			js, err := yaml.YAMLToJSON(b)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("schema: %v\n%s", err, b)
			}
			obj := inst.(map[string]any)
			if obj["kind"] != tc.kind {
				t.Fatalf("kind = %v, want %s", obj["kind"], tc.kind)
			}
			var unknown []string
			walk(defs, "io.argoproj.workflow.v1alpha1."+tc.kind, obj, "", &unknown)
			if len(unknown) > 0 {
				t.Errorf("keys the Argo schema does not define: %s", strings.Join(unknown, ", "))
			}
			spec := obj["spec"].(map[string]any)
			if tc.kind == "CronWorkflow" {
				if fmt.Sprint(spec["schedules"]) != "[0 3 * * *]" {
					t.Errorf("schedules = %v", spec["schedules"])
				}
				spec = spec["workflowSpec"].(map[string]any)
			}
			checkArgoDAG(t, j, spec)
		})
	}
}

// checkArgoDAG compares the DAG template with the job and decodes the
// unit template's container strictly as a Kubernetes container.
func checkArgoDAG(t *testing.T, j *export.Job, spec map[string]any) {
	t.Helper()
	if fmt.Sprint(spec["parallelism"]) != "3" {
		t.Errorf("parallelism = %v, want 3", spec["parallelism"])
	}
	templates := spec["templates"].([]any)
	dag := templates[0].(map[string]any)["dag"].(map[string]any)
	got := map[string]string{}
	for _, x := range dag["tasks"].([]any) {
		task := x.(map[string]any)
		var deps []string
		for _, d := range asList(task["dependencies"]) {
			deps = append(deps, d.(string))
		}
		sort.Strings(deps)
		unit := task["arguments"].(map[string]any)["parameters"].([]any)[0].(map[string]any)["value"].(string)
		got[unit] = task["name"].(string) + "<-" + strings.Join(deps, ",")
	}
	want := map[string]string{}
	for _, tk := range j.Tasks {
		want[tk.Unit] = tk.Name + "<-" + strings.Join(tk.Deps, ",")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dag tasks = %v\nwant %v", got, want)
	}
	unit := templates[1].(map[string]any)
	if unit["retryStrategy"].(map[string]any)["limit"] != "4" {
		t.Errorf("retryStrategy = %v", unit["retryStrategy"])
	}
	cj, _ := json.Marshal(unit["container"])
	var c corev1.Container
	dec := json.NewDecoder(bytes.NewReader(cj))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("container: %v", err)
	}
	if got := strings.Join(append(c.Command, c.Args...), " "); got != "dpone run ../../host/export/testdata/shop.yaml --select {{inputs.parameters.unit}}" {
		t.Errorf("container runs %q", got)
	}
	checkEnv(t, c.Env)
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// walk records every key of v that the schema definition def does not
// define. Argo's schema leaves additionalProperties open, so a typo such
// as "dependecies" validates; this walk catches it.
func walk(defs map[string]any, def string, v any, path string, unknown *[]string) {
	d, ok := defs[def].(map[string]any)
	if !ok {
		return
	}
	walkSchema(defs, d, v, path, unknown)
}

func walkSchema(defs map[string]any, d map[string]any, v any, path string, unknown *[]string) {
	if ref, ok := d["$ref"].(string); ok {
		walk(defs, strings.TrimPrefix(ref, "#/definitions/"), v, path, unknown)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, ok := d["properties"].(map[string]any)
		if !ok {
			return // a free-form object (e.g. labels)
		}
		for k, val := range x {
			p, ok := props[k].(map[string]any)
			if !ok {
				*unknown = append(*unknown, path+"."+k)
				continue
			}
			walkSchema(defs, p, val, path+"."+k, unknown)
		}
	case []any:
		items, ok := d["items"].(map[string]any)
		if !ok {
			return
		}
		for i, val := range x {
			walkSchema(defs, items, val, fmt.Sprintf("%s[%d]", path, i), unknown)
		}
	}
}

// TestStrictWalkCatchesTypos proves the walk is not vacuous: a misspelt
// key the schema alone accepts is reported.
func TestStrictWalkCatchesTypos(t *testing.T) {
	schema, defs := argoSchema(t)
	b, err := export.Argo(job(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("dependencies:"), []byte("dependecies:"), 1)
	js, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err := schema.Validate(inst); err != nil {
		t.Logf("the schema caught it too: %v", err)
	}
	var unknown []string
	walk(defs, "io.argoproj.workflow.v1alpha1.Workflow", inst, "", &unknown)
	if len(unknown) != 1 || !strings.HasSuffix(unknown[0], ".dependecies") {
		t.Errorf("unknown = %v, want the misspelt dependecies", unknown)
	}
}
