package controller

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// Key prefixes in Flink's Kubernetes HA ConfigMaps: the job graph (Flink 1.x) or execution
// plan (Flink 2.x) of a job, and its checkpoint pointers (checkpointID-*, with "counter").
var (
	haJobGraphPrefixes   = []string{"jobGraph-", "executionPlan-"}
	haCheckpointPrefixes = []string{"checkpointID-"}
)

// haLabels select the ConfigMaps Flink's Kubernetes HA services write for a cluster: Flink
// labels them app=<cluster-id>, configmap-type=high-availability.
func haLabels(dep *v1beta1.FlinkDeployment) client.MatchingLabels { return HAConfigMapLabels(dep.Name) }

// haConfigMaps lists the ConfigMaps Flink's Kubernetes HA services wrote for the cluster.
func haConfigMaps(ctx context.Context, c client.Client, dep *v1beta1.FlinkDeployment) ([]corev1.ConfigMap, error) {
	cms := &corev1.ConfigMapList{}
	if err := c.List(ctx, cms, client.InNamespace(dep.Namespace), haLabels(dep)); err != nil {
		return nil, fmt.Errorf("while listing HA ConfigMaps: %w", err)
	}
	return cms.Items, nil
}

// HoldsJobData says whether a cluster's HA ConfigMaps hold a job graph or checkpoint
// pointers, which is what last-state recovery needs.
func HoldsJobData(cms []corev1.ConfigMap) bool {
	for _, cm := range cms {
		for k := range cm.Data {
			if hasPrefix(k, haCheckpointPrefixes) || hasPrefix(k, haJobGraphPrefixes) {
				return true
			}
		}
	}
	return false
}

// HAConfigMapLabels select the HA ConfigMaps of FlinkDeployment name's cluster.
func HAConfigMapLabels(name string) client.MatchingLabels {
	return client.MatchingLabels{"app": name, "configmap-type": "high-availability"}
}

func hasPrefix(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// deleteJobGraphs removes the job graphs from the cluster's HA ConfigMaps and keeps the
// checkpoint pointers, as FKO does before a last-state deploy: the new JobManager then
// submits the job from the new spec under the same fixed job id, and that job restores
// the latest checkpoint. Idempotent: a repeat finds nothing to remove.
func (r *FlinkDeploymentReconciler) deleteJobGraphs(ctx context.Context, dep *v1beta1.FlinkDeployment) error {
	cms, err := haConfigMaps(ctx, r.Client, dep)
	if err != nil {
		return err
	}
	for i := range cms {
		cm := &cms[i]
		patch := client.MergeFromWithOptions(cm.DeepCopy(), client.MergeFromWithOptimisticLock{})
		removed := false
		for k := range cm.Data {
			if hasPrefix(k, haJobGraphPrefixes) {
				delete(cm.Data, k)
				removed = true
			}
		}
		if !removed {
			continue
		}
		if err := r.Patch(ctx, cm, patch); err != nil {
			return fmt.Errorf("while deleting the job graph from HA ConfigMap %s: %w", cm.Name, err)
		}
	}
	return nil
}
