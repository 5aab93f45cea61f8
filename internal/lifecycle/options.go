package lifecycle

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/opconfig"
)

// Options are the kubernetes.operator.* switches the planner honours, with FKO's names and
// defaults. They may be set operator-wide (the operator config merged under each resource,
// docs/operator-config.md) or per resource in flinkConfiguration.
type Options struct {
	RollbackEnabled           bool                        // kubernetes.operator.deployment.rollback.enabled
	ReadinessTimeout          time.Duration               // kubernetes.operator.deployment.readiness.timeout
	HealthCheckEnabled        bool                        // kubernetes.operator.cluster.health-check.enabled
	RestartsWindow            time.Duration               // kubernetes.operator.cluster.health-check.restarts.window
	RestartsThreshold         int64                       // kubernetes.operator.cluster.health-check.restarts.threshold
	CheckpointProgressEnabled bool                        // kubernetes.operator.cluster.health-check.checkpoint-progress.enabled
	CheckpointProgressWindow  time.Duration               // kubernetes.operator.cluster.health-check.checkpoint-progress.window
	RestartFailed             bool                        // kubernetes.operator.job.restart.failed
	PeriodicSavepoint         Schedule                    // kubernetes.operator.periodic.savepoint.interval; zero = off
	PeriodicCheckpoint        Schedule                    // kubernetes.operator.periodic.checkpoint.interval; zero = off
	CheckpointType            CheckpointType              // kubernetes.operator.checkpoint.type
	LastStateFallback         bool                        // kubernetes.operator.job.upgrade.last-state-fallback.enabled
	IgnorePendingSavepoint    bool                        // kubernetes.operator.job.upgrade.ignore-pending-savepoint
	SavepointFormat           v1beta1.SavepointFormatType // kubernetes.operator.savepoint.format.type
	History                   HistoryLimits               // kubernetes.operator.savepoint.history.* and cleanup.enabled
	JMDeploymentRecovery      bool                        // kubernetes.operator.jm-deployment-recovery.enabled
	LastStateMaxCheckpointAge time.Duration               // kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age; 0 = no limit
	ExceptionEvents           int                         // kubernetes.operator.events.exceptions.limit-per-reconciliation
	ExceptionStackLines       int                         // kubernetes.operator.events.exceptions.stacktrace-lines
	SavepointOnDeletion       bool                        // kubernetes.operator.job.savepoint-on-deletion
	SnapshotResources         bool                        // kubernetes.operator.snapshot.resource.enabled
	SnapshotDisposeOnDelete   bool                        // kubernetes.operator.savepoint.dispose-on-delete
}

// DefaultOptions are FKO's defaults.
func DefaultOptions() Options {
	return Options{
		ReadinessTimeout:          5 * time.Minute,
		RestartsWindow:            2 * time.Minute,
		RestartsThreshold:         64,
		CheckpointProgressEnabled: true,
		CheckpointProgressWindow:  5 * time.Minute,
		LastStateFallback:         true,
		SavepointFormat:           v1beta1.SavepointFormatCanonical,
		CheckpointType:            CheckpointFull,
		History:                   DefaultHistoryLimits(),
		JMDeploymentRecovery:      true,
		ExceptionEvents:           10,
		ExceptionStackLines:       5,
	}
}

// Option keys: the names live in opconfig.Keys, the one table of operator keys.
const (
	OptRollbackEnabled           = opconfig.RollbackEnabled
	OptReadinessTimeout          = opconfig.ReadinessTimeout
	OptHealthCheckEnabled        = opconfig.HealthCheckEnabled
	OptRestartsWindow            = opconfig.RestartsWindow
	OptRestartsThreshold         = opconfig.RestartsThreshold
	OptCheckpointProgressEnabled = opconfig.CheckpointProgressEnabled
	OptCheckpointProgressWindow  = opconfig.CheckpointProgressWindow
	OptRestartFailed             = opconfig.RestartFailed
	OptPeriodicSavepoint         = opconfig.PeriodicSavepoint
	OptPeriodicCheckpoint        = opconfig.PeriodicCheckpoint
	OptCheckpointType            = opconfig.CheckpointType
	OptLastStateFallback         = opconfig.LastStateFallback
	OptIgnorePendingSavepoint    = opconfig.IgnorePendingSavepoint
	OptSavepointFormat           = opconfig.SavepointFormat
	OptHistoryMaxCount           = opconfig.HistoryMaxCount
	OptHistoryMaxAge             = opconfig.HistoryMaxAge
	OptSavepointCleanup          = opconfig.SavepointCleanup
	OptExceptionsLimit           = opconfig.ExceptionsLimit
	OptLastStateMaxCheckpointAge = opconfig.LastStateMaxCheckpointAge
	OptJMDeploymentRecovery      = opconfig.JMDeploymentRecovery
	OptExceptionsStackLines      = opconfig.ExceptionsStackLines
	OptSavepointOnDeletion       = opconfig.SavepointOnDeletion
	OptSnapshotResources         = opconfig.SnapshotResources
	OptSavepointDisposeOnDelete  = opconfig.SavepointDisposeOnDelete
)

