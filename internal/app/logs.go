package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

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

// StreamJobManagerLogs copies the JobManager log to w, following it when follow is set.
func (c *Clients) StreamJobManagerLogs(ctx context.Context, key types.NamespacedName, tail int64, follow bool, w io.Writer) error {
	pod, err := c.JobManagerPod(ctx, key)
	if err != nil {
		return err
	}
	opts := &corev1.PodLogOptions{Container: jobManagerContainer(pod), Follow: follow}
	if tail > 0 {
		opts.TailLines = &tail
	}
	rc, err := c.Core.CoreV1().Pods(key.Namespace).GetLogs(pod.Name, opts).Stream(ctx)
	if err != nil {
		return fmt.Errorf("logs of %s: %w", pod.Name, err)
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
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
