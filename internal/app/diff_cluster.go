package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/profile"
	"weir.dev/weir/internal/webhook"
)

// operatorConfigMap is the operator config the Helm chart mounts into the operator.
const operatorConfigMap = "flink-operator-config"

// DiffOptions are the settings of `weir diff`.
type DiffOptions struct {
	Namespace         string // for objects of the manifest without one
	OperatorNamespace string // where the operator's config ConfigMap is
	// OperatorConfig, when set, is used instead of the ConfigMap (an operator in-process).
	OperatorConfig *opconfig.Store
	Now            time.Time
}

// ValidationError is a spec the operator would refuse, with the operator's own message.
type ValidationError struct {
	Object string
	Err    error
}

func (e *ValidationError) Error() string { return e.Object + ": " + e.Err.Error() }
func (e *ValidationError) Unwrap() error { return e.Err }

// Diff predicts what applying the manifest does: each FlinkDeployment or FlinkSessionJob
// is dry-run applied on the API server (its defaulting, schema and admission webhooks run,
// nothing is stored), checked as the operator checks it, and given with its recorded status
// to the planner. A FlinkProfile yields one prediction per FlinkDeployment whose effective
// spec it changes. A spec the operator would refuse is a *ValidationError.
func (c *Clients) Diff(ctx context.Context, data []byte, o DiffOptions) ([]Prediction, error) {
	objs, err := ParseManifest(data)
	if err != nil {
		return nil, err
	}
	store, note := o.OperatorConfig, ""
	if store == nil {
		store, note = c.operatorConfig(ctx, o.OperatorNamespace)
	}
	var out []Prediction
	for _, u := range objs {
		var ps []Prediction
		switch u.GroupVersionKind().GroupKind() {
		case v1beta1.GroupVersion.WithKind("FlinkDeployment").GroupKind():
			ps, err = c.diffDeployment(ctx, u, o, store)
		case v1beta1.GroupVersion.WithKind("FlinkSessionJob").GroupKind():
			ps, err = c.diffSessionJob(ctx, u, o, store)
		case weirv1alpha1.GroupVersion.WithKind("FlinkProfile").GroupKind():
			ps, err = c.diffProfile(ctx, u, o, store)
		default:
			continue // weir plans nothing for other kinds
		}
		if err != nil {
			return out, err
		}
		for i := range ps {
			if note != "" {
				ps[i].Notes = append(ps[i].Notes, note)
			}
		}
		out = append(out, ps...)
	}
	if len(out) == 0 && len(objs) > 0 {
		return nil, errors.New("the manifest holds no FlinkDeployment, FlinkSessionJob or FlinkProfile")
	}
	return out, nil
}

// operatorConfig reads the operator's config, whose defaults complete every spec; without
// it the planner sees FKO's defaults, and the note says so.
func (c *Clients) operatorConfig(ctx context.Context, ns string) (*opconfig.Store, string) {
	store, _ := opconfig.NewStore("")
	cm := &corev1.ConfigMap{}
	err := c.Ctrl.Get(ctx, ctrlclient.ObjectKey{Namespace: ns, Name: operatorConfigMap}, cm)
	if apierrors.IsNotFound(err) {
		return store, fmt.Sprintf("no operator config %s/%s (see --operator-namespace): FKO's defaults assumed", ns, operatorConfigMap)
	}
	if err != nil {
		return store, fmt.Sprintf("the operator config (%s/%s) could not be read (%v): FKO's defaults assumed", ns, operatorConfigMap, err)
	}
	files := map[string][]byte{}
	for k, v := range cm.Data {
		files[k] = []byte(v)
	}
	flat, err := opconfig.Parse(files)
	if err != nil {
		return store, fmt.Sprintf("the operator config does not parse (%v): FKO's defaults assumed", err)
	}
	store.Set(opconfig.New(flat))
	return store, ""
}

