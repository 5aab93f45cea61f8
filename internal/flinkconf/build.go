package flinkconf

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
)

// Build computes the effective Flink configuration of a FlinkDeployment: the user's
// flinkConfiguration with renamed keys normalized for the Flink version, plus everything
// the operator owns (cluster id, namespace, ports, image, resources, the job). spec is the
// spec to deploy, which need not be d.Spec. Restore and job id are added by WithStart.
func Build(d *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) (Conf, error) {
	if d == nil || spec == nil {
		return nil, errors.New("flinkconf.Build needs a FlinkDeployment and a spec")
	}
	ver, err := Lookup(spec.FlinkVersion)
	if err != nil {
		return nil, err
	}
	user, err := spec.FlinkConfiguration.Flatten()
	if err != nil {
		return nil, err
	}
	c := Conf(user)
	normalize(c, ver)

	// Defaults the user may override (as FKO sets them).
	c.setDefault(KeyRestExposedType, "ClusterIP")
	c.setDefault(KeyWebCancel, "false")
	// The image's own config file, which carries these, is replaced by ours; without them
	// Java 17 refuses Flink's reflection and jobs fail with InaccessibleObjectException.
	// FKO sets the same default; env.java.opts.all stays free for the user.
	c.setDefault(KeyJavaDefaultOpts, Java17Opts)

	// What the operator owns.
	name, ns := d.Name, d.Namespace
	c[KeyClusterID] = name
	c[KeyNamespace] = ns
	c[KeyRPCAddress] = name + "." + ns
	c[KeyRPCPort] = strconv.Itoa(RPCPort)
	c[KeyBlobPort] = strconv.Itoa(BlobPort)
	c[KeyTMRPCPort] = strconv.Itoa(TMRPCPort)
	c[KeyRestPort] = strconv.Itoa(RestPort)
	c[KeyRestBind] = strconv.Itoa(RestPort)
	if spec.ServiceAccount != "" {
		c[KeyServiceAccount] = spec.ServiceAccount
	}
	c[KeyImage] = Image(spec, ver)
	if spec.ImagePullPolicy != "" {
		c[KeyImagePullPolicy] = spec.ImagePullPolicy
	}
	if c.HAEnabled() {
		c[KeyHAClusterID] = name
	}

	if jm := spec.JobManager; jm != nil {
		if err := applySizing(c, "jobManager", jm.Resources, jm.Resource, KeyJMMemory, KeyJMCPU, KeyJMMemLimit, KeyJMCPULimit); err != nil {
			return nil, err
		}
		if jm.Replicas > 0 {
			c[KeyJMReplicas] = strconv.Itoa(int(jm.Replicas))
		}
	}
	if tm := spec.TaskManager; tm != nil {
		if err := applySizing(c, "taskManager", tm.Resources, tm.Resource, KeyTMMemory, KeyTMCPU, KeyTMMemLimit, KeyTMCPULimit); err != nil {
			return nil, err
		}
	}

	native := spec.EffectiveMode() == v1beta1.ModeNative
	if job := spec.Job; job != nil {
		applyJob(c, name, spec, job, native)
	} else if native {
		c[KeyTarget] = TargetKubernetesSession
	}
	if !native {
		c[KeyTarget] = TargetRemote
	}
	if native {
		c[KeyTMPodTemplate] = PodTemplateDir + "/" + TMPodTemplateFile
	}
	return c, nil
}

// Image is spec.image, or the version's default image when unset.
func Image(spec *v1beta1.FlinkDeploymentSpec, ver Version) string {
	if spec.Image != "" {
		return spec.Image
	}
	return ver.DefaultImage
}

// normalize rewrites every renamed key to the name the version uses. When several names of
// one concept are set, the newest name wins, as in Flink.
func normalize(c Conf, ver Version) {
	for concept := Concept(0); concept < numConcepts; concept++ {
		v, ok := c.Lookup(concept)
		if !ok {
			continue
		}
		for _, k := range Aliases(concept) {
			delete(c, k)
		}
		c[ver.Key(concept)] = v
	}
}

