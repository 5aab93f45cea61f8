package weirv1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"weir.dev/weir/api/v1beta1"
)

// FlinkProfileSpec is what a platform team gives every app it selects: defaults the app may
// override and settings it enforces. Templates may use {{namespace}} and {{name}} (the app's).
type FlinkProfileSpec struct {
	// Namespaces this profile applies to, by name and/or by label. An app's weir.dev/profile
	// label wins over namespace selection (docs/profiles.md, "Selection").
	// +optional
	Namespaces *NamespaceSelection `json:"namespaces,omitempty"`

	// Image is the default spec.image.
	// +optional
	Image string `json:"image,omitempty"`
	// FlinkVersion is the default spec.flinkVersion.
	// +optional
	FlinkVersion v1beta1.FlinkVersion `json:"flinkVersion,omitempty"`

	// Presets are named resource sizes (e.g. small, medium, large); an app picks one with the
	// weir.dev/preset label, else DefaultPreset applies. They fill only what the app leaves unset.
	// +optional
	Presets map[string]ResourcePreset `json:"presets,omitempty"`
	// DefaultPreset is the preset of an app without the weir.dev/preset label.
	// +optional
	DefaultPreset string `json:"defaultPreset,omitempty"`

	// FlinkConfiguration holds flat Flink keys: defaults fill what the app leaves unset;
	// enforced keys win, and an app that sets one to another value is rejected.
	// +optional
	FlinkConfiguration ProfileConfiguration `json:"flinkConfiguration,omitempty"`

	// State places each app's checkpoints, savepoints and HA data under its own prefix.
	// Its keys are enforced: two apps never share a state directory.
	// +optional
	State *StateStorage `json:"state,omitempty"`

	// UpgradeMode is the default job.upgradeMode (FKO's default is stateless).
	// +optional
	UpgradeMode v1beta1.UpgradeMode `json:"upgradeMode,omitempty"`

	// Metrics chooses the default metric reporter.
	// +optional
	Metrics *MetricsSpec `json:"metrics,omitempty"`
	// LogFormat is the default log layout of Flink pods: text or json.
	// +optional
	// +kubebuilder:validation:Enum=text;json
	LogFormat string `json:"logFormat,omitempty"`

	// Ingress is the default Ingress of the Flink UI.
	// +optional
	Ingress *IngressTemplate `json:"ingress,omitempty"`

	// QueryableState shapes the `<app>-queryable-state` Service of apps that turn Flink 1.x's
	// queryable state on (queryable-state.enable: true); it does not turn it on.
	// +optional
	QueryableState *QueryableStateTemplate `json:"queryableState,omitempty"`

	// ServiceAccount is each app's own service account, enforced.
	// +optional
	ServiceAccount *ServiceAccountTemplate `json:"serviceAccount,omitempty"`

	// PodTemplate is the base of every app's spec.podTemplate: the app's own template is
	// merged over it (FKO's merge, lists by name). It carries what the platform gives every
	// pod, e.g. the S3 plugin's ENABLE_BUILT_IN_PLUGINS and, where no IAM role serves, an
	// envFrom of the S3 credentials Secret. Placement is applied after it, so no layer lifts
	// the node pool.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	PodTemplate *v1beta1.PodTemplate `json:"podTemplate,omitempty"`

	// Placement pins every pod of the app to a node pool, enforced.
	// +optional
	Placement *Placement `json:"placement,omitempty"`

	// ResourceQuota is applied to each selected namespace.
	// +optional
	ResourceQuota *corev1.ResourceQuotaSpec `json:"resourceQuota,omitempty"`
	// LimitRange is applied to each selected namespace.
	// +optional
	LimitRange *corev1.LimitRangeSpec `json:"limitRange,omitempty"`
	// PodDisruptionBudget is created per app for its TaskManagers.
	// +optional
	PodDisruptionBudget *PodDisruptionBudgetTemplate `json:"podDisruptionBudget,omitempty"`
	// NetworkPolicy is created per app; its podSelector is the app's pods.
	// +optional
	NetworkPolicy *networkingv1.NetworkPolicySpec `json:"networkPolicy,omitempty"`

	// Rollout paces how a new generation of the profile reaches the apps already under it
	// (docs/profiles.md, "Gradual rollout").
	// +optional
	Rollout *RolloutPolicy `json:"rollout,omitempty"`
}

