package install

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"weir.dev/weir/charts"
)

// OperatorOptions say where and how the operator is installed.
type OperatorOptions struct {
	Kubeconfig  string
	Namespace   string
	ReleaseName string
	// Values override the chart's values.yaml (nested maps, as in a values file).
	Values map[string]any
	// Wait for the operator Deployment to be ready.
	Wait    bool
	Timeout time.Duration
	// Logf receives Helm's progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Operator installs the weir-operator chart, or upgrades the release when it exists.
func Operator(ctx context.Context, o OperatorOptions) (*release.Release, error) {
	ch, err := loadEmbedded(charts.Operator, "weir-operator")
	if err != nil {
		return nil, err
	}
	if o.ReleaseName == "" {
		o.ReleaseName = "weir"
	}
	if o.Namespace == "" {
		o.Namespace = "weir-system"
	}
	if o.Timeout == 0 {
		o.Timeout = 3 * time.Minute
	}
	rel, cfg, upgraded, err := installOrUpgrade(ctx, ch, releaseOptions{
		kubeconfig: o.Kubeconfig, namespace: o.Namespace, name: o.ReleaseName, values: o.Values,
		wait: o.Wait, timeout: o.Timeout, logf: o.Logf,
	})
	if err != nil || !upgraded {
		return rel, err
	}
	// Helm never upgrades CRDs from crds/; apply them so that an upgraded operator never
	// runs against an old schema.
	if err := applyCRDs(ctx, cfg, ch); err != nil {
		return nil, err
	}
	return rel, nil
}

// releaseOptions say which release of a chart to install or upgrade, and where.
type releaseOptions struct {
	kubeconfig, namespace, name string
	values                      map[string]any
	wait                        bool
	timeout                     time.Duration
	logf                        func(format string, args ...any)
}

// installOrUpgrade installs chart ch as release o.name, or upgrades the release when it
// exists (upgraded true). The values are checked against the chart's values.schema.json.
func installOrUpgrade(ctx context.Context, ch *chart.Chart, o releaseOptions) (_ *release.Release, _ *action.Configuration, upgraded bool, _ error) {
	logf := o.logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig = &o.kubeconfig
	flags.Namespace = &o.namespace
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, o.namespace, "secret", action.DebugLog(logf)); err != nil {
		return nil, nil, false, fmt.Errorf("while connecting Helm to the cluster: %w", err)
	}

	hist := action.NewHistory(cfg)
	hist.Max = 1
	if _, err := hist.Run(o.name); errors.Is(err, driver.ErrReleaseNotFound) {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.CreateNamespace = o.name, o.namespace, true
		in.Wait, in.Timeout = o.wait, o.timeout
		rel, err := in.RunWithContext(ctx, ch, o.values)
		if err != nil {
			return nil, nil, false, fmt.Errorf("while installing chart %s: %w", ch.Name(), err)
		}
		return rel, cfg, false, nil
	} else if err != nil {
		return nil, nil, false, fmt.Errorf("while reading release history: %w", err)
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Wait, up.Timeout = o.namespace, o.wait, o.timeout
	rel, err := up.RunWithContext(ctx, o.name, ch, o.values)
	if err != nil {
		return nil, nil, false, fmt.Errorf("while upgrading release %s: %w", o.name, err)
	}
	return rel, cfg, true, nil
}

// loadEmbedded loads a chart from an embedded file system.
func loadEmbedded(fsys fs.FS, root string) (*chart.Chart, error) {
	var files []*loader.BufferedFile
	err := fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(path, root+"/"), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("while reading embedded chart %s: %w", root, err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("while loading chart %s: %w", root, err)
	}
	return ch, nil
}

// applyCRDs creates or updates the chart's CRDs.
func applyCRDs(_ context.Context, cfg *action.Configuration, ch *chart.Chart) error {
	for _, crd := range ch.CRDObjects() {
		res, err := cfg.KubeClient.Build(strings.NewReader(string(crd.File.Data)), false)
		if err != nil {
			return fmt.Errorf("while reading CRD %s: %w", crd.Name, err)
		}
		if _, err := cfg.KubeClient.Update(res, res, true); err != nil {
			if _, cerr := cfg.KubeClient.Create(res); cerr != nil {
				return fmt.Errorf("while applying CRD %s: %w", crd.Name, err)
			}
		}
	}
	return nil
}
