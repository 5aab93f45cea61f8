package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
	"weir.dev/weir/internal/logstore"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// JobManagerPod returns the newest JobManager pod of the deployment.
func (c *Clients) JobManagerPod(ctx context.Context, key types.NamespacedName) (*corev1.Pod, error) {
	sel := labels.SelectorFromSet(labels.Set{resources.LabelApp: key.Name, resources.LabelComponent: resources.ComponentJobManager}).String()
	pods, err := c.Core.CoreV1().Pods(key.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	if len(pods.Items) == 0 {
		return nil, fmt.Errorf("no JobManager pod of %s/%s (selector %s)", key.Namespace, key.Name, sel)
	}
	newest := &pods.Items[0]
	for i := range pods.Items {
		if pods.Items[i].CreationTimestamp.After(newest.CreationTimestamp.Time) {
			newest = &pods.Items[i]
		}
	}
	return newest, nil
}

// JobManagerLogs returns the last lines of the JobManager container's log.
func (c *Clients) JobManagerLogs(ctx context.Context, key types.NamespacedName, tail int64) (string, string, error) {
	pod, err := c.JobManagerPod(ctx, key)
	if err != nil {
		return "", "", err
	}
	opts := &corev1.PodLogOptions{Container: jobManagerContainer(pod)}
	if tail > 0 {
		opts.TailLines = &tail
	}
	raw, err := c.Core.CoreV1().Pods(key.Namespace).GetLogs(pod.Name, opts).DoRaw(ctx)
	if err != nil {
		return "", pod.Name, fmt.Errorf("logs of %s: %w", pod.Name, err)
	}
	return string(raw), pod.Name, nil
}

// PreviousJobManagerLogs returns the last lines the JobManager container wrote before its
// last restart, with how it ended; empty when it has not restarted. A crash-looping
// JobManager's reason is there, not in the current container's log.
func (c *Clients) PreviousJobManagerLogs(ctx context.Context, key types.NamespacedName, tail int64) (string, error) {
	pod, err := c.JobManagerPod(ctx, key)
	if err != nil {
		return "", err
	}
	name := jobManagerContainer(pod)
	var ended string
	for _, cs := range pod.Status.ContainerStatuses {
		if t := cs.LastTerminationState.Terminated; cs.Name == name && cs.RestartCount > 0 && t != nil {
			ended = fmt.Sprintf("restarted %d time(s); last exit code %d (%s) at %s", cs.RestartCount, t.ExitCode, t.Reason, t.FinishedAt.UTC().Format("15:04:05"))
		}
	}
	if ended == "" {
		return "", nil
	}
	opts := &corev1.PodLogOptions{Container: name, Previous: true}
	if tail > 0 {
		opts.TailLines = &tail
	}
	raw, err := c.Core.CoreV1().Pods(key.Namespace).GetLogs(pod.Name, opts).DoRaw(ctx)
	if err != nil {
		return ended + fmt.Sprintf("\n(previous logs of %s: %v)", pod.Name, err), nil
	}
	return ended + "\n" + strings.TrimRight(string(raw), "\n"), nil
}

// LogOptions say which logs StreamLogs copies.
type LogOptions struct {
	// TaskManagers streams every TaskManager pod, each line prefixed with its pod's name,
	// instead of the JobManager's.
	TaskManagers bool
	// Previous reads the container's log from before its last restart.
	Previous bool
	Follow   bool
	// Tail is how many lines from the end; 0: all.
	Tail int64
	// Store is the log store (VictoriaLogs) the cluster's log shipper sends lines to. When the
	// pods are gone, their lines come from there; FromStore reads it even when they are not.
	Store     string
	FromStore bool
	// Since bounds how far back the store is read.
	Since time.Duration
}

// StreamLogs copies the log of the JobManager, or of every TaskManager, of the app's
// cluster (a session job's: its session cluster's) to w.
func (c *Clients) StreamLogs(ctx context.Context, key types.NamespacedName, o LogOptions, w io.Writer) error {
	cluster, err := c.clusterOf(ctx, key)
	if err != nil {
		return err
	}
	if o.FromStore {
		return storeLogs(ctx, cluster, o, w)
	}
	if !o.TaskManagers {
		pod, err := c.JobManagerPod(ctx, cluster)
		if err != nil && o.Store != "" && !o.Previous {
			fmt.Fprintf(w, "(no JobManager pod: %v; its lines from the log store %s)\n", err, o.Store)
			return storeLogs(ctx, cluster, o, w)
		}
		if err != nil {
			return fmt.Errorf("%w: is the cluster deployed? (`weir app describe %s`; lines of gone pods: --store URL of the log store)", err, key.Name)
		}
		if o.Previous && !restarted(*pod) {
			return fmt.Errorf("JobManager pod %s has not restarted: it has no previous log (leave out --previous)", pod.Name)
		}
		rc, err := c.Core.CoreV1().Pods(cluster.Namespace).GetLogs(pod.Name, podLogOptions(*pod, o)).Stream(ctx)
		if err != nil {
			return fmt.Errorf("logs of %s: %w", pod.Name, err)
		}
		defer rc.Close()
		_, err = io.Copy(w, rc)
		return err
	}
	sel := labels.SelectorFromSet(labels.Set{resources.LabelApp: cluster.Name, resources.LabelComponent: resources.ComponentTaskManager}).String()
	list, err := c.Core.CoreV1().Pods(cluster.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return fmt.Errorf("list TaskManager pods of %s: %w", cluster, err)
	}
	pods, skipped := LogPods(list.Items, o.Previous)
	for _, s := range skipped {
		fmt.Fprintf(w, "(%s)\n", s)
	}
	if len(pods) == 0 && o.Store != "" && !o.Previous {
		fmt.Fprintf(w, "(no TaskManager pod with a log; their lines from the log store %s)\n", o.Store)
		return storeLogs(ctx, cluster, o, w)
	}
	if len(pods) == 0 {
		return fmt.Errorf("no TaskManager pod of %s/%s with a log to show (selector %s): is the job running? (`weir app describe %s`)", cluster.Namespace, cluster.Name, sel, key.Name)
	}
	lw := &lineWriter{w: w}
	errs := make(chan error, len(pods))
	for _, p := range pods {
		go func() {
			rc, err := c.Core.CoreV1().Pods(p.Namespace).GetLogs(p.Name, podLogOptions(p, o)).Stream(ctx)
			if err != nil {
				errs <- fmt.Errorf("logs of %s: %w", p.Name, err)
				return
			}
			defer rc.Close()
			errs <- prefixLines(rc, p.Name, lw)
		}()
	}
	var first error
	for range pods {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// clusterOf is the FlinkDeployment whose pods run the app: itself, or a session job's
// session cluster.
func (c *Clients) clusterOf(ctx context.Context, key types.NamespacedName) (types.NamespacedName, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return key, err
	}
	if j, ok := a.Obj.(*v1beta1.FlinkSessionJob); ok {
		return types.NamespacedName{Namespace: key.Namespace, Name: j.Spec.DeploymentName}, nil
	}
	return key, nil
}

func podLogOptions(p corev1.Pod, o LogOptions) *corev1.PodLogOptions {
	opts := &corev1.PodLogOptions{Container: jobManagerContainer(&p), Follow: o.Follow, Previous: o.Previous}
	if o.Tail > 0 {
		opts.TailLines = &o.Tail
	}
	return opts
}

// LogPods picks the pods whose log can be read, by name, and says why it leaves the
// others out: a pod still pending has no log yet, and with previous a pod whose Flink
// container never restarted has no previous log.
func LogPods(pods []corev1.Pod, previous bool) (keep []corev1.Pod, skipped []string) {
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodPending && !started(p):
			skipped = append(skipped, p.Name+": pending, no log yet")
		case previous && !restarted(p):
			skipped = append(skipped, p.Name+": never restarted, no previous log")
		default:
			keep = append(keep, p)
		}
	}
	sort.Slice(keep, func(i, j int) bool { return keep[i].Name < keep[j].Name })
	return keep, skipped
}

