package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dpone-go/dpone/host/export"
)

func newExportCmd(app *App) *cobra.Command {
	o := export.Options{}
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the manifest as Airflow, Argo Workflows or Kubernetes jobs",
		Long: `Export turns a manifest into the job definitions of an orchestrator you
already run: one task per unit running "dpone run MANIFEST --select UNIT",
ordered by the manifest's depends_on. dpone schedules nothing itself.

Tasks share one state backend: the manifest's postgres state, or the URL
in DPONE_STATE_URL when the manifest keeps state in a local file.
Credentials are never written out; each task receives them as references
(Kubernetes Secret keys, Airflow connections and variables) named after
the variables dpone reads: DPONE_CONN_<ID>_<FIELD>, the manifest's
${VAR}s and DPONE_STATE_URL. The file's header lists what to create.
Export reads no credentials and starts no connector.`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.Name, "name", "", "DAG / workflow name (default: metadata.id or the manifest's file name)")
	f.StringVar(&o.ManifestPath, "manifest-path", "", "the manifest's path where tasks run (default: as given)")
	f.StringVar(&o.Dpone, "dpone", "dpone", "the command that runs dpone where tasks run")
	f.StringVar(&o.Image, "image", "", "container image with dpone, its connectors and the manifest (argo, k8s, --operator kubernetes)")
	f.StringVar(&o.Namespace, "namespace", "", "Kubernetes namespace")
	f.StringVar(&o.Secret, "secret", "", "Kubernetes Secret holding the variables (default dpone-<name>)")
	f.IntVarP(&o.Parallel, "parallel", "p", 0, "units loading at once (Airflow pool slots, Argo parallelism, dpone run -p; default: the manifest's run.parallel, else 4)")
	f.IntVar(&o.Retries, "retries", -1, "orchestrator retries per task (default: the manifest's run.retries, else 2)")
	f.StringVar(&o.Cron, "cron", "", "schedule, e.g. \"0 3 * * *\" (argo: CronWorkflow; k8s: required)")
	f.StringVarP(&out, "output", "o", "", "write to this file instead of stdout")

	write := func(b []byte) error {
		if out == "" {
			_, err := app.Out.Write(b)
			return err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
		fmt.Fprintf(app.Err, "wrote %s\n", out)
		return nil
	}
	var operator string
	airflow := &cobra.Command{
		Use:   "airflow MANIFEST",
		Short: "One Airflow DAG file: a BashOperator (or KubernetesPodOperator) task per unit",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			j, err := export.Load(args[0], o)
			if err != nil {
				return asUsage(err)
			}
			b, err := export.Airflow(j, operator)
			if err != nil {
				return usagef("%v", err)
			}
			return write(b)
		},
	}
	airflow.Flags().StringVar(&operator, "operator", "bash", "bash (dpone on the worker) or kubernetes (a pod per task)")
	argo := &cobra.Command{
		Use:   "argo MANIFEST",
		Short: "An Argo Workflow (CronWorkflow with --cron) with a DAG task per unit",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			j, err := export.Load(args[0], o)
			if err != nil {
				return asUsage(err)
			}
			b, err := export.Argo(j)
			if err != nil {
				return usagef("%v", err)
			}
			return write(b)
		},
	}
	k8s := &cobra.Command{
		Use:   "k8s MANIFEST",
		Short: "A Kubernetes CronJob running the whole manifest in one pod",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			j, err := export.Load(args[0], o)
			if err != nil {
				return asUsage(err)
			}
			b, err := export.K8s(j)
			if err != nil {
				return usagef("%v", err)
			}
			return write(b)
		},
	}
	cmd.AddCommand(airflow, argo, k8s)
	return cmd
}
