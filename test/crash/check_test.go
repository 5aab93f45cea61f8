package crash

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/resources"
)

// check lists what is wrong with the apps and their objects; none means converged:
// every app has exactly its objects built from the new spec, its status says so, and no
// object is left that no current app wants.
func check(ctx context.Context, k8s client.Client, keys []client.ObjectKey, namespaces []string) ([]string, error) {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	apps := map[types.UID]*v1beta1.FlinkDeployment{}
	wanted := map[string]bool{} // namespace/kind/name
	want := func(ns, kind, name string) { wanted[ns+"/"+kind+"/"+name] = true }
	var deps appsv1.DeploymentList
	var cms corev1.ConfigMapList
	var svcs corev1.ServiceList
	var roles rbacv1.RoleList
	var bindings rbacv1.RoleBindingList
	for _, l := range []client.ObjectList{&deps, &cms, &svcs, &roles, &bindings} {
		if err := k8s.List(ctx, l); err != nil {
			return nil, err
		}
	}

	for _, k := range keys {
		d := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(ctx, k, d); err != nil {
			return nil, err
		}
		apps[d.UID] = d
		n := resources.Names(d.Name)
		standalone := d.Spec.Mode == v1beta1.ModeStandalone
		want(d.Namespace, "Deployment", n.JobManager)
		want(d.Namespace, "ConfigMap", n.ConfigMap)
		want(d.Namespace, "Service", n.RestService)
		want(d.Namespace, "Service", n.InternalService)
		want(d.Namespace, "Role", n.Role)
		want(d.Namespace, "RoleBinding", n.RoleBinding)
		if standalone {
			want(d.Namespace, "Deployment", n.TaskManager)
		}

		// Exactly one JobManager (and for standalone one TaskManager) Deployment, new image.
		for _, c := range []struct {
			component, name string
			count           int
		}{{resources.ComponentJobManager, n.JobManager, 1}, {resources.ComponentTaskManager, n.TaskManager, map[bool]int{true: 1}[standalone]}} {
			var found []appsv1.Deployment
			for _, dep := range deps.Items {
				if dep.Namespace == d.Namespace && dep.Labels[resources.LabelApp] == d.Name && dep.Labels[resources.LabelComponent] == c.component {
					found = append(found, dep)
				}
			}
			if len(found) != c.count {
				bad("%s: %d %s Deployments, want %d", k, len(found), c.component, c.count)
				continue
			}
			for _, dep := range found {
				switch {
				case dep.Name != c.name:
					bad("%s: %s Deployment named %s, want %s", k, c.component, dep.Name, c.name)
				case !dep.DeletionTimestamp.IsZero():
					bad("%s: %s Deployment being deleted", k, c.component)
				case len(dep.Spec.Template.Spec.Containers) == 0 || dep.Spec.Template.Spec.Containers[0].Image != newImage:
					bad("%s: %s Deployment has the old spec (image %v)", k, c.component, images(dep))
				}
			}
		}
		if !has(cms.Items, d.Namespace, n.ConfigMap) {
			bad("%s: no ConfigMap %s", k, n.ConfigMap)
		}
		for _, name := range []string{n.RestService, n.InternalService} {
			if !has(svcs.Items, d.Namespace, name) {
				bad("%s: no Service %s", k, name)
			}
		}

		// The status tells of the new spec, deployed.
		rs := d.Status.ReconciliationStatus
		last, _, err := d.LastReconciledSpec()
		switch {
		case err != nil || last == nil:
			bad("%s: lastReconciledSpec unreadable or empty (%v)", k, err)
		case last.Image != newImage:
			bad("%s: lastReconciledSpec has image %s, want %s", k, last.Image, newImage)
		}
		if rs.State != v1beta1.ReconciliationDeployed {
			bad("%s: reconciliationStatus.state %s, want DEPLOYED", k, rs.State)
		}
		if d.Status.LifecycleState != v1beta1.LifecycleDeployed {
			bad("%s: lifecycleState %s, want DEPLOYED", k, d.Status.LifecycleState)
		}
		if d.Status.JobManagerDeploymentStatus == v1beta1.JMMissing || d.Status.JobManagerDeploymentStatus == "" {
			bad("%s: jobManagerDeploymentStatus %q, want one of a standing JobManager", k, d.Status.JobManagerDeploymentStatus)
		}
	}

	// No orphans: every object weir labelled or an app owns is one a current app wants,
	// and its owner is that app.
	type obj struct {
		kind string
		m    client.Object
	}
	var all []obj
	for i := range deps.Items {
		all = append(all, obj{"Deployment", &deps.Items[i]})
	}
	for i := range cms.Items {
		all = append(all, obj{"ConfigMap", &cms.Items[i]})
	}
	for i := range svcs.Items {
		all = append(all, obj{"Service", &svcs.Items[i]})
	}
	for i := range roles.Items {
		all = append(all, obj{"Role", &roles.Items[i]})
	}
	for i := range bindings.Items {
		all = append(all, obj{"RoleBinding", &bindings.Items[i]})
	}
	inTest := map[string]bool{}
	for _, ns := range namespaces {
		inTest[ns] = true
	}
	for _, o := range all {
		m := o.m
		var owners []types.UID
		for _, ref := range m.GetOwnerReferences() {
			if ref.Kind == "FlinkDeployment" {
				owners = append(owners, ref.UID)
			}
		}
		if m.GetLabels()[resources.LabelApp] == "" && len(owners) == 0 {
			continue // not weir's (kube-root-ca.crt, the default Service)
		}
		id := m.GetNamespace() + "/" + o.kind + "/" + m.GetName()
		if !inTest[m.GetNamespace()] {
			bad("%s: weir object outside the test's namespaces", id)
			continue
		}
		if !wanted[id] {
			bad("%s: orphan: no current app wants it", id)
		}
		if len(owners) != 1 || apps[owners[0]] == nil || apps[owners[0]].Name != m.GetLabels()[resources.LabelApp] {
			bad("%s: orphan: owners %v, app label %q", id, owners, m.GetLabels()[resources.LabelApp])
		}
	}
	sort.Strings(problems)
	return problems, nil
}

func has[T any, P interface {
	*T
	client.Object
}](items []T, ns, name string) bool {
	for i := range items {
		var p P = &items[i]
		if p.GetNamespace() == ns && p.GetName() == name && p.GetDeletionTimestamp().IsZero() {
			return true
		}
	}
	return false
}

func images(d appsv1.Deployment) []string {
	var out []string
	for _, c := range d.Spec.Template.Spec.Containers {
		out = append(out, c.Image)
	}
	return out
}
