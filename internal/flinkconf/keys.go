package flinkconf

import "weir.dev/weir/internal/opconfig"

// Flink configuration keys the operator reads or writes. Keys whose name changed between
// Flink versions are not here: they are concepts in the Versions table (see versions.go).
const (
	KeyClusterID       = "kubernetes.cluster-id"
	KeyNamespace       = "kubernetes.namespace"
	KeyServiceAccount  = "kubernetes.service-account"
	KeyImage           = "kubernetes.container.image.ref"
	KeyImagePullPolicy = "kubernetes.container.image.pull-policy"
	KeyEntryPath       = "kubernetes.entry.path"
	KeyJMEntryArgs     = "kubernetes.jobmanager.entrypoint.args"
	KeyFlinkConfDir    = "kubernetes.flink.conf.dir"
	KeyTMPodTemplate   = "kubernetes.pod-template-file.taskmanager"
	KeyJMReplicas      = "kubernetes.jobmanager.replicas"
	KeyRestExposedType = "kubernetes.rest-service.exposed.type"
	KeyJMCPU           = "kubernetes.jobmanager.cpu.amount"
	KeyTMCPU           = "kubernetes.taskmanager.cpu.amount"
	KeyJMCPULimit      = "kubernetes.jobmanager.cpu.limit-factor"
	KeyTMCPULimit      = "kubernetes.taskmanager.cpu.limit-factor"
	KeyJMMemLimit      = "kubernetes.jobmanager.memory.limit-factor"
	KeyTMMemLimit      = "kubernetes.taskmanager.memory.limit-factor"
	KeyJMLabels        = "kubernetes.jobmanager.labels"
	KeyTMLabels        = "kubernetes.taskmanager.labels"
	KeyJMAnnotations   = "kubernetes.jobmanager.annotations"
	KeyTMAnnotations   = "kubernetes.taskmanager.annotations"
	KeyJMNodeSelector  = "kubernetes.jobmanager.node-selector"
	KeyTMNodeSelector  = "kubernetes.taskmanager.node-selector"
	KeyRestAnnotations = "kubernetes.rest-service.annotations"

	KeyJMMemory = "jobmanager.memory.process.size"
	KeyTMMemory = "taskmanager.memory.process.size"
	// KeyJMFlinkMemory and KeyTMFlinkMemory are the other ways to size a process; with
	// neither a process size nor these, Flink refuses to start.
	KeyJMFlinkMemory = "jobmanager.memory.flink.size"
	KeyJMHeapMemory  = "jobmanager.memory.heap.size"
	KeyTMFlinkMemory = "taskmanager.memory.flink.size"
	KeyTMTaskHeap    = "taskmanager.memory.task.heap.size"
	KeyTMManaged     = "taskmanager.memory.managed.size"
	KeySlots         = "taskmanager.numberOfTaskSlots"
	KeyParallelism   = "parallelism.default"

	KeyRPCAddress = "jobmanager.rpc.address"
	KeyRPCPort    = "jobmanager.rpc.port"
	KeyBlobPort   = "blob.server.port"
	KeyTMRPCPort  = "taskmanager.rpc.port"
	KeyRestPort   = "rest.port"
	KeyRestBind   = "rest.bind-port"

	KeyTarget             = "execution.target"
	KeyShutdownOnFinish   = "execution.shutdown-on-application-finish"
	KeySubmitFailedJob    = "execution.submit-failed-job-on-application-error"
	KeyPipelineName       = "pipeline.name"
	KeyPipelineJars       = "pipeline.jars"
	KeyPipelineClasspaths = "pipeline.classpaths"
	KeyApplicationMain    = "$internal.application.main"
	KeyApplicationArgs    = "$internal.application.program-args"
	KeyFixedJobID         = "$internal.pipeline.job-id"
	KeyCheckpointInterval = "execution.checkpointing.interval"
	KeyExternalizedRetain = "execution.checkpointing.externalized-checkpoint-retention"
	KeyWebCancel          = "web.cancel.enable"

	KeyArtifactsDir = "user.artifacts.base-dir"

	KeyHAClusterID  = "high-availability.cluster-id"
	KeyHAStorageDir = "high-availability.storageDir"

	// KeyMergeArraysByName is FKO's switch for pod template list merging.
	KeyMergeArraysByName = opconfig.MergeArraysByName
	// KeyLogFormat is weir's switch for the default log4j layout: "text" (default) or "json".
	KeyLogFormat = opconfig.LogFormat
	// KeyDatadogAPIKeySecret is weir's "<secret>/<key>" of the Datadog reporters' API key.
	KeyDatadogAPIKeySecret = opconfig.DatadogAPIKeySecret
	// KeyJobManagerEnvPrefix and KeyTaskManagerEnvPrefix set container environment variables.
	KeyJobManagerEnvPrefix  = "containerized.master.env."
	KeyTaskManagerEnvPrefix = "containerized.taskmanager.env."
)

// Fixed ports: the Services and container ports use them, so the configuration must too
// (Flink's native deployer pins the same values).
const (
	RestPort   = 8081
	RPCPort    = 6123
	BlobPort   = 6124
	TMRPCPort  = 6122
	ConfDir    = "/opt/flink/conf"
	EntryPoint = "/docker-entrypoint.sh"
	// PodTemplateDir and TMPodTemplateFile are where a native JobManager looks for the
	// TaskManager pod template (fixed in Flink, whatever the configuration says).
	PodTemplateDir    = "/opt/flink/pod-template"
	TMPodTemplateFile = "taskmanager-pod-template.yaml"
	// ArtifactsDir is where native JobManagers fetch remote jars (user.artifacts.base-dir).
	ArtifactsDir = "/opt/flink/artifacts"
)

// Deployment targets.
const (
	TargetKubernetesApplication = "kubernetes-application"
	TargetKubernetesSession     = "kubernetes-session"
	TargetRemote                = "remote"
)

// KeyJavaDefaultOpts holds JVM options Flink's scripts put before env.java.opts.all (1.19+).
const KeyJavaDefaultOpts = "env.java.default-opts.all"

// Java17Opts opens the JDK modules Flink reflects into, as Flink's default config file does.
const Java17Opts = "--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED " +
	"--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED " +
	"--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED " +
	"--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED " +
	"--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED " +
	"--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED " +
	"--add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED " +
	"--add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED " +
	"--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"
