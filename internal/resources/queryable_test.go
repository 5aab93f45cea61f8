package resources

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func queryablePort(c corev1.Container) int32 {
	for _, p := range c.Ports {
		if p.Name == QueryableStatePortName {
			return p.ContainerPort
		}
	}
	return 0
}

func TestQueryableStateServiceAndPorts(t *testing.T) {
	withConf := func(mode, version string, lines ...string) string {
		m := strings.Replace(basic, "    taskmanager.numberOfTaskSlots: \"2\"\n",
			"    taskmanager.numberOfTaskSlots: \"2\"\n    "+strings.Join(lines, "\n    ")+"\n", 1)
		if mode == "standalone" {
			m = strings.Replace(m, "  image:", "  mode: standalone\n  image:", 1)
		}
		if version != "" {
			m = strings.Replace(m, "flinkVersion: v1_20", "flinkVersion: "+version, 1)
		}
		return m
	}
	const on = "queryable-state.enable: \"true\""
	cases := []struct {
		name     string
		manifest string
		port     int32 // the Service's and the TaskManagers' port; 0: no Service, no port
		typ      corev1.ServiceType
		ann      map[string]string
		selector string // the Service selector's type label
		// classpath is the TaskManagers' HADOOP_CLASSPATH (default: the jar alone)
		classpath string
	}{
		{name: "off", manifest: withConf("native", "")},
		{name: "explicitly off", manifest: withConf("native", "", "queryable-state.enable: \"false\"")},
		{name: "native, default port", manifest: withConf("native", "", on), port: 9069,
			typ: corev1.ServiceTypeClusterIP, selector: TypeNative},
		{name: "standalone, range, load balancer with annotations", manifest: withConf("standalone", "", on,
			"queryable-state.proxy.ports: 9100-9105",
			"kubernetes.operator.weir.queryable-state.service-type: LoadBalancer",
			"kubernetes.operator.weir.queryable-state.annotations: \"service.beta.kubernetes.io/aws-load-balancer-scheme:internal,team:a\""),
			port: 9100, typ: corev1.ServiceTypeLoadBalancer, selector: TypeStandalone,
			ann: map[string]string{"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal", "team": "a"}},
		{name: "node port", manifest: withConf("native", "", on, "queryable-state.proxy.ports: \"9200\"",
			"kubernetes.operator.weir.queryable-state.service-type: NodePort"),
			port: 9200, typ: corev1.ServiceTypeNodePort, selector: TypeNative},
		{name: "native keeps the app's HADOOP_CLASSPATH after the jar", manifest: withConf("native", "", on,
			"containerized.taskmanager.env.HADOOP_CLASSPATH: /opt/hadoop/etc"),
			port: 9069, typ: corev1.ServiceTypeClusterIP, selector: TypeNative, classpath: queryableStateJar + ":/opt/hadoop/etc"},
		{name: "standalone keeps the template's HADOOP_CLASSPATH after the jar", manifest: strings.Replace(withConf("standalone", "", on),
			"  taskManager:\n", "  taskManager:\n    podTemplate: {spec: {containers: [{name: flink-main-container, env: [{name: HADOOP_CLASSPATH, value: /h}]}]}}\n", 1),
			port: 9069, typ: corev1.ServiceTypeClusterIP, selector: TypeStandalone, classpath: queryableStateJar + ":/h"},
		{name: "flink 2 has none (validation rejects it)", manifest: withConf("native", "v2_0", on)},
		{name: "a port that is none gets nothing (validation rejects it)", manifest: withConf("native", "", on, "queryable-state.proxy.ports: proxy")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t, tc.manifest, nil, "0000000000000000000000000000000a")
			jmPod, tmPod := pods(t, s)
			if got := queryablePort(mainIn(tmPod)); got != tc.port {
				t.Errorf("taskmanager queryable-state port = %d, want %d (ports %+v)", got, tc.port, mainIn(tmPod).Ports)
			}
			if got := queryablePort(mainIn(jmPod)); got != 0 {
				t.Errorf("jobmanager has a queryable-state port %d", got)
			}
			checkQueryableStateRuntime(t, s, tmPod, tc.port != 0, tc.classpath)
			svc := s.QueryableStateService
			if tc.port == 0 {
				if svc != nil {
					t.Fatalf("unexpected Service %+v", svc)
				}
				return
			}
			if svc == nil {
				t.Fatal("no queryable-state Service")
			}
			if svc.Name != "basic-example-queryable-state" || svc.Namespace != "flink" {
				t.Errorf("Service %s/%s", svc.Namespace, svc.Name)
			}
			if len(svc.OwnerReferences) != 1 || svc.OwnerReferences[0].Name != "basic-example" || svc.OwnerReferences[0].Kind != "FlinkDeployment" {
				t.Errorf("owner references %+v", svc.OwnerReferences)
			}
			if svc.Spec.Type != tc.typ {
				t.Errorf("type %q, want %q", svc.Spec.Type, tc.typ)
			}
			if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != QueryableStatePortName || svc.Spec.Ports[0].Port != tc.port ||
				svc.Spec.Ports[0].TargetPort.IntVal != tc.port || svc.Spec.Ports[0].Protocol != corev1.ProtocolTCP {
				t.Errorf("ports %+v", svc.Spec.Ports)
			}
			want := map[string]string{LabelApp: "basic-example", LabelComponent: ComponentTaskManager, LabelType: tc.selector}
			if len(svc.Spec.Selector) != len(want) {
				t.Errorf("selector %v, want %v", svc.Spec.Selector, want)
			}
			for k, v := range want {
				if svc.Spec.Selector[k] != v {
					t.Errorf("selector %v, want %v", svc.Spec.Selector, want)
				}
				if tc.selector == TypeStandalone && tmPod.Labels[k] != v {
					// (Flink labels native TaskManager pods with the same labels itself.)
					t.Errorf("taskmanager pod labels %v do not match the selector %v", tmPod.Labels, want)
				}
			}
			if len(svc.Annotations) != len(tc.ann) {
				t.Errorf("annotations %v, want %v", svc.Annotations, tc.ann)
			}
			for k, v := range tc.ann {
				if svc.Annotations[k] != v {
					t.Errorf("annotations %v, want %v", svc.Annotations, tc.ann)
				}
			}
		})
	}
}

