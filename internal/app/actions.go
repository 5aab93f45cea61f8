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

// List reads the FlinkDeployments of a namespace.
func (c *Clients) List(ctx context.Context, ns string) ([]v1beta1.FlinkDeployment, error) {
	var l v1beta1.FlinkDeploymentList
	if err := c.Ctrl.List(ctx, &l, ctrlclient.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list FlinkDeployments in %s: %w", ns, err)
	}
	return l.Items, nil
}

// patchSpec merge-patches the spec: only the fields in spec change, so concurrent edits
// of other fields survive.
func (c *Clients) patchSpec(ctx context.Context, key types.NamespacedName, spec map[string]any) (*v1beta1.FlinkDeployment, error) {
	body, err := json.Marshal(map[string]any{"spec": spec})
	if err != nil {
		return nil, err
	}
	d := &v1beta1.FlinkDeployment{}
	d.Name, d.Namespace = key.Name, key.Namespace
	if err := c.Ctrl.Patch(ctx, d, ctrlclient.RawPatch(types.MergePatchType, body)); err != nil {
		return nil, fmt.Errorf("patch FlinkDeployment %s/%s: %w", key.Namespace, key.Name, err)
	}
	return d, nil
}

// needsJob rejects job verbs on session clusters, which have no spec.job.
func needsJob(d *v1beta1.FlinkDeployment, verb string) error {
	if d.Spec.Job == nil {
		return fmt.Errorf("%s/%s is a session cluster (no spec.job); %s applies to application deployments", d.Namespace, d.Name, verb)
	}
	return nil
}

// SetJobState sets spec.job.state to running or suspended.
func (c *Clients) SetJobState(ctx context.Context, key types.NamespacedName, state v1beta1.JobState) (*v1beta1.FlinkDeployment, error) {
	d, err := c.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := needsJob(d, "suspend/resume"); err != nil {
		return nil, err
	}
	return c.patchSpec(ctx, key, map[string]any{"job": map[string]any{"state": state}})
}

// TriggerSavepoint bumps job.savepointTriggerNonce and returns the deployment as it was
// before, so callers can wait for a newer savepoint.
func (c *Clients) TriggerSavepoint(ctx context.Context, key types.NamespacedName) (*v1beta1.FlinkDeployment, int64, error) {
	d, err := c.Get(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	if err := needsJob(d, "savepoint"); err != nil {
		return nil, 0, err
	}
	n := NextNonce(d.Spec.Job.SavepointTriggerNonce)
	_, err = c.patchSpec(ctx, key, map[string]any{"job": map[string]any{"savepointTriggerNonce": n}})
	return d, n, err
}

// NewerSavepoint reports whether now has a completed savepoint that before lacked.
func NewerSavepoint(before, now *v1beta1.FlinkDeployment) bool {
	last := func(d *v1beta1.FlinkDeployment) *v1beta1.Savepoint {
		if d == nil || d.Status.JobStatus.SavepointInfo == nil {
			return nil
		}
		return d.Status.JobStatus.SavepointInfo.LastSavepoint
	}
	b, n := last(before), last(now)
	if n == nil {
		return false
	}
	return b == nil || n.TimeStamp > b.TimeStamp || n.Location != b.Location
}

// Restart bumps spec.restartNonce, which makes the operator redeploy the cluster.
func (c *Clients) Restart(ctx context.Context, key types.NamespacedName) (int64, error) {
	d, err := c.Get(ctx, key)
	if err != nil {
		return 0, err
	}
	n := NextNonce(d.Spec.RestartNonce)
	_, err = c.patchSpec(ctx, key, map[string]any{"restartNonce": n})
	return n, err
}

// SetImage changes spec.image, an upgrade done with the deployment's upgradeMode.
func (c *Clients) SetImage(ctx context.Context, key types.NamespacedName, image string) error {
	if image == "" {
		return fmt.Errorf("an image is required, like flink:1.20")
	}
	if _, err := c.Get(ctx, key); err != nil {
		return err
	}
	_, err := c.patchSpec(ctx, key, map[string]any{"image": image})
	return err
}

// NextNonce returns a nonce different from the current one.
func NextNonce(cur *int64) int64 {
	if cur == nil {
		return 1
	}
	return *cur + 1
}
