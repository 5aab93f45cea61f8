package controller_test

import (
	"context"
	"fmt"
	"sort"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

func controllerHasFinalizer(d *v1beta1.FlinkDeployment) bool {
	for _, f := range d.Finalizers {
		if f == "flinkdeployments.flink.apache.org/finalizer" {
			return true
		}
	}
	return false
}

func hasMount(c corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

func containerNames(cs []corev1.Container) string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return strings.Join(n, ",")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type rbacList struct{}

// find checks that some RoleBinding in ns binds the service account sa.
func (rbacList) find(ns, sa string) error {
	rbs := &rbacv1.RoleBindingList{}
	if err := k8s.List(context.Background(), rbs, client.InNamespace(ns)); err != nil {
		return err
	}
	for _, rb := range rbs.Items {
		for _, s := range rb.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == sa {
				return nil
			}
		}
	}
	return fmt.Errorf("no RoleBinding for service account %q among %d", sa, len(rbs.Items))
}

func sessionCondition(ns, name, status, reason string) error {
	j := &v1beta1.FlinkSessionJob{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, j); err != nil {
		return err
	}
	c := meta.FindStatusCondition(j.Status.Conditions, "SessionClusterReady")
	if c == nil || string(c.Status) != status || c.Reason != reason {
		return fmt.Errorf("condition %+v", c)
	}
	return nil
}

type autoscalingScale struct {
	selector string
	replicas int32
}

func (s *autoscalingScale) get(ns, name string) error {
	sc := &autoscalingv1.Scale{}
	d := &v1beta1.FlinkDeployment{}
	d.Name, d.Namespace = name, ns
	if err := k8s.SubResource("scale").Get(context.Background(), d, sc); err != nil {
		return err
	}
	s.selector, s.replicas = sc.Status.Selector, sc.Spec.Replicas
	return nil
}

func (s *autoscalingScale) set(ns, name string, replicas int32) error {
	d := &v1beta1.FlinkDeployment{}
	d.Name, d.Namespace = name, ns
	sc := &autoscalingv1.Scale{}
	if err := k8s.SubResource("scale").Get(context.Background(), d, sc); err != nil {
		return err
	}
	sc.Spec.Replicas = replicas
	return k8s.SubResource("scale").Update(context.Background(), d, client.WithSubResourceBody(sc))
}
