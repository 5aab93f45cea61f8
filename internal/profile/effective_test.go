package profile

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(x) == string(y)
}

func f64(v float64) *float64 { return &v }
func i32(v int32) *int32     { return &v }

func testProfile() *weirv1alpha1.FlinkProfile {
	return &weirv1alpha1.FlinkProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "prod"},
		Spec: weirv1alpha1.FlinkProfileSpec{
			Image:         "flink:1.20",
			FlinkVersion:  v1beta1.FlinkVersion1_20,
			DefaultPreset: "small",
			Presets: map[string]weirv1alpha1.ResourcePreset{
				"small": {JobManager: &v1beta1.Resource{CPU: f64(1), Memory: "1024m"},
					TaskManager: &v1beta1.Resource{CPU: f64(1), Memory: "2048m"}, TaskManagerReplicas: i32(1), Slots: i32(2)},
				"large": {TaskManager: &v1beta1.Resource{CPU: f64(4), Memory: "8g"}, TaskManagerReplicas: i32(4)},
			},
			FlinkConfiguration: weirv1alpha1.ProfileConfiguration{
				Defaults: map[string]string{"pipeline.name": "{{namespace}}-{{name}}", "parallelism.default": "2"},
				Enforced: map[string]string{"web.cancel.enable": "false"},
			},
			State:       &weirv1alpha1.StateStorage{Bucket: "s3://state", HA: true},
			UpgradeMode: v1beta1.UpgradeModeSavepoint,
			Ingress:     &weirv1alpha1.IngressTemplate{HostTemplate: "{{name}}.{{namespace}}.example", ClassName: "nginx"},
			ServiceAccount: &weirv1alpha1.ServiceAccountTemplate{NameTemplate: "flink-{{name}}",
				Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/flink-{{name}}"}},
			Placement: &weirv1alpha1.Placement{
				NodeSelector: map[string]string{"pool": "flink"},
				Tolerations:  []corev1.Toleration{{Key: "pool", Operator: corev1.TolerationOpEqual, Value: "flink", Effect: corev1.TaintEffectNoSchedule}},
			},
		},
	}
}

func testApp(mutate func(*v1beta1.FlinkDeployment)) *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "orders", Namespace: "team-a"},
		Spec:       v1beta1.FlinkDeploymentSpec{Job: &v1beta1.JobSpec{JarURI: "local:///job.jar"}},
	}
	if mutate != nil {
		mutate(d)
	}
	return d
}

func podTemplate(spec corev1.PodSpec) *v1beta1.PodTemplate {
	return &v1beta1.PodTemplate{APIVersion: "v1", Kind: "Pod", Spec: spec}
}

