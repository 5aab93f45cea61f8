package validation

import (
	"regexp"
	"strconv"
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/resources"
)

// namePattern is FKO's rule for deployment names: they become Service names and prefixes.
var namePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$`)

// Deployment checks a FlinkDeployment and returns every problem found, or nil.
func Deployment(d *v1beta1.FlinkDeployment) error {
	if d == nil {
		return &Error{Problems: []string{"no FlinkDeployment given"}}
	}
	var p problems
	checkName(&p, "FlinkDeployment", d.Name)
	spec := &d.Spec
	ver, verErr := flinkconf.Lookup(spec.FlinkVersion)
	if verErr != nil {
		p.add("%s", verErr.Error())
	}
	switch spec.Mode {
	case "", v1beta1.ModeNative, v1beta1.ModeStandalone:
	default:
		p.add("spec.mode %q is unknown; use native (the default) or standalone", spec.Mode)
	}
	if spec.ServiceAccount == "" {
		p.add("spec.serviceAccount must be set: the JobManager uses it to create TaskManager pods and to keep HA state (FKO's Helm chart creates one called \"flink\")")
	}
	switch spec.ImagePullPolicy {
	case "", "Always", "IfNotPresent", "Never":
	default:
		p.add("spec.imagePullPolicy %q is unknown; use Always, IfNotPresent or Never", spec.ImagePullPolicy)
	}

	checkImage(&p, "spec.image", spec.Image)
	checkSpecSize(&p, spec)
	conf, confOK := userConf(&p, "spec.flinkConfiguration", spec.FlinkConfiguration)
	if confOK {
		checkConf(&p, conf)
		checkEntropy(&p, conf)
		checkDurations(&p, "spec.flinkConfiguration", conf)
		checkQueryableState(&p, spec.FlinkVersion, conf)
		if verErr == nil {
			if _, _, err := flinkconf.Render(ver.Name, conf); err != nil {
				p.add("%s", err.Error())
			}
		}
	}
	checkIngress(&p, d)
	for k := range spec.LogConfiguration {
		if k != resources.Log4jFile && k != resources.LogbackFile {
			p.add("spec.logConfiguration key %q is not a log file Flink reads; use %s or %s", k, resources.Log4jFile, resources.LogbackFile)
		}
	}
	checkJobManager(&p, spec, conf)
	checkTaskManager(&p, spec, conf)
	checkMemory(&p, spec, conf)
	if spec.Job != nil {
		checkJob(&p, spec.Job, spec.TaskManager, conf, "spec.job")
		checkDeploymentJarURI(&p, spec)
	}
	checkPodTemplate(&p, "spec.podTemplate", spec.PodTemplate)
	if spec.JobManager != nil {
		checkPodTemplate(&p, "spec.jobManager.podTemplate", spec.JobManager.PodTemplate)
	}
	if spec.TaskManager != nil {
		checkPodTemplate(&p, "spec.taskManager.podTemplate", spec.TaskManager.PodTemplate)
	}
	checkSpecChange(&p, d)
	return p.err()
}

func checkName(p *problems, kind, name string) {
	if !namePattern.MatchString(name) {
		p.add("the %s name %q is invalid: use at most 45 lower case letters, digits or '-', starting with a letter and ending with a letter or digit (e.g. 'my-name' or 'abc-123')", kind, name)
	}
}

// userConf flattens flinkConfiguration with the renamed keys normalized for reading.
func userConf(p *problems, field string, c v1beta1.ConfigObject) (flinkconf.Conf, bool) {
	m, err := c.Flatten()
	if err != nil {
		p.add("%s cannot be read: %s", field, err.Error())
		return flinkconf.Conf{}, false
	}
	return flinkconf.Conf(m), true
}

// fixedKeys are set by weir; a different value would break Services, probes or HA.
var fixedKeys = map[string]string{
	flinkconf.KeyRestPort:    strconv.Itoa(flinkconf.RestPort),
	flinkconf.KeyRestBind:    strconv.Itoa(flinkconf.RestPort),
	flinkconf.KeyRPCPort:     strconv.Itoa(flinkconf.RPCPort),
	flinkconf.KeyBlobPort:    strconv.Itoa(flinkconf.BlobPort),
	flinkconf.KeyTMRPCPort:   strconv.Itoa(flinkconf.TMRPCPort),
	flinkconf.KeyNamespace:   "",
	flinkconf.KeyClusterID:   "",
	flinkconf.KeyHAClusterID: "",
}

func checkConf(p *problems, c flinkconf.Conf) {
	for _, k := range sortedKeys(fixedKeys) {
		v, set := c[k]
		if !set {
			continue
		}
		switch fixed := fixedKeys[k]; {
		case fixed == "":
			p.add("flinkConfiguration must not set %s: weir sets it from the resource's name and namespace", k)
		case strings.TrimSpace(v) != fixed:
			p.add("flinkConfiguration sets %s to %q, but weir runs Flink with %s=%s (its Services and probes use that port); remove the key", k, v, k, fixed)
		}
	}
	if v, ok := c[flinkconf.KeySlots]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 {
			p.add("%s must be a whole number of at least 1, got %q", flinkconf.KeySlots, v)
		}
	}
	if v, ok := c[flinkconf.KeyParallelism]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || (n < 1 && n != -1) {
			p.add("%s must be a whole number of at least 1, got %q", flinkconf.KeyParallelism, v)
		}
	}
	for _, k := range []string{flinkconf.KeyJMMemory, flinkconf.KeyTMMemory, flinkconf.KeyJMFlinkMemory, flinkconf.KeyTMFlinkMemory} {
		if v, ok := c[k]; ok {
			if _, err := flinkconf.ParseMemory(v); err != nil {
				p.add("flinkConfiguration %s: %s", k, err.Error())
			}
		}
	}
	if c.HAEnabled() {
		if strings.TrimSpace(c[flinkconf.KeyHAStorageDir]) == "" {
			p.add("high availability is enabled but %s is not set: point it at durable storage, e.g. s3://bucket/ha", flinkconf.KeyHAStorageDir)
		}
	}
	if isTrue(c[opconfig.RollbackEnabled]) && !c.HAEnabled() {
		p.add("HA must be enabled for rollback support: set high-availability.type: kubernetes and high-availability.storageDir")
	}
	if v := c[flinkconf.KeyRestExposedType]; v != "" {
		switch v {
		case "ClusterIP", "NodePort", "LoadBalancer", "Headless_ClusterIP":
		default:
			p.add("%s %q is unknown; use ClusterIP, NodePort, LoadBalancer or Headless_ClusterIP", flinkconf.KeyRestExposedType, v)
		}
	}
}

func checkIngress(p *problems, d *v1beta1.FlinkDeployment) {
	in := d.Spec.Ingress
	if in == nil {
		return
	}
	if strings.TrimSpace(in.Template) == "" {
		p.add("spec.ingress.template must be defined, e.g. \"{{name}}.{{namespace}}.example.com\" or \"example.com/{{namespace}}/{{name}}(/|$)(.*)\"")
		return
	}
	if _, _, err := resources.IngressURL(in.Template, d.Name, d.Namespace); err != nil {
		p.add("spec.ingress: %s", err.Error())
	}
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
