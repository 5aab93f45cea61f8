package v1beta1

// EffectiveMode returns the deployment mode, native when unset (as in FKO).
func (s *FlinkDeploymentSpec) EffectiveMode() DeploymentMode {
	if s.Mode == "" {
		return ModeNative
	}
	return s.Mode
}

// IsApplication says whether the deployment runs a job (application mode) rather than
// being a session cluster.
func (s *FlinkDeploymentSpec) IsApplication() bool {
	return s.Job != nil
}

// EffectiveState returns the desired job state, running when unset.
func (j *JobSpec) EffectiveState() JobState {
	if j == nil || j.State == "" {
		return JobStateRunning
	}
	return j.State
}

// EffectiveUpgradeMode returns the upgrade mode, stateless when unset (as in FKO).
func (j *JobSpec) EffectiveUpgradeMode() UpgradeMode {
	if j == nil || j.UpgradeMode == "" {
		return UpgradeModeStateless
	}
	return j.UpgradeMode
}

// LastReconciledSpec decodes status.reconciliationStatus.lastReconciledSpec.
func (d *FlinkDeployment) LastReconciledSpec() (*FlinkDeploymentSpec, ReconciliationMetadata, error) {
	spec, meta, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](d.Status.ReconciliationStatus.LastReconciledSpec)
	if !ok || err != nil {
		return nil, meta, err
	}
	return &spec, meta, nil
}

// LastStableSpec decodes status.reconciliationStatus.lastStableSpec.
func (d *FlinkDeployment) LastStableSpec() (*FlinkDeploymentSpec, error) {
	spec, _, ok, err := ReadSpecWithMeta[FlinkDeploymentSpec](d.Status.ReconciliationStatus.LastStableSpec)
	if !ok || err != nil {
		return nil, err
	}
	return &spec, nil
}
