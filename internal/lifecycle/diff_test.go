package lifecycle

import (
	corev1 "k8s.io/api/core/v1"
	"reflect"
	"strings"
	"testing"

	"weir.dev/weir/api/v1beta1"
)

func ptr[T any](v T) *T { return &v }

func baseSpec() *v1beta1.FlinkDeploymentSpec {
	return &v1beta1.FlinkDeploymentSpec{
		Image:        "flink:1.20",
		FlinkVersion: v1beta1.FlinkVersion1_20,
		FlinkConfiguration: v1beta1.NewConfigObject(map[string]string{
			"taskmanager.numberOfTaskSlots": "2",
		}),
		Job: &v1beta1.JobSpec{
			JarURI:      "local:///opt/flink/examples/streaming/StateMachineExample.jar",
			Parallelism: 2,
			UpgradeMode: v1beta1.UpgradeModeSavepoint,
		},
	}
}

func withConf(s *v1beta1.FlinkDeploymentSpec, kv ...string) *v1beta1.FlinkDeploymentSpec {
	m, _ := s.FlinkConfiguration.Flatten()
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	s.FlinkConfiguration = v1beta1.NewConfigObject(m)
	return s
}

func TestDiffDeployment(t *testing.T) {
	cases := []struct {
		name   string
		change func(s *v1beta1.FlinkDeploymentSpec)
		old    func(s *v1beta1.FlinkDeploymentSpec) // optional tweak of both sides' base
		want   DiffType
		paths  []string
	}{
		{"no change", func(s *v1beta1.FlinkDeploymentSpec) {}, nil, DiffIgnore, []string{}},
		{"suspend is not a spec upgrade", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.State = v1beta1.JobStateSuspended }, nil, DiffIgnore, []string{"job.state"}},
		{"savepoint nonce", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.SavepointTriggerNonce = ptr[int64](3) }, nil, DiffIgnore, []string{"job.savepointTriggerNonce"}},
		{"upgrade mode alone", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.UpgradeMode = v1beta1.UpgradeModeLastState }, nil, DiffIgnore, []string{"job.upgradeMode"}},
		{"operator option", func(s *v1beta1.FlinkDeploymentSpec) {
			withConf(s, "kubernetes.operator.periodic.savepoint.interval", "1h")
		}, nil, DiffIgnore, []string{"flinkConfiguration.kubernetes.operator.periodic.savepoint.interval"}},
		{"ingress", func(s *v1beta1.FlinkDeploymentSpec) { s.Ingress = &v1beta1.IngressSpec{Template: "x/{{name}}"} }, nil, DiffIgnore, []string{"ingress.template"}},
		{"image", func(s *v1beta1.FlinkDeploymentSpec) { s.Image = "flink:1.20.1" }, nil, DiffUpgrade, []string{"image"}},
		{"flink config", func(s *v1beta1.FlinkDeploymentSpec) { withConf(s, "taskmanager.numberOfTaskSlots", "4") }, nil, DiffUpgrade, []string{"flinkConfiguration.taskmanager.numberOfTaskSlots"}},
		{"restart nonce", func(s *v1beta1.FlinkDeploymentSpec) { s.RestartNonce = ptr[int64](1) }, nil, DiffUpgrade, []string{"restartNonce"}},
		{"pod template leaf", func(s *v1beta1.FlinkDeploymentSpec) {
			s.PodTemplate = &v1beta1.PodTemplate{}
			s.PodTemplate.ObjectMeta.Labels = map[string]string{"team": "a"}
		}, nil, DiffUpgrade, []string{"podTemplate.metadata.labels.team"}},
		{"parallelism, default scheduler", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }, nil, DiffUpgrade, []string{"job.parallelism"}},
		{"parallelism, native adaptive 1.20 scales in place", func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.Parallelism = 4
		}, func(s *v1beta1.FlinkDeploymentSpec) { withConf(s, "jobmanager.scheduler", "adaptive") }, DiffScale, []string{"job.parallelism"}},
		{"parallelism overrides, native adaptive", func(s *v1beta1.FlinkDeploymentSpec) {
			withConf(s, "pipeline.jobvertex-parallelism-overrides", "a:2")
		}, func(s *v1beta1.FlinkDeploymentSpec) { withConf(s, "jobmanager.scheduler", "adaptive") }, DiffScale, []string{"flinkConfiguration.pipeline.jobvertex-parallelism-overrides"}},
		{"parallelism, native adaptive with in-place scaling off upgrades", func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.Parallelism = 4
		}, func(s *v1beta1.FlinkDeploymentSpec) {
			withConf(s, "jobmanager.scheduler", "adaptive")
			withConf(s, "kubernetes.operator.job.upgrade.inplace-scaling.enabled", "false")
		}, DiffUpgrade, []string{"job.parallelism"}},
		{"parallelism, adaptive but Flink 1.17", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }, func(s *v1beta1.FlinkDeploymentSpec) {
			withConf(s, "jobmanager.scheduler", "adaptive")
			s.FlinkVersion = v1beta1.FlinkVersion1_17
		}, DiffUpgrade, []string{"job.parallelism"}},
		{"parallelism, standalone reactive", func(s *v1beta1.FlinkDeploymentSpec) { s.Job.Parallelism = 4 }, func(s *v1beta1.FlinkDeploymentSpec) {
			s.Mode = v1beta1.ModeStandalone
			withConf(s, "scheduler-mode", "reactive")
		}, DiffScale, []string{"job.parallelism"}},
		{"tm replicas standalone reactive", func(s *v1beta1.FlinkDeploymentSpec) {
			s.TaskManager = &v1beta1.TaskManagerSpec{Replicas: ptr[int32](3)}
		}, func(s *v1beta1.FlinkDeploymentSpec) {
			s.Mode = v1beta1.ModeStandalone
			withConf(s, "scheduler-mode", "reactive")
		}, DiffScale, []string{"taskManager.replicas"}},
		// A non-reactive job runs at its own parallelism: new TaskManagers would sit idle and
		// fewer could not hold it, so (as FKO) the change redeploys through the upgradeMode.
		{"tm replicas standalone, not reactive, upgrades", func(s *v1beta1.FlinkDeploymentSpec) {
			s.TaskManager = &v1beta1.TaskManagerSpec{Replicas: ptr[int32](3)}
		},
			func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = v1beta1.ModeStandalone }, DiffUpgrade, []string{"taskManager.replicas"}},
		{"tm replicas native", func(s *v1beta1.FlinkDeploymentSpec) {
			s.TaskManager = &v1beta1.TaskManagerSpec{Replicas: ptr[int32](3)}
		}, nil, DiffUpgrade, []string{"taskManager.replicas"}},
		{"scale plus image upgrades", func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.Parallelism = 4
			s.Image = "flink:1.20.1"
		}, func(s *v1beta1.FlinkDeploymentSpec) { withConf(s, "jobmanager.scheduler", "adaptive") }, DiffUpgrade, []string{"image", "job.parallelism"}},
		{"savepoint redeploy", func(s *v1beta1.FlinkDeploymentSpec) {
			s.Job.SavepointRedeployNonce = ptr[int64](1)
			s.Job.InitialSavepointPath = "s3://b/sp-1"
		}, nil, DiffSavepointRedeploy, []string{"job.initialSavepointPath", "job.savepointRedeployNonce"}},
		{"mode spelled out equals default", func(s *v1beta1.FlinkDeploymentSpec) { s.Mode = v1beta1.ModeNative }, nil, DiffIgnore, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := baseSpec()
			if tc.old != nil {
				tc.old(old)
			}
			new := old.DeepCopy()
			tc.change(new)
			d, err := DiffDeployment(old, new)
			if err != nil {
				t.Fatal(err)
			}
			if d.Type != tc.want {
				t.Errorf("type %s, want %s (%s)", d.Type, tc.want, d)
			}
			if !reflect.DeepEqual(d.Paths(), tc.paths) {
				t.Errorf("paths %v, want %v", d.Paths(), tc.paths)
			}
		})
	}
}

