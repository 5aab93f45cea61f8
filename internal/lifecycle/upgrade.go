package lifecycle

import (
	"fmt"
	"time"

	"weir.dev/weir/api/v1beta1"
)

// chooseUpgradeMode decides how the running job's state is carried into target. It never
// falls back to stateless: when no state-preserving way exists it returns ok=false with the
// reason. reason is also set when the mode differs from the one asked for.
func chooseUpgradeMode(in Input, target *v1beta1.FlinkDeploymentSpec) (mode v1beta1.UpgradeMode, reason string, ok bool) {
	o := &in.Observed
	want := target.Job.EffectiveUpgradeMode()
	running := o.jobRunning()
	haUsable := haEnabled(in.LastReconciled) && o.HAMetadata
	crossVersion := versionChanged(in.LastReconciled, target)

	switch want {
	case v1beta1.UpgradeModeStateless:
		return want, "", true

	case v1beta1.UpgradeModeLastState:
		if in.LastReconciled != nil && in.LastReconciled.Job != nil &&
			in.LastReconciled.Job.EffectiveUpgradeMode() == v1beta1.UpgradeModeStateless {
			// The running job was deployed without state guarantees; HA data may be absent.
			if running {
				return v1beta1.UpgradeModeSavepoint, "the running job was deployed stateless, so its state is taken with a savepoint", true
			}
			return "", "the running job was deployed stateless and is not running, so neither a savepoint nor HA data can carry its state", false
		}
		if crossVersion {
			if running {
				return v1beta1.UpgradeModeSavepoint, "the Flink version changes and HA metadata cannot cross versions: using a savepoint", true
			}
			return "", "the Flink version changes, HA metadata cannot cross versions, and the job is not running to take a savepoint", false
		}
		if haUsable {
			var cpTime time.Time
			if o.LastCheckpoint != nil {
				cpTime = o.LastCheckpoint.Time
			}
			if stale, why := checkpointTooOld(in.Options, cpTime, in.Now); running && stale {
				return v1beta1.UpgradeModeSavepoint, why, true
			}
			return want, "", true
		}
		return "", "HA metadata is not available for a last-state upgrade; refusing to start from empty state", false

	default: // savepoint
		if running {
			return want, "", true
		}
		if in.Options.LastStateFallback && haUsable && !crossVersion {
			return v1beta1.UpgradeModeLastState, "the job is not running, so no savepoint can be taken: using HA metadata (last-state)", true
		}
		return "", "the job is not running, so no savepoint can be taken, and HA metadata is not usable for a last-state upgrade", false
	}
}

// versionChanged says whether the Flink version differs between two specs (both set).
func versionChanged(a, b *v1beta1.FlinkDeploymentSpec) bool {
	if a == nil || b == nil || a.FlinkVersion == "" || b.FlinkVersion == "" {
		return false
	}
	return a.FlinkVersion != b.FlinkVersion
}

// checkpointTooOld applies kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age:
// a last-state upgrade would rewind a running job to its latest checkpoint, so when that is
// older than the limit (or there is none) a savepoint carries the state instead, as FKO does.
func checkpointTooOld(opts Options, cp, now time.Time) (bool, string) {
	limit := opts.LastStateMaxCheckpointAge
	switch {
	case limit <= 0:
		return false, ""
	case cp.IsZero():
		return true, "no completed checkpoint is known and " + OptLastStateMaxCheckpointAge + " is set: taking a savepoint instead of a last-state upgrade"
	case now.Sub(cp) > limit:
		return true, fmt.Sprintf("the latest checkpoint is %s old, more than %s (%s): taking a savepoint instead of a last-state upgrade",
			now.Sub(cp).Truncate(time.Second), limit, OptLastStateMaxCheckpointAge)
	}
	return false, ""
}
