package validation

import (
	"strings"

	"weir.dev/weir/api/v1beta1"
)

// checkSpecChange refuses changes FKO refuses once a spec has been deployed.
func checkSpecChange(p *problems, d *v1beta1.FlinkDeployment) {
	old, _, err := d.LastReconciledSpec()
	if err != nil || old == nil {
		return // first deployment, or a status weir cannot read: nothing to compare
	}
	spec := &d.Spec
	switch {
	case spec.Job != nil && old.Job == nil:
		p.add("Cannot switch from session to job cluster: delete the FlinkDeployment and create it again")
	case spec.Job == nil && old.Job != nil:
		p.add("Cannot switch from job to session cluster: delete the FlinkDeployment and create it again")
	}
	if old.EffectiveMode() != spec.EffectiveMode() {
		p.add("Cannot switch from %s kubernetes to %s kubernetes cluster: delete the FlinkDeployment and create it again", old.EffectiveMode(), spec.EffectiveMode())
	}
	if spec.Job != nil && old.Job != nil {
		n := spec.Job.SavepointRedeployNonce
		if n != nil && (old.Job.SavepointRedeployNonce == nil || *old.Job.SavepointRedeployNonce != *n) &&
			strings.TrimSpace(spec.Job.InitialSavepointPath) == "" {
			p.add("InitialSavepointPath must not be empty for savepoint redeployment (spec.job.savepointRedeployNonce changed)")
		}
		if old.Job.EffectiveState() == v1beta1.JobStateSuspended && old.Job.EffectiveUpgradeMode() == v1beta1.UpgradeModeLastState &&
			spec.Job.EffectiveUpgradeMode() != v1beta1.UpgradeModeStateless && old.FlinkVersion != spec.FlinkVersion {
			p.add("Changing flinkVersion after last-state suspend is not allowed. Restore your cluster with the current flinkVersion and perform the version upgrade afterwards.")
		}
	}
}
