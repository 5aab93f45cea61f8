package v1beta1

// FlinkVersion names a Flink minor version the way FKO does (v1_20, v2_1, …).
// +kubebuilder:validation:Enum=v1_13;v1_14;v1_15;v1_16;v1_17;v1_18;v1_19;v1_20;v2_0;v2_1;v2_2;v2_3;v2_4
type FlinkVersion string

// Flink versions known to the API. Versions before v1_19 are accepted by the schema, as in
// FKO, and refused by weir's validation with a clear message.
const (
	FlinkVersion1_13 FlinkVersion = "v1_13"
	FlinkVersion1_14 FlinkVersion = "v1_14"
	FlinkVersion1_15 FlinkVersion = "v1_15"
	FlinkVersion1_16 FlinkVersion = "v1_16"
	FlinkVersion1_17 FlinkVersion = "v1_17"
	FlinkVersion1_18 FlinkVersion = "v1_18"
	FlinkVersion1_19 FlinkVersion = "v1_19"
	FlinkVersion1_20 FlinkVersion = "v1_20"
	FlinkVersion2_0  FlinkVersion = "v2_0"
	FlinkVersion2_1  FlinkVersion = "v2_1"
	FlinkVersion2_2  FlinkVersion = "v2_2"
	FlinkVersion2_3  FlinkVersion = "v2_3"
	FlinkVersion2_4  FlinkVersion = "v2_4"
)

// DeploymentMode is how the Flink cluster runs on Kubernetes.
// +kubebuilder:validation:Enum=native;standalone
type DeploymentMode string

const (
	// ModeNative lets Flink's native Kubernetes integration create the TaskManager pods.
	ModeNative DeploymentMode = "native"
	// ModeStandalone has the operator create TaskManager Deployments itself.
	ModeStandalone DeploymentMode = "standalone"
)

// JobState is the desired state of a job.
// +kubebuilder:validation:Enum=running;suspended
type JobState string

const (
	JobStateRunning   JobState = "running"
	JobStateSuspended JobState = "suspended"
)

// UpgradeMode says how a job's state is carried across an upgrade.
// +kubebuilder:validation:Enum=savepoint;last-state;stateless
type UpgradeMode string

const (
	UpgradeModeSavepoint UpgradeMode = "savepoint"
	UpgradeModeLastState UpgradeMode = "last-state"
	UpgradeModeStateless UpgradeMode = "stateless"
)

// SavepointFormatType is the format of a savepoint.
// +kubebuilder:validation:Enum=CANONICAL;NATIVE;UNKNOWN
type SavepointFormatType string

const (
	SavepointFormatCanonical SavepointFormatType = "CANONICAL"
	SavepointFormatNative    SavepointFormatType = "NATIVE"
	SavepointFormatUnknown   SavepointFormatType = "UNKNOWN"
)

// SnapshotTriggerType says why a snapshot was taken.
// +kubebuilder:validation:Enum=MANUAL;PERIODIC;UPGRADE;UNKNOWN
type SnapshotTriggerType string

const (
	SnapshotTriggerManual   SnapshotTriggerType = "MANUAL"
	SnapshotTriggerPeriodic SnapshotTriggerType = "PERIODIC"
	SnapshotTriggerUpgrade  SnapshotTriggerType = "UPGRADE"
	SnapshotTriggerUnknown  SnapshotTriggerType = "UNKNOWN"
)

// JobKind names the kind of resource that owns a job.
// +kubebuilder:validation:Enum=FlinkDeployment;FlinkSessionJob
type JobKind string

const (
	JobKindFlinkDeployment JobKind = "FlinkDeployment"
	JobKindFlinkSessionJob JobKind = "FlinkSessionJob"
)

// ResourceLifecycleState is FKO's summary of where a resource is in its life.
type ResourceLifecycleState string

const (
	LifecycleCreated     ResourceLifecycleState = "CREATED"
	LifecycleSuspended   ResourceLifecycleState = "SUSPENDED"
	LifecycleUpgrading   ResourceLifecycleState = "UPGRADING"
	LifecycleDeployed    ResourceLifecycleState = "DEPLOYED"
	LifecycleStable      ResourceLifecycleState = "STABLE"
	LifecycleRollingBack ResourceLifecycleState = "ROLLING_BACK"
	LifecycleRolledBack  ResourceLifecycleState = "ROLLED_BACK"
	LifecycleFailed      ResourceLifecycleState = "FAILED"
	LifecycleDeleting    ResourceLifecycleState = "DELETING"
	LifecycleDeleted     ResourceLifecycleState = "DELETED"
)

// ReconciliationState is the state of the last reconciliation of the spec.
type ReconciliationState string

const (
	ReconciliationDeployed    ReconciliationState = "DEPLOYED"
	ReconciliationUpgrading   ReconciliationState = "UPGRADING"
	ReconciliationRollingBack ReconciliationState = "ROLLING_BACK"
	ReconciliationRolledBack  ReconciliationState = "ROLLED_BACK"
)

// JobManagerDeploymentStatus is the state of the JobManager Deployment.
type JobManagerDeploymentStatus string

const (
	JMReady            JobManagerDeploymentStatus = "READY"
	JMDeployedNotReady JobManagerDeploymentStatus = "DEPLOYED_NOT_READY"
	JMDeploying        JobManagerDeploymentStatus = "DEPLOYING"
	JMMissing          JobManagerDeploymentStatus = "MISSING"
	JMError            JobManagerDeploymentStatus = "ERROR"
)

// SnapshotState is the state of a FlinkStateSnapshot.
type SnapshotState string

const (
	SnapshotCompleted      SnapshotState = "COMPLETED"
	SnapshotFailed         SnapshotState = "FAILED"
	SnapshotInProgress     SnapshotState = "IN_PROGRESS"
	SnapshotTriggerPending SnapshotState = "TRIGGER_PENDING"
	SnapshotAbandoned      SnapshotState = "ABANDONED"
)
