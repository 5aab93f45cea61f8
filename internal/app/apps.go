package app

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// The kinds of app the verbs act on.
const (
	KindDeployment = "FlinkDeployment"
	KindSessionJob = "FlinkSessionJob"
)

// App is a FlinkDeployment or a FlinkSessionJob, with what both kinds share at hand.
type App struct {
	Obj        ctrlclient.Object
	Kind       string
	Status     *v1beta1.CommonStatus
	Conditions []metav1.Condition
	// Job is the spec's job; nil for a session cluster.
	Job *v1beta1.JobSpec
}

// Key is the app's namespace and name.
func (a App) Key() types.NamespacedName { return ctrlclient.ObjectKeyFromObject(a.Obj) }

// String names the app as errors and messages do: "FlinkDeployment ns/name".
func (a App) String() string { return a.Kind + " " + a.Obj.GetNamespace() + "/" + a.Obj.GetName() }

func appOf(o ctrlclient.Object) App {
	switch o := o.(type) {
	case *v1beta1.FlinkDeployment:
		return App{Obj: o, Kind: KindDeployment, Status: &o.Status.CommonStatus, Conditions: o.Status.Conditions, Job: o.Spec.Job}
	case *v1beta1.FlinkSessionJob:
		return App{Obj: o, Kind: KindSessionJob, Status: &o.Status.CommonStatus, Conditions: o.Status.Conditions, Job: o.Spec.Job}
	}
	panic(fmt.Sprintf("appOf(%T)", o))
}

// Find reads the app named key: a FlinkDeployment, else a FlinkSessionJob of that name.
func (c *Clients) Find(ctx context.Context, key types.NamespacedName) (App, error) {
	d := &v1beta1.FlinkDeployment{}
	err := c.Ctrl.Get(ctx, key, d)
	if err == nil {
		return appOf(d), nil
	}
	if !apierrors.IsNotFound(err) && !apimeta.IsNoMatchError(err) {
		return App{}, fmt.Errorf("FlinkDeployment %s/%s: %w", key.Namespace, key.Name, err)
	}
	j := &v1beta1.FlinkSessionJob{}
	err = c.Ctrl.Get(ctx, key, j)
	if err == nil {
		return appOf(j), nil
	}
	if apierrors.IsNotFound(err) {
		return App{}, fmt.Errorf("no FlinkDeployment or FlinkSessionJob %s in namespace %s: `weir app list` shows the apps of every namespace (-n picks one)", key.Name, key.Namespace)
	}
	return App{}, fmt.Errorf("FlinkSessionJob %s/%s: %w", key.Namespace, key.Name, err)
}

// ListApps reads the FlinkDeployments and FlinkSessionJobs of namespace ns ("" for all),
// deployments first, each kind in the API server's order (by namespace, then name).
func (c *Clients) ListApps(ctx context.Context, ns string) ([]App, error) {
	var opts []ctrlclient.ListOption
	if ns != "" {
		opts = append(opts, ctrlclient.InNamespace(ns))
	}
	var deps v1beta1.FlinkDeploymentList
	if err := c.Ctrl.List(ctx, &deps, opts...); err != nil {
		return nil, fmt.Errorf("list FlinkDeployments: %w (are the CRDs installed? `weir operator install` installs them)", err)
	}
	var jobs v1beta1.FlinkSessionJobList
	if err := c.Ctrl.List(ctx, &jobs, opts...); err != nil {
		return nil, fmt.Errorf("list FlinkSessionJobs: %w (are the CRDs installed? `weir operator install` installs them)", err)
	}
	out := make([]App, 0, len(deps.Items)+len(jobs.Items))
	for i := range deps.Items {
		out = append(out, appOf(&deps.Items[i]))
	}
	for i := range jobs.Items {
		out = append(out, appOf(&jobs.Items[i]))
	}
	return out, nil
}
