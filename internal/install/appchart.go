package install

import (
	"context"
	"time"

	"helm.sh/helm/v3/pkg/release"

	"weir.dev/weir/charts"
)

// AppOptions say where the weir-app chart is installed and with which values.
type AppOptions struct {
	Kubeconfig string
	// Namespace of the app (created when missing).
	Namespace string
	// ReleaseName is also the app's name unless the values set name.
	ReleaseName string
	// Values as in a values file (charts/weir-app/README.md); checked against the chart's
	// values.schema.json.
	Values  map[string]any
	Timeout time.Duration
	// Logf receives Helm's progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// App installs the weir-app chart, or upgrades the release when it exists, as `helm
// upgrade --install` does. Helm patches the FlinkDeployment in place (never deletes it),
// so the operator sees a spec change and upgrades the job with its state. It does not
// wait for the app: Helm cannot read a FlinkDeployment's readiness.
func App(ctx context.Context, o AppOptions) (*release.Release, error) {
	ch, err := loadEmbedded(charts.App, "weir-app")
	if err != nil {
		return nil, err
	}
	if o.Timeout == 0 {
		o.Timeout = time.Minute
	}
	rel, _, _, err := installOrUpgrade(ctx, ch, releaseOptions{
		kubeconfig: o.Kubeconfig, namespace: o.Namespace, name: o.ReleaseName, values: o.Values,
		timeout: o.Timeout, logf: o.Logf,
	})
	return rel, err
}
