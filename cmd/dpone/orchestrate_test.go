package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.yaml.in/yaml/v3"
)

// argoWorkflow is the part of an exported Argo Workflow this test
// orchestrator executes.
type argoWorkflow struct {
	Spec struct {
		Parallelism int `yaml:"parallelism"`
		Templates   []struct {
			Name string `yaml:"name"`
			DAG  *struct {
				Tasks []struct {
					Name         string   `yaml:"name"`
					Dependencies []string `yaml:"dependencies"`
					Arguments    struct {
						Parameters []struct{ Name, Value string } `yaml:"parameters"`
					} `yaml:"arguments"`
				} `yaml:"tasks"`
			} `yaml:"dag"`
			RetryStrategy struct {
				Limit string `yaml:"limit"`
			} `yaml:"retryStrategy"`
			Container struct {
				Command []string `yaml:"command"`
				Args    []string `yaml:"args"`
				Env     []struct {
					Name      string `yaml:"name"`
					ValueFrom struct {
						SecretKeyRef struct{ Name, Key string } `yaml:"secretKeyRef"`
					} `yaml:"valueFrom"`
				} `yaml:"env"`
			} `yaml:"container"`
		} `yaml:"templates"`
	} `yaml:"spec"`
}

// orchestrate WORKFLOW [fault=TASKUNIT:HOOK]... [dup=UNIT]...: run an
// exported Argo Workflow as Argo would, each task a separate dpone
// process (a pod): a task starts when its dependencies succeeded, at most
// spec.parallelism at once, retried up to retryStrategy.limit times.
// Secret references resolve from the script's environment (the Secret).
// fault=UNIT:HOOK kills the first try of UNIT's task at HOOK
// (DPONE_TEST_FAULT); dup=UNIT starts a second copy of UNIT's first try
// at the same time, as an orchestrator does after losing a node. Prints
// one line per try: "try UNIT N exit CODE", and at the end
// "order UNIT..." in the order tasks succeeded.
func cmdOrchestrate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: orchestrate WORKFLOW [fault=UNIT:HOOK]... [dup=UNIT]...")
	}
	var wf argoWorkflow
	if err := yaml.Unmarshal([]byte(ts.ReadFile(args[0])), &wf); err != nil {
		ts.Fatalf("parse %s: %v", args[0], err)
	}
	faults, dups := map[string]string{}, map[string]bool{}
	for _, a := range args[1:] {
		switch k, v, _ := strings.Cut(a, "="); k {
		case "fault":
			unit, hook, _ := strings.Cut(v, ":")
			faults[unit] = hook
		case "dup":
			dups[v] = true
		default:
			ts.Fatalf("orchestrate: unknown option %q", a)
		}
	}
	if len(wf.Spec.Templates) != 2 || wf.Spec.Templates[0].DAG == nil {
		ts.Fatalf("orchestrate: want a dag template and a unit template")
	}
	unitT := wf.Spec.Templates[1]
	limit, err := strconv.Atoi(unitT.RetryStrategy.Limit)
	if err != nil {
		ts.Fatalf("retryStrategy.limit %q: %v", unitT.RetryStrategy.Limit, err)
	}
	bin, err := exec.LookPath(unitT.Container.Command[0])
	if err != nil {
		// testscript puts the dpone command on the script's PATH.
		for _, dir := range strings.Split(ts.Getenv("PATH"), ":") {
			if p := dir + "/" + unitT.Container.Command[0]; fileExists(p) {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		ts.Fatalf("orchestrate: %s not found on PATH", unitT.Container.Command[0])
	}
	env := []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + ts.Getenv("HOME"), "DPONE_PLUGIN_DIR=" + ts.Getenv("DPONE_PLUGIN_DIR"), "TMPDIR=" + ts.Getenv("TMPDIR")}
	for _, e := range unitT.Container.Env {
		key := e.ValueFrom.SecretKeyRef.Key
		v := ts.Getenv(key)
		if v == "" {
			ts.Fatalf("orchestrate: secret %s has no key %s (the pod would not start)", e.ValueFrom.SecretKeyRef.Name, key)
		}
		env = append(env, e.Name+"="+v)
	}

	type task struct {
		name, unit string
		deps       []string
	}
	var tasks []task
	for _, t := range wf.Spec.Templates[0].DAG.Tasks {
		tasks = append(tasks, task{name: t.Name, unit: t.Arguments.Parameters[0].Value, deps: t.Dependencies})
	}
	var (
		mu      sync.Mutex
		log     []string
		done    = map[string]bool{}
		failed  = map[string]bool{}
		running = map[string]bool{}
		order   []string
	)
	tryOnce := func(t task, try int, extra []string) int {
		args := make([]string, len(unitT.Container.Args))
		for i, a := range unitT.Container.Args {
			args[i] = strings.ReplaceAll(a, "{{inputs.parameters.unit}}", t.unit)
		}
		cmd := exec.Command(bin, append(args, "--progress", "none")...)
		cmd.Dir = ts.Getenv("WORK")
		cmd.Env = append(slices.Clone(env), extra...)
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal()) // as a shell or Kubernetes reports it
		}
		mu.Lock()
		log = append(log, fmt.Sprintf("try %s %d exit %d", t.unit, try, code))
		if code != 0 {
			ts.Logf("task %s try %d exited %d:\n%s", t.unit, try, code, out)
		}
		mu.Unlock()
		return code
	}
	run := func(t task) {
		ok := false
		for try := 1; try <= limit+1 && !ok; try++ {
			var extra []string
			if h := faults[t.unit]; h != "" && try == 1 {
				extra = append(extra, "DPONE_TEST_FAULT="+h)
			}
			if dups[t.unit] && try == 1 {
				var wg sync.WaitGroup
				codes := make([]int, 2)
				for i := range codes {
					wg.Add(1)
					go func() { defer wg.Done(); codes[i] = tryOnce(t, try, extra) }()
				}
				wg.Wait()
				ok = codes[0] == 0 || codes[1] == 0
				continue
			}
			ok = tryOnce(t, try, extra) == 0
		}
		mu.Lock()
		defer mu.Unlock()
		delete(running, t.name)
		if ok {
			done[t.name] = true
			order = append(order, t.unit)
		} else {
			failed[t.name] = true
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		mu.Lock()
		if len(done)+len(failed) == len(tasks) {
			mu.Unlock()
			break
		}
		for _, t := range tasks {
			if done[t.name] || failed[t.name] || running[t.name] || len(running) >= wf.Spec.Parallelism {
				continue
			}
			ready := true
			for _, d := range t.deps {
				if failed[d] {
					failed[t.name] = true // Argo: a task whose dependency failed never runs
				}
				ready = ready && done[d]
			}
			if ready && !failed[t.name] {
				running[t.name] = true
				go run(t)
			}
		}
		mu.Unlock()
		if time.Now().After(deadline) {
			ts.Fatalf("orchestrate: tasks still running after 5 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	slices.Sort(log)
	for _, l := range log {
		fmt.Fprintln(ts.Stdout(), l)
	}
	fmt.Fprintln(ts.Stdout(), "order "+strings.Join(order, " "))
	if len(failed) > 0 {
		ts.Fatalf("orchestrate: %d task(s) failed", len(failed))
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
