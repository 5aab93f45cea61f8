package opconfig

import (
	"sort"
	"strings"
)

// Prefix starts every operator key.
const Prefix = "kubernetes.operator."

// Scope says where a key may be set.
type Scope int

const (
	// PerResource keys may be set in the operator config (a default for every resource)
	// and in a resource's flinkConfiguration, which wins.
	PerResource Scope = iota
	// OperatorOnly keys are read from the operator config alone: a resource that sets one
	// gets a warning Event and its value is ignored, so that an app cannot widen what the
	// operator admin allowed or change how the operator itself runs.
	OperatorOnly
)

// The kubernetes.operator.* keys weir honours, with FKO's names.
const (
	RollbackEnabled           = "kubernetes.operator.deployment.rollback.enabled"
	ReadinessTimeout          = "kubernetes.operator.deployment.readiness.timeout"
	ExceptionsLimit           = "kubernetes.operator.events.exceptions.limit-per-reconciliation"
	LastStateMaxCheckpointAge = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age"
	InPlaceScaling            = "kubernetes.operator.job.upgrade.inplace-scaling.enabled"
	FlinkClientTimeout        = "kubernetes.operator.flink.client.timeout"
	RetryInitialInterval      = "kubernetes.operator.retry.initial.interval"
	RetryIntervalMultiplier   = "kubernetes.operator.retry.interval.multiplier"
	RetryMaxInterval          = "kubernetes.operator.retry.max.interval"
	RetryMaxAttempts          = "kubernetes.operator.retry.max.attempts"
	JMDeploymentRecovery      = "kubernetes.operator.jm-deployment-recovery.enabled"
	ExceptionsStackLines      = "kubernetes.operator.events.exceptions.stacktrace-lines"
	HealthCheckEnabled        = "kubernetes.operator.cluster.health-check.enabled"
	RestartsWindow            = "kubernetes.operator.cluster.health-check.restarts.window"
	RestartsThreshold         = "kubernetes.operator.cluster.health-check.restarts.threshold"
	CheckpointProgressEnabled = "kubernetes.operator.cluster.health-check.checkpoint-progress.enabled"
	CheckpointProgressWindow  = "kubernetes.operator.cluster.health-check.checkpoint-progress.window"
	RestartFailed             = "kubernetes.operator.job.restart.failed"
	PeriodicSavepoint         = "kubernetes.operator.periodic.savepoint.interval"
	PeriodicCheckpoint        = "kubernetes.operator.periodic.checkpoint.interval"
	CheckpointType            = "kubernetes.operator.checkpoint.type"
	LastStateFallback         = "kubernetes.operator.job.upgrade.last-state-fallback.enabled"
	IgnorePendingSavepoint    = "kubernetes.operator.job.upgrade.ignore-pending-savepoint"
	SavepointFormat           = "kubernetes.operator.savepoint.format.type"
	HistoryMaxCount           = "kubernetes.operator.savepoint.history.max.count"
	HistoryMaxAge             = "kubernetes.operator.savepoint.history.max.age"
	SavepointCleanup          = "kubernetes.operator.savepoint.cleanup.enabled"
	SavepointOnDeletion       = "kubernetes.operator.job.savepoint-on-deletion"
	SnapshotResources         = "kubernetes.operator.snapshot.resource.enabled"
	SavepointDisposeOnDelete  = "kubernetes.operator.savepoint.dispose-on-delete"
	MergeArraysByName         = "kubernetes.operator.pod-template.merge-arrays-by-name"
	LogFormat                 = "kubernetes.operator.weir.log.format"
	DatadogAPIKeySecret       = "kubernetes.operator.weir.metrics.datadog.api-key-secret"
	QueryableStateType        = "kubernetes.operator.weir.queryable-state.service-type"
	QueryableStateAnnotations = "kubernetes.operator.weir.queryable-state.annotations"

	ArtifactsAllowedSchemes = "kubernetes.operator.user.artifacts.allowed-schemes"
	ArtifactsAllowedCIDRs   = "kubernetes.operator.user.artifacts.allowed-cidrs"
	ArtifactsAllowedHosts   = "kubernetes.operator.user.artifacts.allowed-hosts"
	ArtifactsMaxBytes       = "kubernetes.operator.user.artifacts.max-bytes"
	ArtifactsTimeout        = "kubernetes.operator.user.artifacts.download.timeout"
	ArtifactsIdleTimeout    = "kubernetes.operator.user.artifacts.download.idle-timeout"
	ReconcileInterval       = "kubernetes.operator.reconcile.interval"
	ReconcileParallelism    = "kubernetes.operator.reconcile.parallelism"
	WatchedNamespaces       = "kubernetes.operator.watched.namespaces"
	LabelSelector           = "kubernetes.operator.label.selector"
	DynamicConfigEnabled    = "kubernetes.operator.dynamic.config.enabled"
	DynamicConfigInterval   = "kubernetes.operator.dynamic.config.check.interval"

	// The operator's own metrics (docs/metrics.md).
	ResourceMetricsEnabled    = "kubernetes.operator.resource.metrics.enabled"
	LifecycleMetricsEnabled   = "kubernetes.operator.resource.lifecycle.metrics.enabled"
	LifecycleNamespaceHistos  = "kubernetes.operator.resource.lifecycle.namespace.histograms.enabled"
	HistogramSampleSize       = "kubernetes.operator.metrics.histogram.sample.size"
	PerResourceMetricsEnabled = "kubernetes.operator.weir.metrics.per-resource.enabled"

	// NamespaceDefaults + "<namespace>.<key>" is a default for the apps of one namespace.
	NamespaceDefaults = "kubernetes.operator.default-configuration.namespace."
	// VersionDefaults + "<v1_20>.<key>" is a default for the apps of one Flink version;
	// "<v1_20+>" also applies to every later version.
	VersionDefaults = "kubernetes.operator.default-configuration.flink-version."
)