func TestDiffTreatsNestedAndFlatConfigAlike(t *testing.T) {
	old := baseSpec()
	new := baseSpec()
	if err := new.FlinkConfiguration.UnmarshalJSON([]byte(`{"taskmanager": {"numberOfTaskSlots": 2}}`)); err != nil {
		t.Fatal(err)
	}
	d, err := DiffDeployment(old, new)
	if err != nil || !d.IsEmpty() {
		t.Fatalf("nested spelling reported as change: %v %v", d, err)
	}
}

func TestDiffStringRedactsSecrets(t *testing.T) {
	old := baseSpec()
	new := withConf(baseSpec(), "s3.secret-key", "hunter2", "s3.endpoint", "http://minio:9000")
	d, err := DiffDeployment(old, new)
	if err != nil {
		t.Fatal(err)
	}
	s := d.String()
	if strings.Contains(s, "hunter2") || !strings.Contains(s, "flinkConfiguration.s3.secret-key: (unset) -> ******") {
		t.Errorf("event text %q", s)
	}
	if !strings.HasPrefix(s, "UPGRADE change(s) detected: ") || !strings.Contains(s, "http://minio:9000") {
		t.Errorf("event text %q", s)
	}
}

// No secret a user can write into the spec reaches the diff text: values of keys on Flink's
// sensitive list (or weir's), job arguments and pod environment values.
func TestDiffStringNeverShowsSecretsAnywhere(t *testing.T) {
	const secret = "s3cr3t-v4lue"
	spec := func(v string) *v1beta1.FlinkDeploymentSpec {
		s := withConf(baseSpec(), "fs.azure.account.key.acct.blob.core.windows.net", v,
			"metrics.reporter.dd.apikey", v, "properties.sasl.jaas.config", v,
			"metrics.reporter.otel.exporter.http-headers", v, "pulsar.auth-params", v)
		s.Job.Args = []string{"--password", v}
		s.PodTemplate = &v1beta1.PodTemplate{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "flink-main-container",
			Env:  []corev1.EnvVar{{Name: "DB_PASSWORD", Value: v}, {Name: "PLAIN", Value: "same"}},
		}}}}
		return s
	}
	d, err := DiffDeployment(spec(secret+"-old"), spec(secret))
	if err != nil {
		t.Fatal(err)
	}
	s := d.String()
	if strings.Contains(s, secret) {
		t.Fatalf("diff shows a secret: %s", s)
	}
	for _, want := range []string{
		"job.args changed",
		"podTemplate.spec.containers: env DB_PASSWORD changed",
		"flinkConfiguration.metrics.reporter.dd.apikey: ****** -> ******",
		"flinkConfiguration.pulsar.auth-params: ****** -> ******",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("diff %q lacks %q", s, want)
		}
	}
	if len(d.Changes) != 7 || d.Type != DiffUpgrade {
		t.Errorf("changes %v, type %s", d.Paths(), d.Type)
	}
	// A pod template change besides env shows the rest of the template, env values hidden.
	other := spec(secret)
	other.PodTemplate.Spec.Containers[0].Image = "custom:1"
	d, _ = DiffDeployment(spec(secret+"-old"), other)
	if s := d.String(); strings.Contains(s, secret) || !strings.Contains(s, "custom:1") || !strings.Contains(s, "(env DB_PASSWORD changed)") {
		t.Errorf("diff %q", s)
	}
}

