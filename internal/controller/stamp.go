package controller

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// Annotations weir puts on the Deployments it applies.
const (
	// annSpecHash identifies the spec a cluster was built from: the planner's "is the
	// deployed cluster the one being rolled out" check reads it after a crash.
	annSpecHash = "weir.dev/spec-hash"
	// annConfigHash on the pod template restarts pods when the Flink configuration changes
	// (a new restore path or job id lives only in the ConfigMap).
	annConfigHash = "weir.dev/config-hash"
	// annRestartNonce on the pod template restarts pods when spec.restartNonce changes.
	annRestartNonce = "weir.dev/restart-nonce"
)

// specHash is a short, stable digest of a spec.
func specHash(spec *v1beta1.FlinkDeploymentSpec) string {
	j, err := canonicalJSON(spec)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(j))
	return hex.EncodeToString(sum[:8])
}

func configHash(cm *corev1.ConfigMap) string {
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(cm.Data[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// stamp marks the Deployments of a set with the spec and config they were built from.
func stamp(set *resources.Set, spec *v1beta1.FlinkDeploymentSpec) {
	sh, ch := specHash(spec), configHash(set.ConfigMap)
	for _, d := range []*appsv1.Deployment{set.JobManager, set.TaskManager} {
		if d == nil {
			continue
		}
		if d.Annotations == nil {
			d.Annotations = map[string]string{}
		}
		d.Annotations[annSpecHash] = sh
		pt := &d.Spec.Template.ObjectMeta
		if pt.Annotations == nil {
			pt.Annotations = map[string]string{}
		}
		pt.Annotations[annConfigHash] = ch
		if spec.RestartNonce != nil {
			pt.Annotations[annRestartNonce] = strconv.FormatInt(*spec.RestartNonce, 10)
		}
	}
}

// deterministicJobID derives a Flink job id from the resource and the rollout it belongs to,
// so that a retried submission after a crash uses the same id and never runs a second copy.
func deterministicJobID(uid string, rollout int64) string {
	sum := sha256.Sum256([]byte(uid + "/" + strconv.FormatInt(rollout, 10)))
	return hex.EncodeToString(sum[:16])
}

// markReconciled records serialized as the last reconciled spec in state. The timestamp
// moves only when either changes: it fixes the rollout's deterministic job id, so a
// retried write-ahead record must keep it.
func markReconciled(rs *v1beta1.ReconciliationStatus, serialized string, state v1beta1.ReconciliationState, now int64) {
	if rs.LastReconciledSpec != serialized || rs.State != state {
		rs.ReconciliationTimestamp = now
	}
	rs.LastReconciledSpec, rs.State = serialized, state
}

// firstDeployment reads resource_metadata.firstDeployment of a recorded spec: true while
// the resource's first rollout is recorded and not yet superseded.
func firstDeployment(recorded string) bool {
	_, meta, ok, err := v1beta1.ReadSpecWithMeta[json.RawMessage](recorded)
	return ok && err == nil && meta.FirstDeployment
}
