package status

import (
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/jobstate"
)

// Messages that mark a deployment as needing a person, as FKO words them.
const (
	MsgJobFinishedOrHAGone = "It is possible that the job has finished or terminally failed, or the configmaps have been deleted."
	MsgHAMetadataMissing   = "HA metadata is not available"
	MsgManualRestore       = "Manual restore required."
)

// Facts is what LifecycleState looks at.
type Facts struct {
	Current v1beta1.ResourceLifecycleState
	Common  v1beta1.CommonStatus
	// LastReconciledSuspended says whether the last reconciled spec has job.state suspended.
	LastReconciledSuspended bool
	// SuspendSavepointPending says the suspend recorded (write-ahead) has not recorded its
	// savepoint yet: SUSPENDED is reported only together with jobStatus.upgradeSavepointPath,
	// as FKO does, so a client that sees SUSPENDED knows where the state is.
	SuspendSavepointPending bool
	// JobManager is the JM Deployment status; empty for session jobs.
	JobManager v1beta1.JobManagerDeploymentStatus
}

// LifecycleState computes status.lifecycleState the way FKO does.
func LifecycleState(f Facts) v1beta1.ResourceLifecycleState {
	if f.Current == v1beta1.LifecycleDeleting || f.Current == v1beta1.LifecycleDeleted {
		return f.Current
	}
	rs := f.Common.ReconciliationStatus
	if rs.LastReconciledSpec == "" {
		if f.Common.Error == "" {
			return v1beta1.LifecycleCreated
		}
		return v1beta1.LifecycleFailed
	}
	switch rs.State {
	case v1beta1.ReconciliationUpgrading:
		return v1beta1.LifecycleUpgrading
	case v1beta1.ReconciliationRollingBack:
		return v1beta1.LifecycleRollingBack
	}
	if f.LastReconciledSuspended {
		if f.SuspendSavepointPending {
			return v1beta1.LifecycleUpgrading // the suspend is still in flight
		}
		return v1beta1.LifecycleSuspended
	}
	if f.Common.JobStatus.State == jobstate.Failed {
		return v1beta1.LifecycleFailed
	}
	if (f.JobManager == v1beta1.JMMissing || f.JobManager == v1beta1.JMError) && needsManualRestore(f.Common.Error) {
		return v1beta1.LifecycleFailed
	}
	if rs.State == v1beta1.ReconciliationRolledBack {
		return v1beta1.LifecycleRolledBack
	}
	if rs.LastStableSpec != "" && rs.LastStableSpec == rs.LastReconciledSpec {
		return v1beta1.LifecycleStable
	}
	return v1beta1.LifecycleDeployed
}

func needsManualRestore(err string) bool {
	return err != "" && (strings.Contains(err, MsgManualRestore) ||
		strings.Contains(err, MsgJobFinishedOrHAGone) ||
		strings.Contains(err, MsgHAMetadataMissing))
}
