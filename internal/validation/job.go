package validation

import (
	"net/url"
	"sort"
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
)

// checkJob applies FKO's job rules: state directories for stateful upgrades and manual
// savepoints, HA for last-state, and a positive parallelism.
func checkJob(p *problems, job *v1beta1.JobSpec, tm *v1beta1.TaskManagerSpec, c flinkconf.Conf, field string) {
	switch job.UpgradeMode {
	case "", v1beta1.UpgradeModeStateless, v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeLastState:
	default:
		p.add("%s.upgradeMode %q is unknown; use stateless, savepoint or last-state", field, job.UpgradeMode)
	}
	switch job.State {
	case "", v1beta1.JobStateRunning, v1beta1.JobStateSuspended:
	default:
		p.add("%s.state %q is unknown; use running or suspended", field, job.State)
	}
	mode := job.EffectiveUpgradeMode()
	ckDir, _ := c.Lookup(flinkconf.CheckpointDir)
	spDir, _ := c.Lookup(flinkconf.SavepointDir)
	ckKeys := strings.Join(flinkconf.Aliases(flinkconf.CheckpointDir), " or ")
	spKeys := strings.Join(flinkconf.Aliases(flinkconf.SavepointDir), " or ")
	if mode != v1beta1.UpgradeModeStateless && strings.TrimSpace(ckDir) == "" {
		p.add("Checkpoint directory[%s] must be defined for last-state and savepoint upgrade modes", ckKeys)
	}
	if strings.TrimSpace(spDir) == "" {
		switch {
		case mode == v1beta1.UpgradeModeSavepoint:
			p.add("Job could not be upgraded with savepoint while config key[%s] is not set", spKeys)
		case job.SavepointTriggerNonce != nil:
			p.add("Savepoint could not be manually triggered for the running job while config key[%s] is not set", spKeys)
		case strings.TrimSpace(c[opconfig.PeriodicSavepoint]) != "":
			p.add("Periodic savepoints cannot be enabled when config key[%s] is not set", spKeys)
		}
	}
	if mode == v1beta1.UpgradeModeLastState && !c.HAEnabled() {
		p.add("upgradeMode last-state needs high availability, which keeps the latest checkpoint across restarts: set high-availability.type: kubernetes and high-availability.storageDir")
	}
	tmReplicas := tm != nil && tm.Replicas != nil
	switch {
	case tmReplicas && *tm.Replicas < 1:
		p.add("TaskManager replicas must be larger than 0")
	case !tmReplicas && job.Parallelism < 1:
		p.add("Job parallelism must be larger than 0 (set %s.parallelism, or spec.taskManager.replicas)", field)
	}
	if job.InitialSavepointPath != "" && strings.TrimSpace(job.InitialSavepointPath) == "" {
		p.add("%s.initialSavepointPath is blank", field)
	}
}

// Schemes a FlinkDeployment's jarURI may use. Native application clusters fetch remote
// jars with Flink's file systems or HTTP; standalone ones put the jar on the classpath,
// which Java can load only from files and HTTP.
var (
	nativeJarSchemes     = []string{"local", "file", "http", "https", "s3", "s3a", "s3p", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "hdfs"}
	standaloneJarSchemes = []string{"local", "file", "http", "https"}
	// DefaultSessionJarSchemes are what the operator itself can download and upload to a
	// session cluster; the operator config's kubernetes.operator.user.artifacts.allowed-schemes
	// changes the list (operator-only: a resource cannot widen it).
	DefaultSessionJarSchemes = []string{"https", "http", "s3", "s3a", "s3p"}
)

func checkDeploymentJarURI(p *problems, spec *v1beta1.FlinkDeploymentSpec) {
	uri := spec.Job.JarURI
	if uri == "" {
		return // Flink uses the jars in the image's usrlib
	}
	allowed := nativeJarSchemes
	if spec.EffectiveMode() == v1beta1.ModeStandalone {
		allowed = standaloneJarSchemes
	}
	checkJarURI(p, "spec.job.jarURI", uri, allowed)
}

func checkJarURI(p *problems, field, uri string, allowed []string) {
	u, err := url.Parse(uri)
	if err != nil {
		p.add("%s %q is not a valid URI: %s", field, uri, err.Error())
		return
	}
	if u.Scheme == "" {
		p.add("%s %q must include a scheme, e.g. local:///opt/flink/usrlib/job.jar for a jar inside the image", field, uri)
		return
	}
	scheme := strings.ToLower(u.Scheme)
	for _, a := range allowed {
		if scheme == strings.ToLower(a) {
			if (scheme == "http" || scheme == "https") && u.Host == "" {
				p.add("%s %q must include a host", field, uri)
			}
			if (scheme == "local" || scheme == "file") && u.Host != "" && (scheme != "file" || u.Host != "localhost") {
				p.add("%s", localJarHost(field, uri, u.Host, u.Path))
				return
			}
			if (scheme == "local" || scheme == "file") && u.Path == "" {
				p.add("%s %q must include a path, e.g. local:///opt/flink/usrlib/job.jar", field, uri)
			}
			return
		}
	}
	sorted := append([]string(nil), allowed...)
	sort.Strings(sorted)
	p.add("%s scheme %q is not allowed here; use one of %s", field, u.Scheme, strings.Join(sorted, ", "))
}
