package app

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
)

// Rollback is a planned return of an app's spec to its last stable spec
// (status.reconciliationStatus.lastStableSpec), shown to the user before it is written.
type Rollback struct {
	App App
	// Changes are the spec fields the rollback changes, like "image" or "job.parallelism".
	Changes []string
	// spec is the spec to write.
	spec map[string]any
}

// PlanRollback reads the app and works out its rollback; it fails when there is nothing
// to roll back to, or when GitOps manages the app (unless c.Force).
//
// The stable spec in status is the effective one: defaults and the profile are in it. So
// the rollback does not write it whole (that would pin the profile's values in the app's
// spec); it takes each field the app's spec sets back to its stable value, drops the fields
// the stable spec lacks, and sets the fields in which the stable spec differs from the last
// reconciled one. The current nonces and job.state stay: an older nonce would trigger a
// savepoint or a restart, and a rollback must not resume a job suspended on purpose.
func (c *Clients) PlanRollback(ctx context.Context, key types.NamespacedName) (*Rollback, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := GuardGitOps(a, "rollback", c.Force); err != nil {
		return nil, err
	}
	rs := a.Status.ReconciliationStatus
	var user, stable, reconciled map[string]any
	var ok bool
	switch o := a.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		user, stable, reconciled, ok, err = specMaps[v1beta1.FlinkDeploymentSpec](o.Spec, rs)
	case *v1beta1.FlinkSessionJob:
		user, stable, reconciled, ok, err = specMaps[v1beta1.FlinkSessionJobSpec](o.Spec, rs)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", a, err)
	}
	if !ok {
		return nil, fmt.Errorf("%s has no last stable spec in status.reconciliationStatus.lastStableSpec (it has not run stably yet): fix its spec and apply it again", a)
	}
	spec := RollbackSpec(user, stable, reconciled)
	changes := joinPaths(diffPaths(user, spec))
	if len(changes) == 0 {
		return nil, fmt.Errorf("%s already runs its last stable spec: there is nothing to roll back (`weir app describe %s` shows its status)", a, a.Obj.GetName())
	}
	return &Rollback{App: a, Changes: changes, spec: spec}, nil
}

// specMaps returns the app's spec, its last stable spec and its last reconciled spec as
// JSON maps; ok is false without a stable spec.
func specMaps[S any](spec S, rs v1beta1.ReconciliationStatus) (user, stable, reconciled map[string]any, ok bool, err error) {
	s, _, ok, err := v1beta1.ReadSpecWithMeta[S](rs.LastStableSpec)
	if !ok || err != nil {
		return nil, nil, nil, ok, err
	}
	r, _, _, err := v1beta1.ReadSpecWithMeta[S](rs.LastReconciledSpec)
	if err != nil {
		return nil, nil, nil, false, err
	}
	if user, err = toMap(spec); err != nil {
		return
	}
	if stable, err = toMap(s); err != nil {
		return
	}
	reconciled, err = toMap(r)
	return user, stable, reconciled, true, err
}

// RollbackSpec is user's spec rolled back to stable (see PlanRollback), with user's
// triggers kept.
func RollbackSpec(user, stable, reconciled map[string]any) map[string]any {
	out := deepCopy(user)
	restore(out, user, stable)
	for _, p := range diffPaths(reconciled, stable) {
		if _, set := lookup(out, p); !set {
			if v, ok := lookup(stable, p); ok {
				put(out, p, v)
			}
		}
	}
	for _, f := range triggerFields {
		p := strings.Split(f, ".")
		if v, ok := lookup(user, p); ok {
			put(out, p, v)
		} else {
			remove(out, p)
		}
	}
	return out
}

// restore sets out's fields (a copy of user's) to stable's values, field by field within
// objects, and drops those stable lacks.
func restore(out, user, stable map[string]any) {
	for k, uv := range user {
		sv, ok := stable[k]
		if !ok {
			delete(out, k)
			continue
		}
		um, uok := uv.(map[string]any)
		sm, sok := sv.(map[string]any)
		if uok && sok {
			restore(out[k].(map[string]any), um, sm)
			continue
		}
		out[k] = sv
	}
}

// RollBack writes the planned spec. It updates the object as it was read, so an edit made
// since the plan fails with a conflict instead of being overwritten.
func (c *Clients) RollBack(ctx context.Context, r *Rollback) error {
	if err := GuardGitOps(r.App, "rollback", c.Force); err != nil {
		return err
	}
	raw, err := json.Marshal(r.spec)
	if err != nil {
		return err
	}
	switch o := r.App.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		o.Spec = v1beta1.FlinkDeploymentSpec{}
		err = json.Unmarshal(raw, &o.Spec)
	case *v1beta1.FlinkSessionJob:
		o.Spec = v1beta1.FlinkSessionJobSpec{}
		err = json.Unmarshal(raw, &o.Spec)
	}
	if err != nil {
		return fmt.Errorf("%s: the stable spec does not decode: %w", r.App, err)
	}
	err = c.Ctrl.Update(ctx, r.App.Obj)
	if apierrors.IsConflict(err) {
		return fmt.Errorf("%s changed since the rollback was planned: run `weir app rollback %s` again to see the new plan", r.App, r.App.Obj.GetName())
	}
	if err != nil {
		return fmt.Errorf("update %s: %w", r.App, err)
	}
	return nil
}

// triggerFields are the spec's one-shot triggers and desired job state: they say what to do
// now, not what to run, so SpecChanges leaves them out (and a rollback keeps them).
var triggerFields = []string{"restartNonce", "job.state", "job.savepointTriggerNonce", "job.checkpointTriggerNonce",
	"job.savepointRedeployNonce", "job.autoscalerResetNonce"}

// SpecChanges lists the fields that differ between two specs, as dotted paths, leaving out
// triggerFields: objects are compared field by field, anything else (lists, values) whole.
func SpecChanges(from, to any) ([]string, error) {
	a, err := toMap(from)
	if err != nil {
		return nil, err
	}
	b, err := toMap(to)
	if err != nil {
		return nil, err
	}
	for _, f := range triggerFields {
		remove(a, strings.Split(f, "."))
		remove(b, strings.Split(f, "."))
	}
	return joinPaths(diffPaths(a, b)), nil
}

func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, json.Unmarshal(raw, &m)
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if vm, ok := v.(map[string]any); ok {
			v = deepCopy(vm)
		}
		out[k] = v
	}
	return out
}

// diffPaths lists the paths (keys may hold dots: flinkConfiguration's) at which a and b
// differ, descending into objects both have.
func diffPaths(a, b map[string]any) [][]string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var out [][]string
	for k := range keys {
		av, bv := a[k], b[k]
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		switch {
		case aok && bok:
			for _, p := range diffPaths(am, bm) {
				out = append(out, append([]string{k}, p...))
			}
		case !reflect.DeepEqual(av, bv):
			out = append(out, []string{k})
		}
	}
	return out
}

func joinPaths(ps [][]string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.Join(p, "."))
	}
	sort.Strings(out)
	return out
}

func lookup(m map[string]any, p []string) (any, bool) {
	for i, k := range p {
		v, ok := m[k]
		if !ok {
			return nil, false
		}
		if i == len(p)-1 {
			return v, true
		}
		if m, ok = v.(map[string]any); !ok {
			return nil, false
		}
	}
	return nil, false
}

func put(m map[string]any, p []string, v any) {
	for _, k := range p[:len(p)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	m[p[len(p)-1]] = v
}

func remove(m map[string]any, p []string) {
	for _, k := range p[:len(p)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, p[len(p)-1])
}
