package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/flinkdist"
	"weir.dev/weir/internal/image"
	"weir.dev/weir/internal/install"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/localcluster/binaries"
)

// EnsureBinaries builds etcd, Kubernetes, CoreDNS and crictl when the cache lacks them
// (not the optional ones: the demo does not turn on observability).
func (r *Runner) EnsureBinaries(ctx context.Context) error {
	var set []binaries.Binary
	obs := slices.Contains(r.With, localcluster.FeatureObservability)
	for _, b := range binaries.All() {
		if !binaries.Optional(b) || obs { // the observability daemons only when asked for
			set = append(set, b)
		}
	}
	return r.ensureBinaries(ctx, "binaries (etcd, Kubernetes, CoreDNS, crictl)", set)
}

// EnsureClusterBinaries builds what the cluster runs. crictl is only a teardown aid (down
// copes without it), so `make run` does not wait five cold minutes for it.
func (r *Runner) EnsureClusterBinaries(ctx context.Context) error {
	var set []binaries.Binary
	for _, b := range binaries.All() {
		if b.Name != "crictl" && !binaries.Optional(b) {
			set = append(set, b)
		}
	}
	return r.ensureBinaries(ctx, "binaries (etcd, Kubernetes, CoreDNS)", set)
}

func (r *Runner) ensureBinaries(ctx context.Context, step string, set []binaries.Binary) error {
	return r.Step(step, func() (string, error) {
		b := &binaries.Builder{Cache: binaries.Cache{Root: r.CacheDir}, Out: newIndent(r.Out)}
		missing := b.Missing(set)
		if len(missing) == 0 {
			return "all cached", nil
		}
		fmt.Fprintf(r.Out, "  building %d binaries from the Go module proxy; a cold build takes 20-30 minutes on 2 cores\n", len(missing))
		return fmt.Sprintf("built %d", len(missing)), b.Ensure(ctx, missing)
	})
}

// ClusterUp starts the local cluster; a no-op when it runs.
func (r *Runner) ClusterUp(ctx context.Context) error {
	return r.Step("local cluster up", func() (string, error) {
		return "", localcluster.Up(ctx, r.clusterOptions())
	})
}

// ClusterDown stops the local cluster and checks nothing is left behind.
func (r *Runner) ClusterDown(ctx context.Context) error {
	return r.Step("local cluster down", func() (string, error) {
		return "", localcluster.Down(ctx, r.clusterOptions(), false)
	})
}

// Images builds the Flink images and the operator image and imports them (BuildImages,
// then ImportImages). It returns a key that changes with the operator image, for rolling
// the operator pod.
func (r *Runner) Images(ctx context.Context) (operatorKey string, err error) {
	archives, operatorKey, err := r.BuildImages(ctx)
	if err != nil {
		return "", err
	}
	return operatorKey, r.ImportImages(ctx, archives)
}

// BuildImages builds the Flink images and the operator image into the cache (each keyed by
// a hash of its inputs). It needs no cluster, so `make run` overlaps it with the binaries.
func (r *Runner) BuildImages(ctx context.Context) (archives []image.Result, operatorKey string, err error) {
	err = r.Step("images (Flink "+strings.Join(r.FlinkLines, ", ")+", operator)", func() (string, error) {
		p := image.NewProgress(newIndent(r.Out))
		for _, line := range r.FlinkLines {
			full, err := flinkdist.Resolve(line)
			if err != nil {
				return "", err
			}
			res, err := image.BuildFlink(ctx, r.CacheDir, full, p)
			if err != nil {
				return "", err
			}
			archives = append(archives, res)
		}
		res, err := image.BuildOperator(r.CacheDir, r.OperatorBinary, p)
		if err != nil {
			return "", err
		}
		archives = append(archives, res)
		operatorKey = strings.TrimSuffix(filepath.Base(res.Path), ".tar")
		return "", nil
	})
	return archives, operatorKey, err
}

// ImportImages imports the archives the cluster's containerd lacks or holds in an older build.
func (r *Runner) ImportImages(ctx context.Context, archives []image.Result) error {
	return r.Step("import images into the cluster", func() (string, error) {
		var did []string
		for _, a := range archives {
			imported, err := r.importArchive(ctx, a)
			if err != nil {
				return "", err
			}
			if imported {
				did = append(did, strings.Join(a.Refs, ","))
			}
		}
		if len(did) == 0 {
			return "all present", nil
		}
		return "imported " + strings.Join(did, "; "), nil
	})
}

// InstallOperator installs the CRDs and the operator through the embedded Helm chart, the
// way users deploy it, with the locally imported image (never pulled). operatorKey, when
// set, is stamped on the pod template so a rebuilt image under the same tag rolls the pod.
func (r *Runner) InstallOperator(ctx context.Context, operatorKey string, watchNamespaces ...string) error {
	return r.Step("operator (Helm chart: CRDs, RBAC, Deployment)", func() (string, error) {
		repo, tag, _ := strings.Cut(image.OperatorRef, ":")
		values := map[string]any{
			"image": map[string]any{"repository": repo, "tag": tag, "pullPolicy": "IfNotPresent"},
		}
		if operatorKey != "" {
			values["metrics"] = map[string]any{"podAnnotations": map[string]any{"weir.dev/operator-image": operatorKey}}
		}
		if r.OperatorConfig != "" {
			values["defaultConfiguration"] = map[string]any{"flink-conf.yaml": r.OperatorConfig}
		}
		if len(watchNamespaces) > 0 {
			ns := make([]any, len(watchNamespaces))
			for i, n := range watchNamespaces {
				ns[i] = n
			}
			values["watchNamespaces"] = ns
		}
		rel, err := install.Operator(ctx, install.OperatorOptions{
			Kubeconfig: r.Kubeconfig(), Namespace: "weir-system", ReleaseName: "weir",
			Values: values, Wait: true, Timeout: 5 * time.Minute,
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("release %s revision %d %s", rel.Name, rel.Version, rel.Info.Status), nil
	})
}

// Clients connects to the local cluster.
func (r *Runner) Clients() (*app.Clients, error) { return app.NewClients(r.Kubeconfig()) }

// ApplyFile server-side applies a manifest file into namespace.
func (r *Runner) ApplyFile(ctx context.Context, c *app.Clients, path, namespace string) error {
	return r.Step("apply "+path, func() (string, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		objs, err := c.Apply(ctx, data, namespace)
		if err != nil {
			return "", err
		}
		var names []string
		for _, o := range objs {
			names = append(names, o.GetKind()+"/"+o.GetName())
		}
		return strings.Join(names, ", "), nil
	})
}

// Wait waits for a FlinkDeployment to reach t, printing its state as it changes; on
// timeout the error explains why (status.error, events, JobManager log).
func (r *Runner) Wait(ctx context.Context, c *app.Clients, key types.NamespacedName, t app.Target, timeout time.Duration) (*v1beta1.FlinkDeployment, error) {
	var d *v1beta1.FlinkDeployment
	err := r.Step(fmt.Sprintf("wait for %s to be %s (up to %s)", key.Name, t, timeout), func() (string, error) {
		var err error
		d, err = c.Wait(ctx, key, t, app.WaitOptions{Timeout: timeout, Out: r.Out})
		if err != nil {
			return "", err
		}
		if id := d.Status.JobStatus.JobID; id != "" {
			return "job " + id, nil
		}
		return "", nil
	})
	return d, err
}