func TestEffective(t *testing.T) {
	affinity := &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{"flink"}}}}}}}
	for _, tc := range []struct {
		name    string
		profile func(*weirv1alpha1.FlinkProfile)
		app     func(*v1beta1.FlinkDeployment)
		wantErr string // substring; "" means success
		check   func(t *testing.T, eff *v1beta1.FlinkDeployment, conf map[string]string)
	}{
		{name: "defaults fill what the app leaves unset",
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, conf map[string]string) {
				s := eff.Spec
				if s.Image != "flink:1.20" || s.FlinkVersion != v1beta1.FlinkVersion1_20 || s.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
					t.Errorf("image %q version %q mode %q", s.Image, s.FlinkVersion, s.Job.UpgradeMode)
				}
				if s.JobManager.Resource.Memory != "1024m" || s.TaskManager.Resource.Memory != "2048m" || *s.TaskManager.Replicas != 1 {
					t.Errorf("preset not applied: %+v %+v", s.JobManager, s.TaskManager)
				}
				want := map[string]string{
					"pipeline.name": "team-a-orders", "parallelism.default": "2", "web.cancel.enable": "false",
					"taskmanager.numberOfTaskSlots": "2",
					"state.checkpoints.dir":         "s3://state/team-a/orders/checkpoints",
					"state.savepoints.dir":          "s3://state/team-a/orders/savepoints",
					"high-availability.type":        "kubernetes", "high-availability.storageDir": "s3://state/team-a/orders/ha",
				}
				for k, v := range want {
					if conf[k] != v {
						t.Errorf("flinkConfiguration[%q] = %q, want %q", k, conf[k], v)
					}
				}
				if s.Ingress == nil || s.Ingress.Template != "orders.team-a.example" || s.Ingress.ClassName != "nginx" {
					t.Errorf("ingress %+v", s.Ingress)
				}
				if s.ServiceAccount != "flink-orders" {
					t.Errorf("serviceAccount %q", s.ServiceAccount)
				}
				if ps := s.PodTemplate.Spec; ps.NodeSelector["pool"] != "flink" || len(ps.Tolerations) != 1 {
					t.Errorf("placement %+v", ps)
				}
			}},
		{name: "the profile's pod template is the base of the app's, and placement still holds",
			profile: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"disk": "ssd"},
					Containers: []corev1.Container{{Name: "flink-main-container",
						Env: []corev1.EnvVar{{Name: "ENABLE_BUILT_IN_PLUGINS", Value: "flink-s3-fs-presto-1.20.0.jar"}, {Name: "TEAM", Value: "platform"}},
						EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "s3-credentials"}}}}}}}}
			},
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "flink-main-container", Env: []corev1.EnvVar{{Name: "TEAM", Value: "orders"}}},
					{Name: "sidecar", Image: "busybox"}}}}
			},
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, _ map[string]string) {
				ps := eff.Spec.PodTemplate.Spec
				if len(ps.Containers) != 2 || ps.Containers[1].Name != "sidecar" {
					t.Fatalf("containers %+v", ps.Containers)
				}
				env := map[string]string{}
				for _, e := range ps.Containers[0].Env {
					env[e.Name] = e.Value
				}
				if env["ENABLE_BUILT_IN_PLUGINS"] != "flink-s3-fs-presto-1.20.0.jar" || env["TEAM"] != "orders" {
					t.Errorf("env %v: want the profile's plugin and the app's own TEAM", env)
				}
				if len(ps.Containers[0].EnvFrom) != 1 || ps.Containers[0].EnvFrom[0].SecretRef.Name != "s3-credentials" {
					t.Errorf("envFrom %+v", ps.Containers[0].EnvFrom)
				}
				if ps.NodeSelector["pool"] != "flink" || ps.NodeSelector["disk"] != "ssd" {
					t.Errorf("nodeSelector %v: want the base template's and the placement's", ps.NodeSelector)
				}
			}},
		{name: "the profile's pod template under an app without one",
			profile: func(p *weirv1alpha1.FlinkProfile) {
				p.Spec.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{
					{Name: "flink-main-container", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}}}}
			},
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, _ map[string]string) {
				if cs := eff.Spec.PodTemplate.Spec.Containers; len(cs) != 1 || len(cs[0].Env) != 1 {
					t.Errorf("containers %+v", cs)
				}
			}},
		{name: "the app's own values win over defaults",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.Image = "registry/orders:7"
				d.Spec.FlinkVersion = v1beta1.FlinkVersion2_1
				d.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless
				d.Spec.TaskManager = &v1beta1.TaskManagerSpec{Resource: &v1beta1.Resource{Memory: "4g"}, Replicas: i32(3)}
				d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"parallelism.default": "8"})
				d.Spec.Ingress = &v1beta1.IngressSpec{Template: "own.example"}
			},
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, conf map[string]string) {
				s := eff.Spec
				if s.Image != "registry/orders:7" || s.FlinkVersion != v1beta1.FlinkVersion2_1 || s.Job.UpgradeMode != v1beta1.UpgradeModeStateless {
					t.Errorf("image %q version %q mode %q", s.Image, s.FlinkVersion, s.Job.UpgradeMode)
				}
				if s.TaskManager.Resource.Memory != "4g" || *s.TaskManager.Replicas != 3 || s.Ingress.Template != "own.example" {
					t.Errorf("app values lost: %+v %+v", s.TaskManager, s.Ingress)
				}
				if conf["parallelism.default"] != "8" {
					t.Errorf("parallelism.default = %q", conf["parallelism.default"])
				}
				// Flink 2's key names for the state the profile places.
				if conf["execution.checkpointing.dir"] != "s3://state/team-a/orders/checkpoints" || conf["state.checkpoints.dir"] != "" {
					t.Errorf("state keys for Flink 2: %v", conf)
				}
			}},
		{name: "the weir.dev/preset label picks a preset",
			app: func(d *v1beta1.FlinkDeployment) { d.Labels = map[string]string{weirv1alpha1.PresetLabel: "large"} },
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, conf map[string]string) {
				if *eff.Spec.TaskManager.Replicas != 4 || eff.Spec.TaskManager.Resource.Memory != "8g" || eff.Spec.JobManager != nil {
					t.Errorf("large preset: %+v %+v", eff.Spec.TaskManager, eff.Spec.JobManager)
				}
			}},
		{name: "an unknown preset is an error naming the presets",
			app:     func(d *v1beta1.FlinkDeployment) { d.Labels = map[string]string{weirv1alpha1.PresetLabel: "huge"} },
			wantErr: `label weir.dev/preset=huge: FlinkProfile "prod" has no such preset (it has: large, small)`},
		{name: "an enforced key set to its value is accepted",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"web.cancel.enable": "false"})
			}},
		{name: "an enforced key set to another value is an error naming the key and the profile",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"web.cancel.enable": "true"})
			},
			wantErr: `FlinkProfile "prod" enforces flinkConfiguration key "web.cancel.enable": the app sets a different value`},
		{name: "a nested enforced key conflicts too",
			app: func(d *v1beta1.FlinkDeployment) {
				_ = json.Unmarshal([]byte(`{"web":{"cancel":{"enable":true}}}`), &d.Spec.FlinkConfiguration)
			},
			wantErr: `enforces flinkConfiguration key "web.cancel.enable"`},
		{name: "the other version's name of a state key conflicts",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"execution.checkpointing.dir": "s3://other/x"})
			},
			wantErr: `enforces flinkConfiguration key "execution.checkpointing.dir"`},
		{name: "another service account conflicts",
			app:     func(d *v1beta1.FlinkDeployment) { d.Spec.ServiceAccount = "admin" },
			wantErr: `FlinkProfile "prod" enforces serviceAccount`},
		{name: "the templated service account itself is accepted",
			app: func(d *v1beta1.FlinkDeployment) { d.Spec.ServiceAccount = "flink-orders" }},
		{name: "a TaskManager template cannot leave the node pool",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.TaskManager = &v1beta1.TaskManagerSpec{PodTemplate: podTemplate(corev1.PodSpec{NodeSelector: map[string]string{"pool": "gpu"}})}
			},
			wantErr: `enforces taskManager.podTemplate.spec.nodeSelector["pool"]`},
		{name: "every conflict is named at once",
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.ServiceAccount = "admin"
				d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"web.cancel.enable": "true"})
			},
			wantErr: `enforces flinkConfiguration key "web.cancel.enable", serviceAccount:`},
		{name: "the app's own node affinity conflicts with the profile's",
			profile: func(p *weirv1alpha1.FlinkProfile) { p.Spec.Placement.NodeAffinity = affinity },
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.PodTemplate = podTemplate(corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}}})
			},
			wantErr: `enforces podTemplate.spec.affinity.nodeAffinity`},
		{name: "placement reaches every template, app labels and tolerations stay",
			profile: func(p *weirv1alpha1.FlinkProfile) { p.Spec.Placement.NodeAffinity = affinity },
			app: func(d *v1beta1.FlinkDeployment) {
				d.Spec.PodTemplate = podTemplate(corev1.PodSpec{NodeSelector: map[string]string{"zone": "a"},
					Tolerations: []corev1.Toleration{{Key: "pool", Operator: corev1.TolerationOpEqual, Value: "flink", Effect: corev1.TaintEffectNoSchedule}}})
				d.Spec.JobManager = &v1beta1.JobManagerSpec{PodTemplate: podTemplate(corev1.PodSpec{})}
			},
			check: func(t *testing.T, eff *v1beta1.FlinkDeployment, _ map[string]string) {
				base, jm := eff.Spec.PodTemplate.Spec, eff.Spec.JobManager.PodTemplate.Spec
				if base.NodeSelector["zone"] != "a" || base.NodeSelector["pool"] != "flink" || len(base.Tolerations) != 1 {
					t.Errorf("base template %+v", base)
				}
				if jm.NodeSelector["pool"] != "flink" || len(jm.Tolerations) != 1 || jm.Affinity == nil || jm.Affinity.NodeAffinity == nil {
					t.Errorf("jobManager template %+v", jm)
				}
			}},
		{name: "state placement needs a Flink version",
			profile: func(p *weirv1alpha1.FlinkProfile) { p.Spec.FlinkVersion = "" },
			wantErr: `FlinkProfile "prod" places state per Flink version: spec.flinkVersion must be set`},
		{name: "an invalid profile is an error naming it",
			profile: func(p *weirv1alpha1.FlinkProfile) { p.Spec.DefaultPreset = "tiny" },
			wantErr: `FlinkProfile "prod" is invalid: spec.defaultPreset "tiny" is not one of spec.presets (large, small)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := testProfile()
			if tc.profile != nil {
				tc.profile(p)
			}
			app := testApp(tc.app)
			before := app.DeepCopy()
			eff, findings, err := Effective(p, app)
			if !equalJSON(t, before, app) {
				t.Fatal("Effective modified the app")
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(findings) == 0 {
				t.Error("no findings")
			}
			conf, err := eff.Spec.FlinkConfiguration.Flatten()
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, eff, conf)
			}
		})
	}
}

func TestEffectiveIsStable(t *testing.T) {
	// Applying the profile to its own result changes nothing: the controller can compare
	// effective specs across reconciles.
	p := testProfile()
	eff, _, err := Effective(p, testApp(nil))
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := Effective(p, eff)
	if err != nil {
		t.Fatal(err)
	}
	if !equalJSON(t, eff, again) {
		t.Errorf("second application differs:\n%+v\n%+v", eff.Spec, again.Spec)
	}
}

func TestConflictErrorType(t *testing.T) {
	_, _, err := Effective(testProfile(), testApp(func(d *v1beta1.FlinkDeployment) { d.Spec.ServiceAccount = "x" }))
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Profile != "prod" || len(ce.Fields) != 1 {
		t.Fatalf("err = %#v", err)
	}
	p := testProfile()
	p.Spec.UpgradeMode = "sometimes"
	_, _, err = Effective(p, testApp(nil))
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Profile != "prod" {
		t.Fatalf("err = %#v", err)
	}
}

func TestEffectiveSessionJob(t *testing.T) {
	job := func(conf map[string]string) *v1beta1.FlinkSessionJob {
		return &v1beta1.FlinkSessionJob{
			ObjectMeta: metav1.ObjectMeta{Name: "etl", Namespace: "team-b"},
			Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: "session", Job: &v1beta1.JobSpec{JarURI: "https://x/job.jar"},
				FlinkConfiguration: v1beta1.NewConfigObject(conf)},
		}
	}
	p := testProfile()
	in := job(map[string]string{"pipeline.max-parallelism": "128"})
	before := in.DeepCopy()
	eff, _, err := EffectiveSessionJob(p, in, v1beta1.FlinkVersion1_20)
	if err != nil {
		t.Fatal(err)
	}
	if !equalJSON(t, before, in) {
		t.Fatal("EffectiveSessionJob modified the job")
	}
	conf, _ := eff.Spec.FlinkConfiguration.Flatten()
	if conf["state.checkpoints.dir"] != "s3://state/team-b/etl/checkpoints" || conf["pipeline.max-parallelism"] != "128" {
		t.Errorf("conf %v", conf)
	}
	if _, ha := conf["high-availability.type"]; ha {
		t.Error("HA is the session cluster's, not the job's")
	}
	if _, def := conf["parallelism.default"]; def {
		t.Error("cluster defaults belong to the session cluster")
	}
	if eff.Spec.Job.UpgradeMode != v1beta1.UpgradeModeSavepoint {
		t.Errorf("upgradeMode %q", eff.Spec.Job.UpgradeMode)
	}

	_, _, err = EffectiveSessionJob(p, job(map[string]string{"state.savepoints.dir": "s3://elsewhere"}), v1beta1.FlinkVersion1_20)
	if err == nil || !strings.Contains(err.Error(), `FlinkProfile "prod" enforces flinkConfiguration key "state.savepoints.dir"`) {
		t.Errorf("err = %v", err)
	}
}