// RolloutPolicy paces a profile change through its apps.
type RolloutPolicy struct {
	// MaxConcurrent is how many apps may be taking a new profile generation at once
	// (admitted and not yet STABLE); default 1.
	// +optional
	// +kubebuilder:validation:Minimum=1
	MaxConcurrent *int32 `json:"maxConcurrent,omitempty"`
	// ProgressDeadline fails the rollout when an app it admitted is not STABLE on the new
	// generation this long after its admission (e.g. "15m"); unset: no deadline of its own.
	// +optional
	ProgressDeadline *metav1.Duration `json:"progressDeadline,omitempty"`
}

// NamespaceSelection selects namespaces by name or by label; a namespace matches when it
// is listed or its labels match the selector.
type NamespaceSelection struct {
	// +optional
	Names []string `json:"names,omitempty"`
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ResourcePreset sizes the JobManager and TaskManagers.
type ResourcePreset struct {
	// +optional
	JobManager *v1beta1.Resource `json:"jobManager,omitempty"`
	// +optional
	TaskManager *v1beta1.Resource `json:"taskManager,omitempty"`
	// TaskManagerReplicas is the default taskManager.replicas.
	// +optional
	TaskManagerReplicas *int32 `json:"taskManagerReplicas,omitempty"`
	// Slots is the default taskmanager.numberOfTaskSlots.
	// +optional
	Slots *int32 `json:"slots,omitempty"`
}

// ProfileConfiguration splits flat Flink keys into defaults and enforced settings.
type ProfileConfiguration struct {
	// +optional
	Defaults map[string]string `json:"defaults,omitempty"`
	// +optional
	Enforced map[string]string `json:"enforced,omitempty"`
}

// StateStorage is where apps keep state: <scheme>://<bucket>/<prefix>/{checkpoints,savepoints,ha}.
type StateStorage struct {
	// Bucket such as "s3://flink-state" (any Flink file system URI without a path).
	Bucket string `json:"bucket"`
	// PrefixTemplate must name both {{namespace}} and {{name}}, so apps never share state.
	// Default "{{namespace}}/{{name}}".
	// +optional
	PrefixTemplate string `json:"prefixTemplate,omitempty"`
	// Entropy injects Flink's S3 entropy key into checkpoint paths.
	// +optional
	Entropy bool `json:"entropy,omitempty"`
	// HA turns on Kubernetes high availability with its storage under the prefix.
	// +optional
	HA bool `json:"ha,omitempty"`
}

// MetricsSpec chooses a metric reporter.
type MetricsSpec struct {
	// +kubebuilder:validation:Enum=prometheus;jmx;slf4j;datadog
	Reporter string `json:"reporter"`
	// Port of the Prometheus reporter; default 9249.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`
	// PodMonitor, with reporter prometheus, has weir create a PodMonitor
	// (monitoring.coreos.com/v1) per app for the Prometheus Operator, when its CRD exists.
	// +optional
	PodMonitor bool `json:"podMonitor,omitempty"`
	// Datadog configures the Datadog HTTP reporter (reporter: datadog).
	// +optional
	Datadog *DatadogMetrics `json:"datadog,omitempty"`
}

// DatadogMetrics configures Flink's Datadog HTTP reporter. Its series are tagged with the
// app, namespace, team (the app's weir.dev/team label) and job id (docs/metrics.md).
type DatadogMetrics struct {
	// APIKeySecret is the Secret key, in the app's namespace, that holds the Datadog API key.
	// The key reaches the pods as an environment variable from the Secret, never a ConfigMap.
	APIKeySecret SecretKeyRef `json:"apiKeySecret"`
	// DataCenter is the Datadog site: US (datadoghq.com, the default) or EU (datadoghq.eu).
	// +optional
	// +kubebuilder:validation:Enum=US;EU
	DataCenter string `json:"dataCenter,omitempty"`
}

// SecretKeyRef names one key of a Secret.
type SecretKeyRef struct {
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// IngressTemplate is the Ingress of each app's Flink UI.
type IngressTemplate struct {
	// HostTemplate is the host (and path), e.g. "{{name}}.{{namespace}}.flink.internal";
	// it must name {{name}}.
	HostTemplate string `json:"hostTemplate"`
	// +optional
	ClassName string `json:"className,omitempty"`
	// Annotations, values templated.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// TLS, hosts and secret names templated.
	// +optional
	TLS []networkingv1.IngressTLS `json:"tls,omitempty"`
}

// QueryableStateTemplate is the default type and annotations of each app's queryable-state
// Service; they become the app's kubernetes.operator.weir.queryable-state.* defaults.
type QueryableStateTemplate struct {
	// ServiceType of the Service: ClusterIP (default), NodePort or LoadBalancer.
	// +optional
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	ServiceType corev1.ServiceType `json:"serviceType,omitempty"`
	// Annotations, values templated (e.g. an internal load balancer's or a DNS name's).
	// Neither keys nor values may contain a comma.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ServiceAccountTemplate is each app's own service account.
type ServiceAccountTemplate struct {
	// NameTemplate must name {{name}}, e.g. "flink-{{name}}".
	NameTemplate string `json:"nameTemplate"`
	// Annotations, values templated, e.g.
	// eks.amazonaws.com/role-arn: arn:aws:iam::123:role/flink-{{name}}.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Placement pins pods to a node pool. Values of nodeSelector and tolerations are templated.
type Placement struct {
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// NodeAffinity is set on every pod; an app may not bring its own.
	// +optional
	NodeAffinity *corev1.NodeAffinity `json:"nodeAffinity,omitempty"`
}

// PodDisruptionBudgetTemplate is the budget of each app's TaskManagers.
type PodDisruptionBudgetTemplate struct {
	// +optional
	MinAvailable *intstr.IntOrString `json:"minAvailable,omitempty"`
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
}

// FlinkProfileStatus is what the operator last made of the profile.
type FlinkProfileStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Error says why the profile is invalid; its apps keep their last valid effective spec.
	// +optional
	Error string `json:"error,omitempty"`
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Rollout is the progress of the latest valid generation through the apps under the profile.
	// +optional
	Rollout *RolloutStatus `json:"rollout,omitempty"`
}

// Phases of a profile rollout.
const (
	RolloutProgressing = "Progressing"
	RolloutComplete    = "Complete"
	RolloutFailed      = "Failed"
)

// RolloutStatus is how far a profile generation has reached its apps. Apps are named
// "<Kind>/<namespace>/<name>".
type RolloutStatus struct {
	// Generation is the profile generation being rolled out.
	Generation int64 `json:"generation"`
	// Phase is Progressing, Complete (every app runs Generation STABLE) or Failed (an app
	// failed on Generation: no other app is admitted until a new generation).
	Phase string `json:"phase"`
	// Total is the number of apps under the profile; Updated, those running Generation STABLE.
	Total   int32 `json:"total"`
	Updated int32 `json:"updated"`
	// Admitted are the apps allowed to take Generation (the rest keep their last spec).
	// +optional
	// +listType=map
	// +listMapKey=app
	Admitted []AdmittedApp `json:"admitted,omitempty"`
	// InProgress are the admitted apps not yet STABLE on Generation.
	// +optional
	InProgress []string `json:"inProgress,omitempty"`
	// FailedApp is the app that stopped the rollout, and FailureReason why.
	// +optional
	FailedApp string `json:"failedApp,omitempty"`
	// +optional
	FailureReason string `json:"failureReason,omitempty"`
	// Message sums the rollout up, e.g. "2/5 updated, 1 in progress".
	// +optional
	Message string `json:"message,omitempty"`
}

// AdmittedApp is an app a rollout admitted, and when.
type AdmittedApp struct {
	// App is "<Kind>/<namespace>/<name>".
	App string `json:"app"`
	// At is when it was admitted (spec.rollout.progressDeadline counts from it).
	At metav1.Time `json:"at"`
}

// FlinkProfile is a platform team's defaults and enforced settings for Flink apps.
// It is cluster-scoped: app teams that own a namespace cannot edit what is enforced on them.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=flinkprofile
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Error",type=string,JSONPath=`.status.error`
// +kubebuilder:printcolumn:name="Rollout",type=string,JSONPath=`.status.rollout.phase`
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.rollout.message`,priority=1
type FlinkProfile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FlinkProfileSpec `json:"spec,omitempty"`
	// +optional
	Status FlinkProfileStatus `json:"status,omitempty"`
}

// FlinkProfileList is a list of FlinkProfiles.
//
// +kubebuilder:object:root=true
type FlinkProfileList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FlinkProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&FlinkProfile{}, &FlinkProfileList{})
}
