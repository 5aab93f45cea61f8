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
	// spec is the spec to write: the last stable one, with the current nonces and job state.
	spec any
}

// PlanRollback reads the app and works out its rollback; it fails when there is nothing
// to roll back to, or when GitOps manages the app (unless c.Force).
func (c *Clients) PlanRollback(ctx context.Context, key types.NamespacedName) (*Rollback, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := GuardGitOps(a, "rollback", c.Force); err != nil {
		return nil, err
	}
	raw := a.Status.ReconciliationStatus.LastStableSpec
	noStable := fmt.Errorf("%s has no last stable spec in status.reconciliationStatus.lastStableSpec (it has not run stably yet): fix its spec and apply it again", a)
	var cur, stable any
	switch o := a.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		s, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkDeploymentSpec](raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if !ok {
			return nil, noStable
		}
		keepTriggers(s.Job, o.Spec.Job)
		s.RestartNonce = o.Spec.RestartNonce
		cur, stable = o.Spec, s
	case *v1beta1.FlinkSessionJob:
		s, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a, err)
		}
		if !ok {
			return nil, noStable
		}
		keepTriggers(s.Job, o.Spec.Job)
		s.RestartNonce = o.Spec.RestartNonce
		cur, stable = o.Spec, s
	}
	changes, err := SpecChanges(cur, stable)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, fmt.Errorf("%s already runs its last stable spec: there is nothing to roll back (`weir app describe %s` shows its status)", a, a.Obj.GetName())
	}
	return &Rollback{App: a, Changes: changes, spec: stable}, nil
}

// keepTriggers carries the current nonces and desired job state into the spec rolled back
// to: an older nonce would trigger a savepoint or checkpoint, and a rollback must not
// resume a job that was suspended on purpose.
func keepTriggers(stable, cur *v1beta1.JobSpec) {
	if stable == nil || cur == nil {
		return
	}
	stable.State = cur.State
	stable.SavepointTriggerNonce = cur.SavepointTriggerNonce
	stable.CheckpointTriggerNonce = cur.CheckpointTriggerNonce
	stable.SavepointRedeployNonce = cur.SavepointRedeployNonce
	stable.AutoscalerResetNonce = cur.AutoscalerResetNonce
}

// RollBack writes the planned spec. It updates the object as it was read, so an edit made
// since the plan fails with a conflict instead of being overwritten.
func (c *Clients) RollBack(ctx context.Context, r *Rollback) error {
	if err := GuardGitOps(r.App, "rollback", c.Force); err != nil {
		return err
	}
	switch o := r.App.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		o.Spec = r.spec.(v1beta1.FlinkDeploymentSpec)
	case *v1beta1.FlinkSessionJob:
		o.Spec = r.spec.(v1beta1.FlinkSessionJobSpec)
	}
	err := c.Ctrl.Update(ctx, r.App.Obj)
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
		for _, m := range []map[string]any{a, b} {
			if job, ok := m["job"].(map[string]any); ok && strings.HasPrefix(f, "job.") {
				delete(job, strings.TrimPrefix(f, "job."))
			} else {
				delete(m, f)
			}
		}
	}
	var out []string
	diffMaps("", a, b, &out)
	sort.Strings(out)
	return out, nil
}

func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	return m, json.Unmarshal(raw, &m)
}

func diffMaps(prefix string, a, b map[string]any, out *[]string) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for k := range keys {
		av, bv := a[k], b[k]
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		switch {
		case aok && bok:
			diffMaps(prefix+k+".", am, bm, out)
		case !reflect.DeepEqual(av, bv):
			*out = append(*out, prefix+k)
		}
	}
}
