package e2e

import (
	"context"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/datadogintake"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// Datadog's intake cannot be reached from here, so the profiles case points a team's
// Datadog reporter at a local one (internal/datadogintake) the way a platform behind an
// egress proxy would: the reporter's proxyHost/proxyPort and a JVM trust store with the
// proxy's CA, mounted from a Secret, all from the team's FlinkProfile.
const (
	datadogKeySecret  = "datadog"
	datadogKey        = "e2e-datadog-api-key-0123456789"
	datadogCASecret   = "datadog-intake-ca"
	datadogCADir      = "/opt/weir/datadog-intake"
	datadogTrustStore = "truststore.jks"
	datadogTeam       = "growth"
)

// startDatadogIntake runs the intake on the bridge IP, where pods reach the host.
func startDatadogIntake(t *testing.T) *datadogintake.Intake {
	t.Helper()
	in, err := datadogintake.Start(datadogintake.Options{Listen: net.JoinHostPort(localcluster.BridgeIP, "0"), Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("datadog intake: %v", err)
	}
	t.Cleanup(in.Close)
	t.Logf("datadog intake: proxy %s:%d", in.ProxyHost, in.ProxyPort)
	return in
}

// withDatadog turns on the Datadog reporter in p for the apps of ns: the API key's Secret
// and the intake's trust store as Secrets of ns, the reporter's proxy and the JVM's trust
// store as configuration defaults, the trust store's volume in the pod template.
func withDatadog(t *testing.T, ctx context.Context, c *app.Clients, p *weirv1alpha1.FlinkProfile, ns string, in *datadogintake.Intake) {
	t.Helper()
	jks, err := os.ReadFile(in.TrustStore)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*corev1.Secret{
		{ObjectMeta: metav1.ObjectMeta{Name: datadogKeySecret, Namespace: ns}, StringData: map[string]string{"api-key": datadogKey}},
		{ObjectMeta: metav1.ObjectMeta{Name: datadogCASecret, Namespace: ns}, Data: map[string][]byte{datadogTrustStore: jks}},
	} {
		if err := c.Ctrl.Create(ctx, s); err != nil {
			t.Fatalf("secret %s/%s: %v", ns, s.Name, err)
		}
	}
	s := &p.Spec
	s.Metrics = &weirv1alpha1.MetricsSpec{Reporter: "datadog", Datadog: &weirv1alpha1.DatadogMetrics{
		APIKeySecret: weirv1alpha1.SecretKeyRef{Name: datadogKeySecret, Key: "api-key"}, DataCenter: "EU"}}
	s.FlinkConfiguration.Defaults["metrics.reporter.dghttp.proxyHost"] = in.ProxyHost
	s.FlinkConfiguration.Defaults["metrics.reporter.dghttp.proxyPort"] = strconv.Itoa(in.ProxyPort)
	s.FlinkConfiguration.Defaults["env.java.opts.all"] = datadogintake.JavaOptionsAt(path.Join(datadogCADir, datadogTrustStore))
	if s.PodTemplate == nil {
		s.PodTemplate = &v1beta1.PodTemplate{}
	}
	pod := &s.PodTemplate.Spec
	pod.Volumes = append(pod.Volumes, corev1.Volume{Name: datadogCASecret,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: datadogCASecret}}})
	mount := corev1.VolumeMount{Name: datadogCASecret, MountPath: datadogCADir, ReadOnly: true}
	for i := range pod.Containers {
		if pod.Containers[i].Name == resources.MainContainer {
			pod.Containers[i].VolumeMounts = append(pod.Containers[i].VolumeMounts, mount)
			return
		}
	}
	pod.Containers = append(pod.Containers, corev1.Container{Name: resources.MainContainer, VolumeMounts: []corev1.VolumeMount{mount}})
}

// checkDatadogSeries: the app's JobManager and TaskManagers post their series through the
// proxy to Datadog's EU site, with the key from the Secret, every series tagged with the
// app, namespace, team and the job weir runs; the key is in no log of the operator.
func checkDatadogSeries(t *testing.T, ctx context.Context, c *app.Clients, in *datadogintake.Intake, key types.NamespacedName) {
	t.Helper()
	d := &v1beta1.FlinkDeployment{}
	if err := c.Ctrl.Get(ctx, client.ObjectKey(key), d); err != nil {
		t.Fatal(err)
	}
	jobID := d.Status.JobStatus.JobID
	if jobID == "" {
		t.Fatalf("%s: no job id in status", key)
	}
	expect := datadogintake.Expect{
		Site:     "app.datadoghq.eu",
		Names:    []string{"flink.jobmanager.numRunningJobs", "flink.jobmanager.numRegisteredTaskManagers"},
		Prefixes: []string{"flink.jobmanager.job.", "flink.taskmanager.Status.JVM.", "flink.taskmanager.job.task."},
		Tags:     map[string]string{"app": key.Name, "namespace": key.Namespace, "team": datadogTeam, "job": jobID},
		APIKey:   datadogKey,
	}
	testenv.Eventually(t, key.String()+"'s tagged series in the Datadog intake",
		testenv.Poll{Limit: 3 * time.Minute, Interval: 2 * time.Second}, func() error { return in.Check(expect) })
	if log := operatorLog(ctx, c); strings.Contains(log, datadogKey) {
		t.Errorf("the operator's log holds the Datadog API key")
	}
	if nn := in.NonNumeric(); len(nn) > 0 {
		t.Logf("datadog intake: values sent as strings (Jackson's NaN of a gauge without a value): %v", nn)
	}
	names := in.Names()
	t.Logf("datadog intake: %d series, %d names from %s, e.g. %s", len(in.Series()), len(names), key, strings.Join(names[:min(8, len(names))], " "))
}