// WithConfig returns o overridden by the keys present in conf (flat flinkConfiguration).
// A malformed value is an error naming the key, never silently the default.
func (o Options) WithConfig(conf map[string]string) (Options, error) {
	bools := map[string]*bool{
		OptRollbackEnabled: &o.RollbackEnabled, OptHealthCheckEnabled: &o.HealthCheckEnabled,
		OptCheckpointProgressEnabled: &o.CheckpointProgressEnabled, OptRestartFailed: &o.RestartFailed,
		OptLastStateFallback: &o.LastStateFallback, OptIgnorePendingSavepoint: &o.IgnorePendingSavepoint,
		OptSavepointCleanup: &o.History.Dispose, OptJMDeploymentRecovery: &o.JMDeploymentRecovery,
		OptSavepointOnDeletion: &o.SavepointOnDeletion, OptSnapshotResources: &o.SnapshotResources,
		OptSavepointDisposeOnDelete: &o.SnapshotDisposeOnDelete,
	}
	durations := map[string]*time.Duration{
		OptReadinessTimeout: &o.ReadinessTimeout, OptRestartsWindow: &o.RestartsWindow,
		OptCheckpointProgressWindow: &o.CheckpointProgressWindow,
		OptHistoryMaxAge:            &o.History.MaxAge, OptLastStateMaxCheckpointAge: &o.LastStateMaxCheckpointAge,
	}
	for k, p := range bools {
		if v, ok := conf[k]; ok {
			b, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return o, fmt.Errorf("%s: %q is not true or false", k, v)
			}
			*p = b
		}
	}
	for k, p := range durations {
		if v, ok := conf[k]; ok {
			d, err := ParseFlinkDuration(v)
			if err != nil {
				return o, fmt.Errorf("%s: %w", k, err)
			}
			*p = d
		}
	}
	for k, p := range map[string]*Schedule{OptPeriodicSavepoint: &o.PeriodicSavepoint, OptPeriodicCheckpoint: &o.PeriodicCheckpoint} {
		if v, ok := conf[k]; ok {
			sch, err := ParseSchedule(v)
			if err != nil {
				return o, fmt.Errorf("%s: %w", k, err)
			}
			*p = sch
		}
	}
	if v, ok := conf[OptCheckpointType]; ok {
		t := CheckpointType(strings.ToUpper(strings.TrimSpace(v)))
		if t != CheckpointFull && t != CheckpointIncremental {
			return o, fmt.Errorf("%s: %q is not FULL or INCREMENTAL", OptCheckpointType, v)
		}
		o.CheckpointType = t
	}
	if v, ok := conf[OptRestartsThreshold]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return o, fmt.Errorf("%s: %q is not a non-negative integer", OptRestartsThreshold, v)
		}
		o.RestartsThreshold = n
	}
	if v, ok := conf[OptHistoryMaxCount]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return o, fmt.Errorf("%s: %q is not a positive integer", OptHistoryMaxCount, v)
		}
		o.History.MaxCount = n
	}
	for k, p := range map[string]*int{OptExceptionsLimit: &o.ExceptionEvents, OptExceptionsStackLines: &o.ExceptionStackLines} {
		if v, ok := conf[k]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return o, fmt.Errorf("%s: %q is not a non-negative integer", k, v)
			}
			*p = n
		}
	}
	if v, ok := conf[OptSavepointFormat]; ok {
		f := v1beta1.SavepointFormatType(strings.ToUpper(strings.TrimSpace(v)))
		if f != v1beta1.SavepointFormatCanonical && f != v1beta1.SavepointFormatNative {
			return o, fmt.Errorf("%s: %q is not CANONICAL or NATIVE", OptSavepointFormat, v)
		}
		o.SavepointFormat = f
	}
	return o, nil
}

// CheckpointType is the kind of checkpoint the operator asks Flink for
// (kubernetes.operator.checkpoint.type), Flink REST's checkpointType.
type CheckpointType string

// Checkpoint types the operator may ask for.
const (
	CheckpointFull        CheckpointType = "FULL"
	CheckpointIncremental CheckpointType = "INCREMENTAL"
)

// ParseFlinkDuration parses Flink's duration syntax: a number with an optional unit
// (ms, s, min, h, d and their long forms); a bare number is milliseconds.
func ParseFlinkDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("duration %q must start with a number, e.g. \"5 min\" or \"30s\"", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %w", s, err)
	}
	unit := strings.TrimSpace(t[i:])
	var mult time.Duration
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		mult = time.Millisecond
	case "s", "sec", "secs", "second", "seconds":
		mult = time.Second
	case "m", "min", "mins", "minute", "minutes":
		mult = time.Minute
	case "h", "hour", "hours":
		mult = time.Hour
	case "d", "day", "days":
		mult = 24 * time.Hour
	default:
		return 0, fmt.Errorf("duration %q has unknown unit %q (use ms, s, min, h or d)", s, unit)
	}
	return time.Duration(n) * mult, nil
}

// haEnabled says whether a spec runs with Kubernetes HA, without which last-state upgrades
// have nothing to recover from.
func haEnabled(spec *v1beta1.FlinkDeploymentSpec) bool {
	if spec == nil {
		return false
	}
	conf, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return false
	}
	for _, k := range []string{"high-availability.type", "high-availability"} {
		if v := strings.ToLower(strings.TrimSpace(conf[k])); v != "" && v != "none" {
			return true
		}
	}
	return false
}
