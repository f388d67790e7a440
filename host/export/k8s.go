package export

import "fmt"

// K8s renders the job as a Kubernetes CronJob running the whole manifest
// (`dpone run MANIFEST -p N`): Kubernetes has no DAG, and dpone run
// already walks the manifest's graph within one pod. Teams that want a
// pod per unit use Argo. Variables come from the Secret Options.Secret.
func K8s(j *Job) ([]byte, error) {
	if j.Options.Image == "" {
		return nil, fmt.Errorf("k8s export needs --image (the container image with dpone, its connectors and the manifest)")
	}
	if j.Options.Cron == "" {
		return nil, fmt.Errorf("k8s export needs --cron (a CronJob schedule such as \"0 3 * * *\")")
	}
	meta := map[string]any{"name": dnsName(j.Name)}
	if j.Options.Namespace != "" {
		meta["namespace"] = j.Options.Namespace
	}
	args := []string{"run", j.Options.ManifestPath, "-p", fmt.Sprint(j.Options.Parallel)}
	doc := map[string]any{
		"apiVersion": "batch/v1",
		"kind":       "CronJob",
		"metadata":   meta,
		"spec": map[string]any{
			"schedule":          j.Options.Cron,
			"concurrencyPolicy": "Forbid",
			"jobTemplate": map[string]any{"spec": map[string]any{
				"backoffLimit": j.Options.Retries,
				"template": map[string]any{"spec": map[string]any{
					"restartPolicy": "Never",
					"containers":    []map[string]any{container(j, args)},
				}},
			}},
		},
	}
	return marshal(j, "k8s", doc)
}