func started(p corev1.Pod) bool {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running != nil || cs.State.Terminated != nil || cs.RestartCount > 0 {
			return true
		}
	}
	return false
}

func restarted(p corev1.Pod) bool {
	name := jobManagerContainer(&p)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name && cs.RestartCount > 0 {
			return true
		}
	}
	return false
}

// lineWriter writes whole lines from several streams without interleaving them.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) writeLine(s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := io.WriteString(l.w, s)
	return err
}

// prefixLines copies r to w line by line, each prefixed with "[name] ".
func prefixLines(r io.Reader, name string, w *lineWriter) error {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			if !strings.HasSuffix(line, "\n") {
				line += "\n"
			}
			if werr := w.writeLine("[" + name + "] " + line); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// jobManagerContainer picks Flink's container, named flink-main-container as in FKO,
// falling back to the first one.
func jobManagerContainer(p *corev1.Pod) string {
	for _, c := range p.Spec.Containers {
		if c.Name == resources.MainContainer {
			return c.Name
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name
	}
	return ""
}

// storeLogs prints the cluster's JobManager (or TaskManager) lines from the log store, oldest
// first, each prefixed with its pod: what a log shipper kept after the pods were gone.
func storeLogs(ctx context.Context, cluster types.NamespacedName, o LogOptions, w io.Writer) error {
	if o.Store == "" {
		return fmt.Errorf("--from-store needs the log store's URL: --store URL (or WEIR_LOG_STORE)")
	}
	component := resources.ComponentJobManager
	if o.TaskManagers {
		component = resources.ComponentTaskManager
	}
	since := o.Since
	if since <= 0 {
		since = 24 * time.Hour
	}
	filter := logstore.AppFilter(cluster.Namespace, cluster.Name, component, "", since)
	lines, err := logstore.New(o.Store).Lines(ctx, filter, int(o.Tail))
	if err != nil {
		return err
	}
	if len(lines) == 0 {
		return fmt.Errorf("the log store %s has no %s line of %s in the last %s (LogsQL: %s)", o.Store, component, cluster, since, filter)
	}
	for _, e := range lines {
		if _, err := fmt.Fprintln(w, logstore.Line(e)); err != nil {
			return err
		}
	}
	return nil
}
