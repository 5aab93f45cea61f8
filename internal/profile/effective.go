package profile

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/resources"
)

// Origin says where a field of the effective spec came from.
type Origin string

const (
	// OriginDefault: the app left the field unset and the profile filled it.
	OriginDefault Origin = "profile default"
	// OriginEnforced: the profile set the field whatever the app wrote.
	OriginEnforced Origin = "profile enforced"
	// OriginApp: the profile has a default but the app's own value stays.
	OriginApp Origin = "app"
)

// Finding records what the profile did to one field, for `weir` to show next to the
// effective spec.
type Finding struct {
	Field  string
	Origin Origin
}

// ConflictError says the app sets settings the profile enforces to other values.
type ConflictError struct {
	Profile string
	Fields  []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("FlinkProfile %q enforces %s: the app sets a different value; remove it from the app",
		e.Profile, strings.Join(e.Fields, ", "))
}

// Effective returns the FlinkDeployment as it runs under profile p: a deep copy of app with
// the profile's defaults under it and its enforced settings over it. app is not modified.
func Effective(p *weirv1alpha1.FlinkProfile, app *v1beta1.FlinkDeployment) (*v1beta1.FlinkDeployment, []Finding, error) {
	if err := Validate(p); err != nil {
		return nil, nil, err
	}
	out := app.DeepCopy()
	ns, name := app.Namespace, app.Name
	s := &out.Spec
	var findings []Finding
	var conflicts []string
	def := func(field string) { findings = append(findings, Finding{Field: field, Origin: OriginDefault}) }

	if s.Image == "" && p.Spec.Image != "" {
		s.Image = p.Spec.Image
		def("image")
	}
	if s.FlinkVersion == "" && p.Spec.FlinkVersion != "" {
		s.FlinkVersion = p.Spec.FlinkVersion
		def("flinkVersion")
	}

	preset, err := choosePreset(p, app.Labels)
	if err != nil {
		return nil, nil, err
	}
	if preset != nil {
		findings = append(findings, applyPreset(s, preset)...)
	}

	var version *flinkconf.Version
	if p.Spec.State != nil {
		v, err := flinkconf.Lookup(s.FlinkVersion)
		if err != nil {
			return nil, nil, fmt.Errorf("FlinkProfile %q places state per Flink version: %w", p.Name, err)
		}
		version = &v
	}
	defaults, enforced := layers(p, preset, version, ns, name, true)
	conf, cf, cc, err := mergeConfig(s.FlinkConfiguration, defaults, enforced)
	if err != nil {
		return nil, nil, err
	}
	s.FlinkConfiguration = conf
	findings = append(findings, cf...)
	conflicts = append(conflicts, cc...)

	if s.Job != nil && s.Job.UpgradeMode == "" && p.Spec.UpgradeMode != "" {
		s.Job.UpgradeMode = p.Spec.UpgradeMode
		def("job.upgradeMode")
	}
	if s.Ingress == nil && p.Spec.Ingress != nil {
		s.Ingress = renderIngress(p.Spec.Ingress, ns, name)
		def("ingress")
	}
	if sa := p.Spec.ServiceAccount; sa != nil {
		want := render(sa.NameTemplate, ns, name)
		if s.ServiceAccount != "" && s.ServiceAccount != want {
			conflicts = append(conflicts, "serviceAccount")
		}
		s.ServiceAccount = want
		findings = append(findings, Finding{Field: "serviceAccount", Origin: OriginEnforced})
	}
	if p.Spec.PodTemplate != nil {
		if s.PodTemplate != nil && len(s.PodTemplate.DecodeProblems()) > 0 {
			return nil, nil, fmt.Errorf("FlinkProfile %q has a podTemplate, but the app's does not decode: %s",
				p.Name, strings.Join(s.PodTemplate.DecodeProblems(), "; "))
		}
		merged, err := resources.MergePodTemplates(p.Spec.PodTemplate, s.PodTemplate, true)
		if err != nil {
			return nil, nil, fmt.Errorf("FlinkProfile %q: its podTemplate and the app's do not merge: %w", p.Name, err)
		}
		s.PodTemplate = merged
		def("podTemplate")
	}
	if pl := p.Spec.Placement; pl != nil {
		// A template that did not decode is written back as written: placement cannot hold.
		for _, t := range []*v1beta1.PodTemplate{s.PodTemplate, jmTemplate(s), tmTemplate(s)} {
			if t != nil && len(t.DecodeProblems()) > 0 {
				return nil, nil, fmt.Errorf("FlinkProfile %q places pods, but a pod template does not decode: %s",
					p.Name, strings.Join(t.DecodeProblems(), "; "))
			}
		}
		cs := place(s, pl, ns, name)
		conflicts = append(conflicts, cs...)
		findings = append(findings, Finding{Field: "podTemplate placement", Origin: OriginEnforced})
	}

	if len(conflicts) > 0 {
		return nil, nil, &ConflictError{Profile: p.Name, Fields: conflicts}
	}
	return out, findings, nil
}