func applyJob(c Conf, name string, spec *v1beta1.FlinkDeploymentSpec, job *v1beta1.JobSpec, native bool) {
	c[KeyTarget] = TargetKubernetesApplication
	if native && job.JarURI != "" {
		c[KeyPipelineJars] = job.JarURI
	}
	if !native && job.JarURI != "" {
		c[KeyPipelineClasspaths] = standaloneJarURI(job.JarURI)
	}
	if p := Parallelism(spec, c); p > 0 {
		c[KeyParallelism] = strconv.Itoa(p)
	}
	// Keep the cluster after the job ends so the operator can observe the final state.
	c[KeyShutdownOnFinish] = "false"
	c.setDefault(KeySubmitFailedJob, "true")
	c.setDefault(KeyPipelineName, name)
	if job.EffectiveUpgradeMode() == v1beta1.UpgradeModeLastState {
		c.setDefault(KeyCheckpointInterval, "5 min")
	}
	c.setDefault(KeyExternalizedRetain, "RETAIN_ON_CANCELLATION")
	if job.AllowNonRestoredState != nil {
		for _, k := range Aliases(RestoreIgnoreUnclaimed) {
			delete(c, k)
		}
		ver, _ := Lookup(spec.FlinkVersion) // Build already checked the version
		c[ver.Key(RestoreIgnoreUnclaimed)] = strconv.FormatBool(*job.AllowNonRestoredState)
	}
	if job.EntryClass != "" {
		c[KeyApplicationMain] = job.EntryClass
	}
	if len(job.Args) > 0 {
		c[KeyApplicationArgs] = JoinList(job.Args)
	}
}

// standaloneJarURI turns local:// (the native form) into file://, which standalone
// application clusters put on the user classpath.
func standaloneJarURI(uri string) string {
	if rest, ok := strings.CutPrefix(uri, "local://"); ok {
		return "file://" + rest
	}
	return uri
}

// Parallelism is the job parallelism as FKO computes it: taskManager.replicas × slots when
// replicas are fixed, else job.parallelism.
func Parallelism(spec *v1beta1.FlinkDeploymentSpec, c Conf) int {
	if spec.TaskManager != nil && spec.TaskManager.Replicas != nil {
		return int(*spec.TaskManager.Replicas) * c.Slots()
	}
	if spec.Job != nil {
		return int(spec.Job.Parallelism)
	}
	return 0
}

// TaskManagerReplicas is the size of a standalone TaskManager Deployment:
// taskManager.replicas, else ceil(parallelism / slots), at least 1.
func TaskManagerReplicas(spec *v1beta1.FlinkDeploymentSpec, c Conf) int32 {
	if spec.TaskManager != nil && spec.TaskManager.Replicas != nil {
		return max(*spec.TaskManager.Replicas, 0)
	}
	p := c.Int(KeyParallelism, 0)
	if spec.Job != nil && spec.Job.Parallelism > 0 {
		p = int(spec.Job.Parallelism)
	}
	if p <= 0 {
		return 1
	}
	slots := c.Slots()
	return int32(min((p+slots-1)/slots, math.MaxInt32))
}

// applySizing writes memory, cpu and limit factors from `resources` (preferred) or `resource`.
func applySizing(c Conf, what string, res *v1beta1.ResourceRequirements, r *v1beta1.Resource, memKey, cpuKey, memFactorKey, cpuFactorKey string) error {
	if HasRequirements(res) {
		q, ok, err := requestOrLimit(res, corev1.ResourceMemory)
		if err != nil {
			return fmt.Errorf("spec.%s.resources memory: %w", what, err)
		}
		if ok {
			c[memKey] = FormatMemory(q.Value())
		}
		q, ok, err = requestOrLimit(res, corev1.ResourceCPU)
		if err != nil {
			return fmt.Errorf("spec.%s.resources cpu: %w", what, err)
		}
		if ok {
			c[cpuKey] = formatFloat(q.AsApproximateFloat64())
		}
		if f, ok := limitFactor(res, corev1.ResourceCPU); ok {
			c[cpuFactorKey] = formatFloat(f)
		}
		if f, ok := limitFactor(res, corev1.ResourceMemory); ok {
			c[memFactorKey] = formatFloat(f)
		}
		return nil
	}
	if r == nil {
		return nil
	}
	if r.Memory != "" {
		b, err := ParseMemory(r.Memory)
		if err != nil {
			return fmt.Errorf("spec.%s.resource.memory: %w", what, err)
		}
		c[memKey] = FormatMemory(b)
	}
	if r.CPU != nil {
		c[cpuKey] = formatFloat(*r.CPU)
	}
	return nil
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
