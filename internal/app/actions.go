package app

import (
	"context"
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// Get reads one FlinkDeployment.
func (c *Clients) Get(ctx context.Context, key types.NamespacedName) (*v1beta1.FlinkDeployment, error) {
	d := &v1beta1.FlinkDeployment{}
	if err := c.Ctrl.Get(ctx, key, d); err != nil {
		return nil, fmt.Errorf("FlinkDeployment %s/%s: %w", key.Namespace, key.Name, err)
	}
	return d, nil
}

// patchSpec merge-patches the app's spec: only the fields in spec change, so concurrent
// edits of other fields survive. It refuses an app that GitOps manages unless c.Force.
func (c *Clients) patchSpec(ctx context.Context, a App, verb string, spec map[string]any) error {
	if err := GuardGitOps(a, verb, c.Force); err != nil {
		return withChangeToCommit(err, map[string]any{"spec": spec})
	}
	body, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return err
	}
	if err := c.Ctrl.Patch(ctx, a.Obj, ctrlclient.RawPatch(types.MergePatchType, body), ctrlclient.FieldOwner(fieldOwner)); err != nil {
		return fmt.Errorf("patch %s: %w", a, err)
	}
	return nil
}

// needsJob rejects job verbs on session clusters, which have no spec.job.
func needsJob(a App, verb string) error {
	if a.Job == nil {
		return fmt.Errorf("%s is a session cluster (no spec.job); %s applies to application deployments and session jobs", a, verb)
	}
	return nil
}

// SetJobState sets spec.job.state to running or suspended.
func (c *Clients) SetJobState(ctx context.Context, key types.NamespacedName, state v1beta1.JobState) (App, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return a, err
	}
	verb := "resume"
	if state == v1beta1.JobStateSuspended {
		verb = "suspend"
	}
	if err := needsJob(a, verb); err != nil {
		return a, err
	}
	return a, c.patchSpec(ctx, a, verb, map[string]any{"job": map[string]any{"state": state}})
}

// TriggerSavepoint bumps job.savepointTriggerNonce and returns the app as it was before,
// so callers can wait for a newer savepoint.
func (c *Clients) TriggerSavepoint(ctx context.Context, key types.NamespacedName) (App, int64, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return a, 0, err
	}
	if err := needsJob(a, "savepoint"); err != nil {
		return a, 0, err
	}
	before := a.Obj.DeepCopyObject().(ctrlclient.Object)
	n := NextNonce(a.Job.SavepointTriggerNonce)
	err = c.patchSpec(ctx, a, "savepoint", map[string]any{"job": map[string]any{"savepointTriggerNonce": n}})
	return appOf(before), n, err
}

// TriggerCheckpoint bumps job.checkpointTriggerNonce: the operator triggers a checkpoint
// and records it in status.jobStatus.checkpointInfo with that nonce.
func (c *Clients) TriggerCheckpoint(ctx context.Context, key types.NamespacedName) (App, int64, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return a, 0, err
	}
	if err := needsJob(a, "checkpoint"); err != nil {
		return a, 0, err
	}
	n := NextNonce(a.Job.CheckpointTriggerNonce)
	return a, n, c.patchSpec(ctx, a, "checkpoint", map[string]any{"job": map[string]any{"checkpointTriggerNonce": n}})
}

// CheckpointDone reports whether the checkpoint of trigger nonce n is recorded in status.
func CheckpointDone(st *v1beta1.CommonStatus, n int64) bool {
	ci := st.JobStatus.CheckpointInfo
	return ci != nil && ci.LastCheckpoint != nil && ci.LastCheckpoint.TriggerNonce != nil && *ci.LastCheckpoint.TriggerNonce == n
}

// Scale sets spec.job.parallelism and returns the parallelism it replaced.
func (c *Clients) Scale(ctx context.Context, key types.NamespacedName, parallelism int32) (App, int32, error) {
	if parallelism < 1 {
		return App{}, 0, fmt.Errorf("--parallelism %d: give a parallelism of 1 or more", parallelism)
	}
	a, err := c.Find(ctx, key)
	if err != nil {
		return a, 0, err
	}
	if err := needsJob(a, "scale"); err != nil {
		return a, 0, err
	}
	was := a.Job.Parallelism
	return a, was, c.patchSpec(ctx, a, "scale", map[string]any{"job": map[string]any{"parallelism": parallelism}})
}

// NewerSavepoint reports whether now has a completed savepoint that before lacked.
func NewerSavepoint(before, now *v1beta1.CommonStatus) bool {
	last := func(st *v1beta1.CommonStatus) *v1beta1.Savepoint {
		if st == nil || st.JobStatus.SavepointInfo == nil {
			return nil
		}
		return st.JobStatus.SavepointInfo.LastSavepoint
	}
	b, n := last(before), last(now)
	if n == nil {
		return false
	}
	return b == nil || n.TimeStamp > b.TimeStamp || n.Location != b.Location
}

// Restart bumps spec.restartNonce, which makes the operator redeploy the cluster (or
// resubmit the session job).
func (c *Clients) Restart(ctx context.Context, key types.NamespacedName) (int64, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return 0, err
	}
	var cur *int64
	switch o := a.Obj.(type) {
	case *v1beta1.FlinkDeployment:
		cur = o.Spec.RestartNonce
	case *v1beta1.FlinkSessionJob:
		cur = o.Spec.RestartNonce
	}
	n := NextNonce(cur)
	return n, c.patchSpec(ctx, a, "restart", map[string]any{"restartNonce": n})
}

// SetImage changes spec.image, an upgrade done with the deployment's upgradeMode.
func (c *Clients) SetImage(ctx context.Context, key types.NamespacedName, image string) error {
	if image == "" {
		return fmt.Errorf("an image is required, like flink:1.20")
	}
	a, err := c.Find(ctx, key)
	if err != nil {
		return err
	}
	if a.Kind != KindDeployment {
		return fmt.Errorf("%s runs on its session cluster's image: set the image of FlinkDeployment %s instead", a, a.Obj.(*v1beta1.FlinkSessionJob).Spec.DeploymentName)
	}
	return c.patchSpec(ctx, a, "set-image", map[string]any{"image": image})
}

// NextNonce returns a nonce different from the current one.
func NextNonce(cur *int64) int64 {
	if cur == nil {
		return 1
	}
	return *cur + 1
}
