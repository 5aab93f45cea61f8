package controller

import (
	"weir.dev/weir/api/v1beta1"
)

// suspendFacts says whether the recorded spec (job) is suspended and whether that suspend
// still waits for its savepoint. The suspended spec is recorded before the job is stopped
// (the operator may die at any step), so the record alone does not mean the state is kept:
// a savepoint-mode suspend of a job that ran is complete only once the savepoint's path is
// in jobStatus.upgradeSavepointPath. A resource created suspended never ran and waits for
// nothing. Shared by the FlinkDeployment and FlinkSessionJob summaries.
func suspendFacts(recorded string, job *v1beta1.JobSpec, js *v1beta1.JobStatus) (suspended, savepointPending bool) {
	if job == nil || job.EffectiveState() != v1beta1.JobStateSuspended {
		return false, false
	}
	pending := job.EffectiveUpgradeMode() == v1beta1.UpgradeModeSavepoint && js.UpgradeSavepointPath == "" && !firstDeployment(recorded)
	return true, pending
}