func TestDiffFromNothingIsAnUpgrade(t *testing.T) {
	d, err := DiffDeployment(nil, baseSpec())
	if err != nil || d.Type != DiffUpgrade {
		t.Fatalf("%v %v", d.Type, err)
	}
}

func TestDiffSessionJobParallelismUpgrades(t *testing.T) {
	old := &v1beta1.FlinkSessionJobSpec{DeploymentName: "s", Job: &v1beta1.JobSpec{JarURI: "https://x/j.jar", Parallelism: 1}}
	new := old.DeepCopy()
	new.Job.Parallelism = 2
	d, err := DiffSessionJob(old, new)
	if err != nil || d.Type != DiffUpgrade || d.Paths()[0] != "job.parallelism" {
		t.Fatalf("%v %v", d, err)
	}
}

func TestDiffSessionJobHidesArgsAndSensitiveConf(t *testing.T) {
	old := &v1beta1.FlinkSessionJobSpec{DeploymentName: "s", Job: &v1beta1.JobSpec{JarURI: "https://x/j.jar", Args: []string{"--token", "t0ps3cret"}}}
	new := old.DeepCopy()
	new.Job.Args = []string{"--token", "t0ps3cret2"}
	new.FlinkConfiguration = v1beta1.NewConfigObject(map[string]string{"kafka.sasl.jaas.config": "t0ps3cret"})
	d, err := DiffSessionJob(old, new)
	if err != nil {
		t.Fatal(err)
	}
	s := d.String()
	if strings.Contains(s, "t0ps3cret") || !strings.Contains(s, "job.args changed") ||
		!strings.Contains(s, "flinkConfiguration.kafka.sasl.jaas.config: (unset) -> ******") {
		t.Errorf("session job diff %q", s)
	}
}