// dryRun server-side applies u without storing it and returns what the API server would
// store, decoded into out.
func (c *Clients) dryRun(ctx context.Context, u *unstructured.Unstructured, namespace string, out ctrlclient.Object) error {
	u = u.DeepCopy()
	if namespaced, err := c.Ctrl.IsObjectNamespaced(u); err != nil {
		return fmt.Errorf("%s %s: %w (are the CRDs installed?)", u.GetKind(), u.GetName(), err)
	} else if namespaced && u.GetNamespace() == "" {
		u.SetNamespace(namespace)
	}
	u.SetManagedFields(nil)
	u.SetResourceVersion("")
	if err := c.Ctrl.Patch(ctx, u, ctrlclient.Apply, ctrlclient.FieldOwner(fieldOwner), ctrlclient.ForceOwnership, ctrlclient.DryRunAll); err != nil {
		return fmt.Errorf("dry run of %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	b, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// live reads the stored object of key into obj; false when there is none.
func (c *Clients) live(ctx context.Context, key ctrlclient.ObjectKey, obj ctrlclient.Object) (bool, error) {
	err := c.Ctrl.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func (c *Clients) diffDeployment(ctx context.Context, u *unstructured.Unstructured, o DiffOptions, store *opconfig.Store) ([]Prediction, error) {
	desired := &v1beta1.FlinkDeployment{}
	if err := c.dryRun(ctx, u, o.Namespace, desired); err != nil {
		return nil, err
	}
	v := &webhook.Validator{Reader: c.Ctrl, Config: store}
	warning, verr := v.Validate(ctx, desired)
	if verr != nil {
		return nil, &ValidationError{Object: "FlinkDeployment " + desired.Namespace + "/" + desired.Name, Err: verr}
	}
	var live *v1beta1.FlinkDeployment
	cur := &v1beta1.FlinkDeployment{}
	if ok, err := c.live(ctx, ctrlclient.ObjectKeyFromObject(desired), cur); err != nil {
		return nil, err
	} else if ok {
		live = cur
	}
	p, err := c.predictDeployment(ctx, live, desired, store, o.Now)
	if warning != "" {
		p.Notes = append(p.Notes, warning)
	}
	return []Prediction{p}, err
}

// predictDeployment completes desired as the operator will (profile, operator defaults)
// and asks the planner.
func (c *Clients) predictDeployment(ctx context.Context, live, desired *v1beta1.FlinkDeployment, store *opconfig.Store, now time.Time) (Prediction, error) {
	eff, _, err := controller.EffectiveDeploymentWithProfile(ctx, c.Ctrl, store, desired)
	if err != nil {
		return Prediction{}, err
	}
	opts, err := options(eff.Spec.FlinkConfiguration)
	if err != nil {
		return Prediction{}, &ValidationError{Object: "FlinkDeployment " + desired.Namespace + "/" + desired.Name, Err: err}
	}
	cms := &corev1.ConfigMapList{}
	if err := c.Ctrl.List(ctx, cms, ctrlclient.InNamespace(desired.Namespace), controller.HAConfigMapLabels(desired.Name)); err != nil {
		return Prediction{}, fmt.Errorf("listing HA ConfigMaps: %w", err)
	}
	return PredictDeployment(live, eff, DeploymentFacts{HAMetadata: controller.HoldsJobData(cms.Items), Options: opts, Now: now})
}

func (c *Clients) diffSessionJob(ctx context.Context, u *unstructured.Unstructured, o DiffOptions, store *opconfig.Store) ([]Prediction, error) {
	desired := &v1beta1.FlinkSessionJob{}
	if err := c.dryRun(ctx, u, o.Namespace, desired); err != nil {
		return nil, err
	}
	name := "FlinkSessionJob " + desired.Namespace + "/" + desired.Name
	v := &webhook.Validator{Reader: c.Ctrl, Config: store}
	warning, verr := v.Validate(ctx, desired)
	if verr != nil {
		return nil, &ValidationError{Object: name, Err: verr}
	}
	var live *v1beta1.FlinkSessionJob
	cur := &v1beta1.FlinkSessionJob{}
	if ok, err := c.live(ctx, ctrlclient.ObjectKeyFromObject(desired), cur); err != nil {
		return nil, err
	} else if ok {
		live = cur
	}
	eff := desired
	session := &v1beta1.FlinkDeployment{}
	if ok, err := c.live(ctx, ctrlclient.ObjectKey{Namespace: desired.Namespace, Name: desired.Spec.DeploymentName}, session); err != nil {
		return nil, err
	} else if ok {
		session = controller.EffectiveForReading(ctx, c.Ctrl, store, session)
		if j, _, err := controller.SessionJobWithProfile(ctx, c.Ctrl, desired, session); err == nil && j != nil {
			eff = j
		}
	}
	opts, err := options(eff.Spec.FlinkConfiguration)
	if err != nil {
		return nil, &ValidationError{Object: name, Err: err}
	}
	p, err := PredictSessionJob(live, eff, SessionJobFacts{Options: opts, Now: o.Now})
	if warning != "" {
		p.Notes = append(p.Notes, warning)
	}
	return []Prediction{p}, err
}

// diffProfile predicts, for each FlinkDeployment whose effective spec the new profile
// changes, what the operator will do to it (the profile's gradual rollout paces when).
func (c *Clients) diffProfile(ctx context.Context, u *unstructured.Unstructured, o DiffOptions, store *opconfig.Store) ([]Prediction, error) {
	desired := &weirv1alpha1.FlinkProfile{}
	if err := c.dryRun(ctx, u, o.Namespace, desired); err != nil {
		return nil, err
	}
	if err := profile.Validate(desired); err != nil {
		return nil, &ValidationError{Object: "FlinkProfile " + desired.Name, Err: err}
	}
	var apps v1beta1.FlinkDeploymentList
	if err := c.Ctrl.List(ctx, &apps); err != nil {
		return nil, fmt.Errorf("listing FlinkDeployments: %w", err)
	}
	withNew := profileOverlay{Reader: c.Ctrl, p: desired}
	var out []Prediction
	for i := range apps.Items {
		app := &apps.Items[i]
		before, _, err := controller.EffectiveDeploymentWithProfile(ctx, c.Ctrl, store, app)
		if err != nil {
			return nil, err
		}
		after, _, err := controller.EffectiveDeploymentWithProfile(ctx, withNew, store, app)
		if err != nil {
			return nil, err
		}
		// Refused now and refused alike with the new profile: not this profile's doing.
		_, refusedBefore := (&webhook.Validator{Reader: c.Ctrl, Config: store}).Validate(ctx, app)
		_, refused := (&webhook.Validator{Reader: withNew, Config: store}).Validate(ctx, app)
		if refused != nil {
			if refusedBefore == nil || refusedBefore.Error() != refused.Error() {
				out = append(out, Prediction{Kind: "FlinkDeployment", Namespace: app.Namespace, Name: app.Name, Action: "blocked",
					Reason: "the operator would refuse the spec under the new profile and keep running the last valid one: " + refused.Error(), DowntimeBasis: "no restart"})
			}
			continue
		}
		if same, err := lifecycle.DiffDeployment(&before.Spec, &after.Spec); err == nil && same.IsEmpty() && refusedBefore == nil {
			continue // the profile does not change this app
		}
		// after already holds the new profile's layers: predict on it directly.
		cms := &corev1.ConfigMapList{}
		if err := c.Ctrl.List(ctx, cms, ctrlclient.InNamespace(app.Namespace), controller.HAConfigMapLabels(app.Name)); err != nil {
			return nil, fmt.Errorf("listing HA ConfigMaps: %w", err)
		}
		opts, err := options(after.Spec.FlinkConfiguration)
		if err != nil {
			return nil, err
		}
		p, err := PredictDeployment(app, after, DeploymentFacts{HAMetadata: controller.HoldsJobData(cms.Items), Options: opts, Now: o.Now})
		if err != nil {
			return nil, err
		}
		p.Notes = append(p.Notes, "restarted by FlinkProfile "+desired.Name+" (its rollout paces when)")
		out = append(out, p)
	}
	if len(out) == 0 {
		out = append(out, Prediction{Kind: "FlinkProfile", Name: desired.Name, Action: "nothing", Reason: "no FlinkDeployment's effective spec changes", DowntimeBasis: "no restart"})
	}
	return out, nil
}

// options reads the planner's kubernetes.operator.* switches of a configuration.
func options(conf v1beta1.ConfigObject) (lifecycle.Options, error) {
	flat, err := conf.Flatten()
	if err != nil {
		return lifecycle.Options{}, err
	}
	return lifecycle.DefaultOptions().WithConfig(flat)
}

// profileOverlay reads the cluster as it would be with p applied: p replaces the stored
// FlinkProfile of its name (or joins the list).
type profileOverlay struct {
	ctrlclient.Reader
	p *weirv1alpha1.FlinkProfile
}

func (r profileOverlay) Get(ctx context.Context, key ctrlclient.ObjectKey, obj ctrlclient.Object, opts ...ctrlclient.GetOption) error {
	if fp, ok := obj.(*weirv1alpha1.FlinkProfile); ok && key.Name == r.p.Name {
		r.p.DeepCopyInto(fp)
		return nil
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r profileOverlay) List(ctx context.Context, list ctrlclient.ObjectList, opts ...ctrlclient.ListOption) error {
	if err := r.Reader.List(ctx, list, opts...); err != nil {
		return err
	}
	if l, ok := list.(*weirv1alpha1.FlinkProfileList); ok {
		for i := range l.Items {
			if l.Items[i].Name == r.p.Name {
				l.Items[i] = *r.p.DeepCopy()
				return nil
			}
		}
		l.Items = append(l.Items, *r.p.DeepCopy())
	}
	return nil
}
