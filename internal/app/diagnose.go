package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// Diagnose gathers what tells a person why a deployment is stuck: status.error, the
// latest events of the deployment and its pods, pod states and the JobManager's last
// log lines. It never fails; missing pieces are reported inline.
func (c *Clients) Diagnose(ctx context.Context, key types.NamespacedName, logLines int64) string {
	var b strings.Builder
	d := &v1beta1.FlinkDeployment{}
	if err := c.Ctrl.Get(ctx, key, d); err != nil {
		fmt.Fprintf(&b, "--- FlinkDeployment %s: %v\n", key, err)
	} else if d.Status.Error != "" {
		fmt.Fprintf(&b, "--- status.error:\n%s\n", d.Status.Error)
	}
	c.writeEvents(ctx, &b, key)
	c.writePods(ctx, &b, key.Namespace, key.Name)
	if logs, pod, err := c.JobManagerLogs(ctx, key, logLines); err != nil {
		fmt.Fprintf(&b, "--- JobManager logs: %v\n", err)
	} else {
		fmt.Fprintf(&b, "--- last %d log lines of JobManager pod %s:\n%s\n", logLines, pod, strings.TrimRight(logs, "\n"))
	}
	if prev, err := c.PreviousJobManagerLogs(ctx, key, logLines); err == nil && prev != "" {
		fmt.Fprintf(&b, "--- JobManager container before its last restart: %s\n", prev)
	}
	return b.String()
}

// diagnoseApp is Diagnose for a FlinkDeployment; for a FlinkSessionJob (a, when read) its
// own status.error and Events, then its session cluster's diagnosis.
func (c *Clients) diagnoseApp(ctx context.Context, key types.NamespacedName, a App, logLines int64) string {
	j, ok := a.Obj.(*v1beta1.FlinkSessionJob)
	if !ok {
		return c.Diagnose(ctx, key, logLines)
	}
	var b strings.Builder
	if j.Status.Error != "" {
		fmt.Fprintf(&b, "--- status.error of %s:\n%s\n", a, j.Status.Error)
	}
	c.writeEvents(ctx, &b, key)
	fmt.Fprintf(&b, "--- its session cluster, FlinkDeployment %s:\n", j.Spec.DeploymentName)
	b.WriteString(c.Diagnose(ctx, types.NamespacedName{Namespace: key.Namespace, Name: j.Spec.DeploymentName}, logLines))
	return b.String()
}

// writeEvents prints the newest events whose object belongs to the deployment.
func (c *Clients) writeEvents(ctx context.Context, w io.Writer, key types.NamespacedName) {
	list, err := c.Core.CoreV1().Events(key.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		fmt.Fprintf(w, "--- events: %v\n", err)
		return
	}
	evs := RelatedEvents(list.Items, key.Name, 15)
	fmt.Fprintf(w, "--- last %d events:\n", len(evs))
	for _, e := range evs {
		fmt.Fprintf(w, "%s %s %s/%s %s: %s\n", eventTime(e).UTC().Format("15:04:05"), e.Type,
			e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, strings.TrimSpace(e.Message))
	}
}

// RelatedEvents keeps the newest n events about the deployment or objects named after it.
func RelatedEvents(all []corev1.Event, name string, n int) []corev1.Event {
	var out []corev1.Event
	for _, e := range all {
		if e.InvolvedObject.Name == name || strings.HasPrefix(e.InvolvedObject.Name, name+"-") {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return eventTime(out[i]).Time.Before(eventTime(out[j]).Time) })
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

func eventTime(e corev1.Event) metav1.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return metav1.Time{Time: e.EventTime.Time}
	}
	return e.CreationTimestamp
}

func (c *Clients) writePods(ctx context.Context, w io.Writer, ns, name string) {
	sel := labels.SelectorFromSet(labels.Set{resources.LabelApp: name}).String()
	pods, err := c.Core.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		fmt.Fprintf(w, "--- pods: %v\n", err)
		return
	}
	fmt.Fprintf(w, "--- %d pods labelled app=%s:\n", len(pods.Items), name)
	for _, p := range pods.Items {
		fmt.Fprintf(w, "%s %s%s\n", p.Name, p.Status.Phase, containerStates(p))
	}
}

// containerStates names waiting or terminated containers with their reason.
func containerStates(p corev1.Pod) string {
	var s string
	all := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range all {
		switch {
		case cs.State.Waiting != nil:
			s += fmt.Sprintf(" %s:waiting(%s %s)", cs.Name, cs.State.Waiting.Reason, firstLine(cs.State.Waiting.Message, 120))
		case cs.State.Terminated != nil:
			s += fmt.Sprintf(" %s:terminated(%s exit %d)", cs.Name, cs.State.Terminated.Reason, cs.State.Terminated.ExitCode)
		}
		if cs.RestartCount > 0 {
			s += fmt.Sprintf(" %s:restarts=%d", cs.Name, cs.RestartCount)
		}
	}
	return s
}
