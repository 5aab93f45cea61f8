package validation

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

// SecretRef is one place of a pod template that takes a value from a Secret.
type SecretRef struct {
	Secret string // the Secret's name, in the resource's namespace
	Field  string // where the spec names it, e.g. spec.podTemplate.spec.containers[0].envFrom[0]
}

// RequiredSecrets lists the Secrets a deployment's pods cannot start without: envFrom
// secretRef, env valueFrom secretKeyRef and secret volumes that are not optional, in every
// pod template. The pods would wait for a missing one in CreateContainerConfigError, the
// job never starting while the operator believes it deployed; checking them first turns
// that into a clear error before anything is deployed.
func RequiredSecrets(spec *v1beta1.FlinkDeploymentSpec) []SecretRef {
	var refs []SecretRef
	add := func(field string, t *v1beta1.PodTemplate) {
		if t != nil {
			refs = append(refs, podSecrets(field+".spec", &t.Spec)...)
		}
	}
	add("spec.podTemplate", spec.PodTemplate)
	if spec.JobManager != nil {
		add("spec.jobManager.podTemplate", spec.JobManager.PodTemplate)
	}
	if spec.TaskManager != nil {
		add("spec.taskManager.podTemplate", spec.TaskManager.PodTemplate)
	}
	// The Datadog reporters' API key, which the builders bring into every Flink container.
	if conf, err := spec.FlinkConfiguration.Flatten(); err == nil {
		if name, _, ok := resources.DatadogKeySecret(conf); ok {
			refs = append(refs, SecretRef{Secret: name, Field: fmt.Sprintf("spec.flinkConfiguration[%q]", flinkconf.KeyDatadogAPIKeySecret)})
		}
	}
	return refs
}

func podSecrets(field string, pod *corev1.PodSpec) []SecretRef {
	var refs []SecretRef
	containers := func(kind string, cs []corev1.Container) {
		for i, c := range cs {
			at := fmt.Sprintf("%s.%s[%d]", field, kind, i)
			for j, e := range c.EnvFrom {
				if s := e.SecretRef; s != nil && !isOptional(s.Optional) && s.Name != "" {
					refs = append(refs, SecretRef{Secret: s.Name, Field: fmt.Sprintf("%s.envFrom[%d]", at, j)})
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if s := e.ValueFrom.SecretKeyRef; s != nil && !isOptional(s.Optional) && s.Name != "" {
					refs = append(refs, SecretRef{Secret: s.Name, Field: fmt.Sprintf("%s.env[%s]", at, e.Name)})
				}
			}
		}
	}
	containers("initContainers", pod.InitContainers)
	containers("containers", pod.Containers)
	for _, v := range pod.Volumes {
		if s := v.Secret; s != nil && !isOptional(s.Optional) && s.SecretName != "" {
			refs = append(refs, SecretRef{Secret: s.SecretName, Field: fmt.Sprintf("%s.volumes[%s]", field, v.Name)})
		}
	}
	return refs
}

func isOptional(b *bool) bool { return b != nil && *b }

// MissingSecrets is the error for the refs whose Secret does not exist in namespace (nil
// when every Secret exists): one problem per Secret, naming where the spec refers to it.
// Only names appear in it, never a value.
func MissingSecrets(namespace string, refs []SecretRef, exists func(name string) bool) error {
	fields := map[string][]string{}
	for _, r := range refs {
		if !exists(r.Secret) {
			fields[r.Secret] = append(fields[r.Secret], r.Field)
		}
	}
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	sort.Strings(names)
	var p problems
	for _, n := range names {
		p.add("the Secret %q does not exist in namespace %s; the pods need it (%s): create it, or mark the reference optional",
			n, namespace, strings.Join(fields[n], ", "))
	}
	return p.err()
}