// EffectiveSessionJob returns the FlinkSessionJob as it runs under profile p. Cluster-level
// settings (image, resources, placement, HA) belong to its session FlinkDeployment; the job
// gets the default upgrade mode, the enforced keys, and checkpoints and savepoints under its
// own prefix, in the key names of flinkVersion, the session cluster's version.
func EffectiveSessionJob(p *weirv1alpha1.FlinkProfile, job *v1beta1.FlinkSessionJob,
	flinkVersion v1beta1.FlinkVersion) (*v1beta1.FlinkSessionJob, []Finding, error) {
	if err := Validate(p); err != nil {
		return nil, nil, err
	}
	out := job.DeepCopy()
	var findings []Finding
	var version *flinkconf.Version
	if p.Spec.State != nil {
		v, err := flinkconf.Lookup(flinkVersion)
		if err != nil {
			return nil, nil, fmt.Errorf("FlinkProfile %q places state per Flink version: %w", p.Name, err)
		}
		version = &v
	}
	_, enforced := layers(p, nil, version, job.Namespace, job.Name, false)
	conf, cf, conflicts, err := mergeConfig(out.Spec.FlinkConfiguration, nil, enforced)
	if err != nil {
		return nil, nil, err
	}
	if len(conflicts) > 0 {
		return nil, nil, &ConflictError{Profile: p.Name, Fields: conflicts}
	}
	out.Spec.FlinkConfiguration = conf
	findings = append(findings, cf...)
	if out.Spec.Job != nil && out.Spec.Job.UpgradeMode == "" && p.Spec.UpgradeMode != "" {
		out.Spec.Job.UpgradeMode = p.Spec.UpgradeMode
		findings = append(findings, Finding{Field: "job.upgradeMode", Origin: OriginDefault})
	}
	return out, findings, nil
}

// choosePreset returns the preset the app's label names, else the profile's default.
func choosePreset(p *weirv1alpha1.FlinkProfile, labels map[string]string) (*weirv1alpha1.ResourcePreset, error) {
	name := labels[weirv1alpha1.PresetLabel]
	if name == "" {
		name = p.Spec.DefaultPreset
	} else if _, ok := p.Spec.Presets[name]; !ok {
		return nil, fmt.Errorf("label %s=%s: FlinkProfile %q has no such preset (it has: %s)",
			weirv1alpha1.PresetLabel, name, p.Name, presetNames(p.Spec.Presets))
	}
	if name == "" {
		return nil, nil
	}
	pr := p.Spec.Presets[name]
	return &pr, nil
}

