package obslocal_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"weir.dev/weir/internal/obslocal"
	"weir.dev/weir/internal/testenv"
)

// vlagent's Kubernetes collector, run as `weir local up --with observability` runs it
// (obslocal's flags, the reader's kubeconfig and RBAC), reads a container's CRI log file laid
// out as the kubelet lays it out and ships each line to the log store with the pod's
// namespace, name, container and labels as fields: a line written before it started and one
// appended after.
func TestLogShipperShipsContainerLogsWithPodMetadata(t *testing.T) {
	enabled(t)
	bin := ensureBinaries(t)
	env := controlPlane(t)
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(env.Config)
	if err := obslocal.Apply(ctx, cs, obslocal.NewObjects()); err != nil {
		t.Fatal(err)
	}
	// vlagent outside a pod collects for the cluster's first node.
	if _, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "obs-node"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const containerID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	pod, err := cs.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-0", Labels: map[string]string{"app": "shop", "component": "taskmanager"}},
		Spec:       corev1.PodSpec{NodeName: "obs-node", Containers: []corev1.Container{{Name: "main", Image: "example.invalid/main:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "main", ContainerID: "containerd://" + containerID, Image: "example.invalid/main:1", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
	}}}
	if _, err := cs.CoreV1().Pods("shop").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The kubelet's layout: <podLogsDir>/<ns>_<pod>_<uid>/<container>/0.log, and a symlink
	// /var/log/containers/<pod>_<ns>_<container>-<id>.log to it.
	dir := t.TempDir()
	logDir := filepath.Join(dir, "pods", "shop_web-0_"+string(pod.UID), "main")
	containers := filepath.Join(dir, "containers")
	for _, d := range []string{logDir, containers} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	logFile := filepath.Join(logDir, "0.log")
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	criLine := func(msg string) string {
		return time.Now().UTC().Format(time.RFC3339Nano) + " stdout F " + msg + "\n"
	}
	if err := os.WriteFile(logFile, []byte(criLine("before "+nonce)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(logFile, filepath.Join(containers, "web-0_shop_main-"+containerID+".log")); err != nil {
		t.Fatal(err)
	}

	logsAddr := listen(t, "127.0.0.1")
	vl := start(t, "victoria-logs", bin["victoria-logs"], baseURL(logsAddr), obslocal.LogsArgs(logsAddr, filepath.Join(dir, "logs")), nil)
	agentAddr := listen(t, "127.0.0.1")
	agent := start(t, "vlagent", bin["vlagent"], baseURL(agentAddr),
		obslocal.AgentArgs(agentAddr, filepath.Join(dir, "vlagent"), containers, baseURL(logsAddr)),
		obslocal.AgentEnv(readerKubeconfig(t, env)))
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(criLine("after " + nonce)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	c := &obslocal.Client{LogsURL: baseURL(logsAddr), HTTP: &http.Client{Timeout: 10 * time.Second}}
	poll := testenv.Poll{Limit: 2 * time.Minute, Diagnose: func() string { return "vlagent:\n" + agent.tail() + "\nvictoria-logs:\n" + vl.tail() }}
	testenv.Eventually(t, "both lines in the log store with the pod's metadata", poll, func() error {
		got, err := c.QueryLogs(ctx, fmt.Sprintf(`kubernetes.pod_namespace:="shop" kubernetes.pod_labels.app:="shop" %q | sort by (_time)`, nonce), 0)
		if err != nil {
			return err
		}
		if len(got) != 2 {
			return fmt.Errorf("want 2 entries, got %d: %v", len(got), got)
		}
		for i, msg := range []string{"before " + nonce, "after " + nonce} {
			if got[i]["_msg"] != msg {
				return fmt.Errorf("entry %d: _msg %q, want %q", i, got[i]["_msg"], msg)
			}
			if err := wantLabels(got[i], map[string]string{
				"kubernetes.pod_namespace": "shop", "kubernetes.pod_name": "web-0", "kubernetes.container_name": "main",
				"kubernetes.pod_labels.app": "shop", "kubernetes.pod_labels.component": "taskmanager",
			}); err != nil {
				return fmt.Errorf("entry %d: %w", i, err)
			}
		}
		return nil
	})
}