// checkQueryableStateRuntime checks that the TaskManager pod copies the runtime jar from its
// image's opt/ and has it on its classpath when queryable state is on, and has none of it off.
func checkQueryableStateRuntime(t *testing.T, s *Set, tm corev1.PodTemplateSpec, on bool, classpath string) {
	t.Helper()
	if classpath == "" {
		classpath = queryableStateJar
	}
	var init *corev1.Container
	for i := range tm.Spec.InitContainers {
		if tm.Spec.InitContainers[i].Name == queryableStateInit {
			init = &tm.Spec.InitContainers[i]
		}
	}
	hasVolume := false
	for _, v := range tm.Spec.Volumes {
		hasVolume = hasVolume || (v.Name == queryableStateVolume && v.EmptyDir != nil)
	}
	mounted := false
	for _, m := range mainIn(tm).VolumeMounts {
		mounted = mounted || (m.Name == queryableStateVolume && m.MountPath == queryableStateDir)
	}
	// Native: Flink sets containerized.taskmanager.env.* on the pod; standalone: the Deployment has it.
	got := s.ConfigMap.Data["flink-conf.yaml"]
	if s.TaskManager != nil {
		if e := envOf(mainIn(tm), "HADOOP_CLASSPATH"); e != nil {
			got = e.Value
		} else {
			got = ""
		}
	}
	if !on {
		if init != nil || hasVolume || mounted || strings.Contains(got, queryableStateJar) {
			t.Errorf("queryable state is off, but the TaskManager gets its runtime: init %v, volume %v, mount %v", init, hasVolume, mounted)
		}
		return
	}
	if init == nil || init.Image != "flink:1.20" || len(init.Command) != 3 || !strings.Contains(init.Command[2], "/opt/flink/opt/flink-queryable-state-runtime-*.jar") ||
		len(init.VolumeMounts) != 1 || init.VolumeMounts[0].MountPath != queryableStateDir {
		t.Errorf("init container %+v", init)
	}
	if !hasVolume || !mounted {
		t.Errorf("volume %v, mount %v", hasVolume, mounted)
	}
	if s.TaskManager == nil {
		if !strings.Contains(got, "containerized.taskmanager.env.HADOOP_CLASSPATH: "+classpath+"\n") {
			t.Errorf("flink-conf.yaml has no HADOOP_CLASSPATH %q:\n%s", classpath, got)
		}
	} else if got != classpath {
		t.Errorf("HADOOP_CLASSPATH = %q, want %q", got, classpath)
	}
}