// applyPreset fills the resources the app leaves unset.
func applyPreset(s *v1beta1.FlinkDeploymentSpec, pr *weirv1alpha1.ResourcePreset) []Finding {
	var f []Finding
	if pr.JobManager != nil {
		if s.JobManager == nil {
			s.JobManager = &v1beta1.JobManagerSpec{}
		}
		if s.JobManager.Resource == nil && s.JobManager.Resources == nil {
			s.JobManager.Resource = pr.JobManager.DeepCopy()
			f = append(f, Finding{Field: "jobManager.resource", Origin: OriginDefault})
		}
	}
	if pr.TaskManager != nil || pr.TaskManagerReplicas != nil {
		if s.TaskManager == nil {
			s.TaskManager = &v1beta1.TaskManagerSpec{}
		}
		if pr.TaskManager != nil && s.TaskManager.Resource == nil && s.TaskManager.Resources == nil {
			s.TaskManager.Resource = pr.TaskManager.DeepCopy()
			f = append(f, Finding{Field: "taskManager.resource", Origin: OriginDefault})
		}
		if pr.TaskManagerReplicas != nil && s.TaskManager.Replicas == nil {
			r := *pr.TaskManagerReplicas
			s.TaskManager.Replicas = &r
			f = append(f, Finding{Field: "taskManager.replicas", Origin: OriginDefault})
		}
	}
	return f
}

func renderIngress(t *weirv1alpha1.IngressTemplate, ns, name string) *v1beta1.IngressSpec {
	in := &v1beta1.IngressSpec{
		Template:    render(t.HostTemplate, ns, name),
		ClassName:   t.ClassName,
		Annotations: renderMap(t.Annotations, ns, name),
	}
	for _, tls := range t.TLS {
		r := networkingv1.IngressTLS{SecretName: render(tls.SecretName, ns, name)}
		for _, h := range tls.Hosts {
			r.Hosts = append(r.Hosts, render(h, ns, name))
		}
		in.TLS = append(in.TLS, r)
	}
	return in
}

// place pins every pod template to the profile's node pool. The pod template and the
// JobManager's and TaskManager's own templates each get the nodeSelector, tolerations and
// node affinity, so that no layer of the template can lift them; a template that sets one
// of the profile's nodeSelector keys to another value, or its own node affinity, conflicts.
func place(s *v1beta1.FlinkDeploymentSpec, pl *weirv1alpha1.Placement, ns, name string) []string {
	sel := renderMap(pl.NodeSelector, ns, name)
	tols := make([]corev1.Toleration, len(pl.Tolerations))
	for i, t := range pl.Tolerations {
		t.Value = render(t.Value, ns, name)
		tols[i] = t
	}
	if s.PodTemplate == nil {
		s.PodTemplate = &v1beta1.PodTemplate{APIVersion: "v1", Kind: "Pod"}
	}
	fields := []string{"podTemplate", "jobManager.podTemplate", "taskManager.podTemplate"}
	var conflicts []string
	for i, t := range []*v1beta1.PodTemplate{s.PodTemplate, jmTemplate(s), tmTemplate(s)} {
		if t == nil {
			continue
		}
		field, spec := fields[i], &t.Spec
		for _, k := range sortedKeys(sel) {
			if v, ok := spec.NodeSelector[k]; ok && v != sel[k] {
				conflicts = append(conflicts, fmt.Sprintf("%s.spec.nodeSelector[%q]", field, k))
			}
			if spec.NodeSelector == nil {
				spec.NodeSelector = map[string]string{}
			}
			spec.NodeSelector[k] = sel[k]
		}
	next:
		for _, t := range tols {
			for _, have := range spec.Tolerations {
				if equality.Semantic.DeepEqual(have, t) {
					continue next
				}
			}
			spec.Tolerations = append(spec.Tolerations, t)
		}
		if pl.NodeAffinity != nil {
			if spec.Affinity != nil && spec.Affinity.NodeAffinity != nil &&
				!equality.Semantic.DeepEqual(spec.Affinity.NodeAffinity, pl.NodeAffinity) {
				conflicts = append(conflicts, field+".spec.affinity.nodeAffinity")
			}
			if spec.Affinity == nil {
				spec.Affinity = &corev1.Affinity{}
			}
			spec.Affinity.NodeAffinity = pl.NodeAffinity.DeepCopy()
		}
	}
	return conflicts
}

func jmTemplate(s *v1beta1.FlinkDeploymentSpec) *v1beta1.PodTemplate {
	if s.JobManager == nil {
		return nil
	}
	return s.JobManager.PodTemplate
}

func tmTemplate(s *v1beta1.FlinkDeploymentSpec) *v1beta1.PodTemplate {
	if s.TaskManager == nil {
		return nil
	}
	return s.TaskManager.PodTemplate
}
