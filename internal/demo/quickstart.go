package demo

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/image"
)

// QuickstartOptions choose the manifest `weir demo` applies and how long it waits.
type QuickstartOptions struct {
	Manifest  string // examples/quickstart.yaml
	Name      string // the FlinkDeployment it holds
	Namespace string
	Timeout   time.Duration
}

// Quickstart runs every step of `make run`: binaries, cluster, images, operator, the S3
// credentials and the example deployment, the wait until its job runs and the check that
// it checkpoints to S3. It then prints how to look at it.
func (r *Runner) Quickstart(ctx context.Context, o QuickstartOptions) error {
	// The images need no cluster: on a cold machine they are built (mostly downloads and
	// unpacking) while the binaries compile, which takes minutes off the first run.
	r.startClock()
	type builtImages struct {
		archives []image.Result
		key      string
		err      error
	}
	images := make(chan builtImages, 1)
	go func() {
		a, k, err := r.BuildImages(ctx)
		images <- builtImages{a, k, err}
	}()
	if err := r.EnsureClusterBinaries(ctx); err != nil {
		return err
	}
	if err := r.ClusterUp(ctx); err != nil {
		return err
	}
	built := <-images
	if built.err != nil {
		return built.err
	}
	if err := r.ImportImages(ctx, built.archives); err != nil {
		return err
	}
	if err := r.InstallOperator(ctx, built.key, o.Namespace); err != nil {
		return err
	}
	c, err := r.Clients()
	if err != nil {
		return err
	}
	if err := r.CopyS3Credentials(ctx, c, o.Namespace); err != nil {
		return err
	}
	if err := r.ApplyFile(ctx, c, o.Manifest, o.Namespace); err != nil {
		return err
	}
	nn := types.NamespacedName{Namespace: o.Namespace, Name: o.Name}
	d, err := r.Wait(ctx, c, nn, app.TargetRunning, o.Timeout)
	if err != nil {
		return err
	}
	// Checkpoints every 10 s: the first completes well within two minutes of RUNNING.
	if err := r.CheckS3Checkpoints(ctx, d, 2*time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "\nweir demo: job %s is RUNNING and checkpoints to S3 after %s\n\n", o.Name, round(r.Elapsed()))
	return r.PrintNextSteps(ctx, c, nn)
}

// PrintNextSteps shows the status table and how to open the UI, read logs and stop.
func (r *Runner) PrintNextSteps(ctx context.Context, c *app.Clients, key types.NamespacedName) error {
	d, err := c.Get(ctx, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "$ weir app status %s\n", key.Name)
	if err := app.WriteTable(r.Out, []app.Summary{app.Summarize(d)}); err != nil {
		return err
	}
	url, err := c.UIURL(ctx, key)
	if err != nil {
		url = "(unknown: " + err.Error() + ")"
	}
	ns := ""
	if key.Namespace != "default" {
		ns = " -n " + key.Namespace
	}
	fmt.Fprintf(r.Out, `
Flink UI:     %s   (open it in a browser on this machine; also: weir app ui %s%s)
Status:       weir app status %[2]s%[3]s
Logs:         weir app logs %[2]s%[3]s -f          (JobManager)
Lifecycle:    weir app suspend|resume|savepoint|restart %[2]s%[3]s
kubectl:      export KUBECONFIG=%[4]s
Stop:         weir local down      (or: make run-down)
`, url, key.Name, ns, r.Kubeconfig())
	return nil
}