// KeyInfo describes one key for the docs and the checks.
type KeyInfo struct {
	Scope   Scope
	Default string // FKO's default, as weir applies it ("" when unset means off)
	Doc     string
}

// Keys is the one table of kubernetes.operator.* keys weir honours. lifecycle.Options,
// validation, the controllers and docs/operator-config.md all follow it; a key missing
// here is "unknown" and warned about.
var Keys = map[string]KeyInfo{
	RollbackEnabled:           {PerResource, "false", "roll back to the last stable spec when an upgrade does not become healthy"},
	ReadinessTimeout:          {PerResource, "5 min", "how long an upgrade may take to become ready before it counts as failed"},
	HealthCheckEnabled:        {PerResource, "false", "restart a job that restarts too often or stops checkpointing"},
	RestartsWindow:            {PerResource, "2 min", "window of the restart-count health check"},
	RestartsThreshold:         {PerResource, "64", "restarts within the window that make a job unhealthy"},
	CheckpointProgressEnabled: {PerResource, "true", "a job with checkpointing on that completes none within the window is unhealthy"},
	CheckpointProgressWindow:  {PerResource, "5 min", "window of the checkpoint-progress health check"},
	RestartFailed:             {PerResource, "false", "redeploy a job that reached FAILED"},
	PeriodicSavepoint:         {PerResource, "0", "when periodic savepoints are taken: a duration (`6 h`) or a Quartz cron expression (`0 0 */6 * * ?`); 0 turns them off"},
	PeriodicCheckpoint:        {PerResource, "0", "when checkpoints are triggered through Flink REST besides Flink's own: a duration (`1 h`) or a Quartz cron expression; 0 turns them off"},
	CheckpointType:            {PerResource, "FULL", "type of checkpoints triggered by checkpointTriggerNonce or periodically: FULL or INCREMENTAL"},
	LastStateFallback:         {PerResource, "true", "fall back to last-state when a savepoint upgrade cannot take a savepoint"},
	IgnorePendingSavepoint:    {PerResource, "false", "start an upgrade while a manual savepoint is pending"},
	SavepointFormat:           {PerResource, "CANONICAL", "savepoint format: CANONICAL or NATIVE"},
	HistoryMaxCount:           {PerResource, "10", "savepoints kept in status.jobStatus.savepointInfo history"},
	HistoryMaxAge:             {PerResource, "24 h", "age after which a savepoint leaves the history"},
	SavepointCleanup:          {PerResource, "true", "dispose of savepoints that leave the history"},
	SavepointOnDeletion:       {PerResource, "false", "stop a running job with a savepoint before its FlinkDeployment or FlinkSessionJob is deleted; the resource stays until the savepoint succeeds"},
	SnapshotResources:         {PerResource, "false", "also record the operator's upgrade, periodic and deletion savepoints of a FlinkDeployment or FlinkSessionJob as FlinkStateSnapshot resources that outlive it; FKO's default is true"},
	SavepointDisposeOnDelete:  {PerResource, "false", "spec.savepoint.disposeOnDelete of the FlinkStateSnapshots the operator creates (snapshot.resource.enabled)"},
	MergeArraysByName:         {PerResource, "true", "merge pod template lists (containers, volumes) by name"},
	LogFormat:                 {PerResource, "text", "weir's default log4j layout for Flink pods: text or json"},
	DatadogAPIKeySecret:       {PerResource, "", "`<secret>/<key>` holding the API key of the Flink Datadog reporters; it reaches the pods as an environment variable from the Secret, never a ConfigMap"},
	QueryableStateType:        {PerResource, "ClusterIP", "type of the `<name>-queryable-state` Service weir creates when `queryable-state.enable` is true (Flink 1.x): ClusterIP, NodePort or LoadBalancer"},
	QueryableStateAnnotations: {PerResource, "", "annotations of that Service, `k1:v1,k2:v2` (e.g. an internal load balancer's)"},
	InPlaceScaling:            {PerResource, "true", "rescale a job in place (adaptive scheduler, Flink 1.18+) instead of upgrading it"},
	JMDeploymentRecovery:      {PerResource, "true", "re-create a JobManager Deployment lost while the job ran (from HA metadata, or empty when stateless)"},
	LastStateMaxCheckpointAge: {PerResource, "", "a last-state upgrade of a running job whose latest checkpoint is older than this takes a savepoint instead; unset is no limit"},
	ExceptionsLimit:           {PerResource, "10", "new job failures announced as JobException Events per look at the job"},
	ExceptionsStackLines:      {PerResource, "5", "stack trace lines in a JobException Event"},

	ArtifactsAllowedSchemes: {OperatorOnly, "https", "URI schemes the operator downloads a FlinkSessionJob's jarURI over: https, and http when listed; never local or file"},
	ArtifactsAllowedCIDRs:   {OperatorOnly, "", "private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) jars may come from; never loopback, link-local or metadata"},
	ArtifactsAllowedHosts:   {OperatorOnly, "", "host names (exact, or *.suffix) that may resolve to private addresses"},
	ArtifactsMaxBytes:       {OperatorOnly, "536870912", "largest jar the operator downloads, in bytes"},
	ArtifactsTimeout:        {OperatorOnly, "5m", "limit on one whole jar download (a Go duration)"},
	ArtifactsIdleTimeout:    {OperatorOnly, "30s", "a download fails when no byte arrives for this long (a Go duration)"},
	ReconcileInterval:       {OperatorOnly, "15 s", "how often a stable resource is looked at again"},
	ReconcileParallelism:    {OperatorOnly, "10", "resources of one kind reconciled at the same time (read at start)"},
	WatchedNamespaces:       {OperatorOnly, "", "comma-separated namespaces to watch; empty watches all (read at start)"},
	LabelSelector:           {OperatorOnly, "", "only resources matching this label selector are reconciled (read at start)"},
	FlinkClientTimeout:      {OperatorOnly, "10 s", "timeout of one Flink REST call that changes the job (observation uses shorter ones; read at start)"},
	RetryInitialInterval:    {OperatorOnly, "1 s", "wait before retrying a failed reconcile; FKO's is 5 s (read at start)"},
	RetryIntervalMultiplier: {OperatorOnly, "2", "each further failure in a row multiplies the wait (read at start)"},
	RetryMaxInterval:        {OperatorOnly, "5 min", "longest wait between retries; FKO has no cap (read at start)"},
	RetryMaxAttempts:        {OperatorOnly, "15", "failures in a row after which the resource is only looked at every reconcile.interval (read at start)"},
	DynamicConfigEnabled:    {OperatorOnly, "true", "reload the operator config file when it changes"},
	DynamicConfigInterval:   {OperatorOnly, "5 s", "how often the operator config file is checked for changes"},

	ResourceMetricsEnabled:    {OperatorOnly, "true", "export the FlinkDeployment and FlinkSessionJob metrics of docs/metrics.md (counts, lifecycle, per resource); false leaves only the operator's own"},
	LifecycleMetricsEnabled:   {OperatorOnly, "true", "record the time spent in each lifecycle state and transition (weir_lifecycle_*_seconds)"},
	LifecycleNamespaceHistos:  {OperatorOnly, "true", "label the lifecycle histograms with the namespace; false records them with namespace=\"\""},
	HistogramSampleSize:       {OperatorOnly, "1000", "accepted for FKO compatibility and ignored: Prometheus histograms count into fixed buckets, they keep no sample"},
	PerResourceMetricsEnabled: {OperatorOnly, "true", "export the per-resource series (one per FlinkDeployment or FlinkSessionJob, labelled with its name: checkpoint and savepoint age, restarts, downtime); false keeps the per-namespace counts only"},
}

// Known says whether weir honours key (the default-configuration prefixes included).
func Known(key string) bool {
	_, ok := Keys[key]
	return ok || strings.HasPrefix(key, NamespaceDefaults) || strings.HasPrefix(key, VersionDefaults)
}

// IsOperatorKey says whether key is one of the kubernetes.operator.* keys.
func IsOperatorKey(key string) bool { return strings.HasPrefix(key, Prefix) }

// OperatorOnlyKey says whether only the operator config may set key. The
// default-configuration prefixes are operator-only too: a resource cannot set defaults.
func OperatorOnlyKey(key string) bool {
	if k, ok := Keys[key]; ok {
		return k.Scope == OperatorOnly
	}
	return strings.HasPrefix(key, NamespaceDefaults) || strings.HasPrefix(key, VersionDefaults)
}

// SortedKeys lists the table's keys in order.
func SortedKeys() []string {
	out := make([]string, 0, len(Keys))
	for k := range Keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
