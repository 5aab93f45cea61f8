package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
)

// profiledApp creates the basic example in ns without a service account of its own (the
// profile names it), with labels.
func profiledApp(t *testing.T, c client.Client, ns string, labels map[string]string) *v1beta1.FlinkDeployment {
	t.Helper()
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace, d.Spec.ServiceAccount, d.Labels = ns, "", labels
	waitFor(t, "creating the app", func() error { return c.Create(context.Background(), d) })
	return d
}

// A profile's ServiceAccount (with its cloud role annotation), the TaskManagers' PDB and
// the NetworkPolicy are created for its app, owned by it, used by its pods and bound to the
// Flink Role; a profile edit updates the PDB and removes the NetworkPolicy it drops.
// (envtest runs no garbage collector: that the app's deletion deletes them is its owner
// reference, checked here.)
func TestProfileCompanionsPerApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pname := "p-" + ns
	one, tcp := intstr.FromInt32(1), corev1.ProtocolTCP
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		ServiceAccount: &weirv1alpha1.ServiceAccountTemplate{NameTemplate: "flink-{{name}}",
			Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/{{namespace}}-{{name}}"}},
		PodDisruptionBudget: &weirv1alpha1.PodDisruptionBudgetTemplate{MaxUnavailable: &one},
		NetworkPolicy: &networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp}}}}},
	})
	d := profiledApp(t, k8s, ns, nil)
	app := getDeployment(t, ns, d.Name)
	saName := "flink-" + d.Name

	sa := waitForObject(t, ns, saName, &corev1.ServiceAccount{})
	if got := sa.Annotations["eks.amazonaws.com/role-arn"]; got != "arn:aws:iam::123:role/"+ns+"-"+d.Name {
		t.Errorf("role-arn annotation %q", got)
	}
	if !metav1.IsControlledBy(sa, app) || sa.Labels["flink.apache.org/flink-service-account"] != "true" {
		t.Errorf("ServiceAccount owners %v, labels %v", sa.OwnerReferences, sa.Labels)
	}
	jm := waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	if got := jm.Spec.Template.Spec.ServiceAccountName; got != saName {
		t.Errorf("the JobManager runs as %q, want %q", got, saName)
	}
	rb := &rbacv1.RoleBindingList{}
	if err := k8s.List(ctx, rb, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	bound := false
	for _, b := range rb.Items {
		for _, s := range b.Subjects {
			bound = bound || (s.Kind == rbacv1.ServiceAccountKind && s.Name == saName)
		}
	}
	if !bound {
		t.Errorf("the Flink Role is not bound to %s: %+v", saName, rb.Items)
	}

	pdb := waitForObject(t, ns, d.Name+"-taskmanager", &policyv1.PodDisruptionBudget{})
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || !metav1.IsControlledBy(pdb, app) ||
		pdb.Spec.Selector.MatchLabels["component"] != "taskmanager" || pdb.Spec.Selector.MatchLabels["app"] != d.Name {
		t.Errorf("PDB %+v", pdb)
	}
	np := waitForObject(t, ns, d.Name, &networkingv1.NetworkPolicy{})
	if np.Spec.PodSelector.MatchLabels["app"] != d.Name || len(np.Spec.Ingress) != 1 || !metav1.IsControlledBy(np, app) {
		t.Errorf("NetworkPolicy %+v", np)
	}

	// The profile changes: the PDB follows, the NetworkPolicy it drops goes.
	two := intstr.FromInt32(2)
	updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) {
		p.Spec.PodDisruptionBudget = &weirv1alpha1.PodDisruptionBudgetTemplate{MinAvailable: &two}
		p.Spec.NetworkPolicy = nil
	})
	waitFor(t, "the PDB updated", func() error {
		b := &policyv1.PodDisruptionBudget{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name + "-taskmanager"}, b); err != nil {
			return err
		}
		if b.Spec.MinAvailable == nil || b.Spec.MinAvailable.IntValue() != 2 || b.Spec.MaxUnavailable != nil {
			return fmt.Errorf("PDB spec %+v", b.Spec)
		}
		return nil
	})
	waitFor(t, "the NetworkPolicy removed", func() error {
		err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, &networkingv1.NetworkPolicy{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%w)", err)
	})
}

// An account of the profile's name that weir did not create for the app is not taken over
// (not annotated with the profile's cloud role): the app is refused, nothing deployed.
func TestProfileServiceAccountIsNotTakenOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		ServiceAccount: &weirv1alpha1.ServiceAccountTemplate{NameTemplate: "flink-{{name}}",
			Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/{{name}}"}},
	})
	theirs := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "flink-basic-example", Namespace: ns,
		Labels: map[string]string{"flink.apache.org/flink-service-account": "true"}}}
	if err := k8s.Create(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	d := profiledApp(t, k8s, ns, nil)
	waitFor(t, "the app refused", func() error {
		if e := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(e, `ServiceAccount \"flink-basic-example\" already exists in namespace `+ns+` and was not created by weir`) {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	waitForEvents(t, ns, d.Name, "ValidationError")
	sa := &corev1.ServiceAccount{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(theirs), sa); err != nil {
		t.Fatal(err)
	}
	if len(sa.Annotations) != 0 || len(sa.OwnerReferences) != 0 {
		t.Errorf("the account was taken over: annotations %v, owners %v", sa.Annotations, sa.OwnerReferences)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("the JobManager was deployed (%v)", err)
	}
}

// A tenant who may only manage FlinkDeployments cannot get a ServiceAccount created by
// naming a profile that does not select its namespace (a profile that applies by label
// only): the operator creates accounts only from the template of a profile whose
// spec.namespaces selects the namespace, never from an app's own spec.serviceAccount.
func TestTenantCannotGetServiceAccountCreated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	pname := "p-" + ns
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{ // no spec.namespaces: by label, anywhere
		ServiceAccount: &weirv1alpha1.ServiceAccountTemplate{NameTemplate: "flink-{{name}}",
			Annotations: map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123:role/admin"}},
	})
	user := "tenant-" + ns
	for _, o := range []client.Object{
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "flink-user", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"flink.apache.org"}, Resources: []string{"flinkdeployments"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "flink-user", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "flink-user"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}},
	} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	tenant := impersonating(t, user)
	byLabel := profiledApp(t, tenant, ns, map[string]string{weirv1alpha1.ProfileLabel: pname})
	own := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	own.Name, own.Namespace, own.Spec.ServiceAccount = "own-account", ns, "made-up"
	waitFor(t, "creating the app naming its own account", func() error { return tenant.Create(ctx, own) })

	for name, want := range map[string]string{byLabel.Name: `"flink-` + byLabel.Name + `\" does not exist`, own.Name: `\"made-up\" does not exist`} {
		waitFor(t, name+" refused", func() error {
			if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(e, want) {
				return fmt.Errorf("status.error %q, want it to contain %q", e, want)
			}
			return nil
		})
	}
	sas := &corev1.ServiceAccountList{}
	if err := k8s.List(ctx, sas, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(sas.Items) != 1 || sas.Items[0].Name != "flink" {
		t.Errorf("service accounts in the namespace: %+v", sas.Items)
	}
}

// A profile's ResourceQuota and LimitRange exist in each namespace it selects (by name or
// label), owned by the profile, follow its edits, and go from a namespace it stops
// selecting or when it drops them.
func TestProfileQuotaAndLimitRangePerNamespace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	byName, byLabel := newNamespace(t), newNamespace(t)
	pname := "p-" + byName
	n := &corev1.Namespace{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: byLabel}, n); err != nil {
		t.Fatal(err)
	}
	n.Labels = map[string]string{"weir.test/tier": pname}
	if err := k8s.Update(ctx, n); err != nil {
		t.Fatal(err)
	}
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{byName},
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"weir.test/tier": pname}}},
		ResourceQuota: &corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("8")}},
		LimitRange: &corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
			Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}},
	})
	p := &weirv1alpha1.FlinkProfile{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: pname}, p); err != nil {
		t.Fatal(err)
	}
	name := "weir-" + pname
	quotaIs := func(ns, cpu string) func() error {
		return func() error {
			q := &corev1.ResourceQuota{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, q); err != nil {
				return err
			}
			if got := q.Spec.Hard[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse(cpu)) != 0 || !metav1.IsControlledBy(q, p) {
				return fmt.Errorf("quota hard %v, owners %v", q.Spec.Hard, q.OwnerReferences)
			}
			return nil
		}
	}
	gone := func(ns string, o client.Object) func() error {
		return func() error {
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, o); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T still in %s (%w)", o, ns, err)
			}
			return nil
		}
	}
	for _, ns := range []string{byName, byLabel} {
		waitFor(t, "the quota in "+ns, quotaIs(ns, "8"))
		lr := waitForObject(t, ns, name, &corev1.LimitRange{})
		if len(lr.Spec.Limits) != 1 || !metav1.IsControlledBy(lr, p) {
			t.Errorf("LimitRange in %s: %+v", ns, lr)
		}
	}

	updateProfile(t, pname, func(p *weirv1alpha1.FlinkProfile) {
		p.Spec.ResourceQuota.Hard[corev1.ResourceRequestsCPU] = resource.MustParse("4")
		p.Spec.Namespaces.Selector = nil // byLabel is no longer selected
		p.Spec.LimitRange = nil
	})
	waitFor(t, "the quota updated", quotaIs(byName, "4"))
	waitFor(t, "the quota gone from the namespace no longer selected", gone(byLabel, &corev1.ResourceQuota{}))
	waitFor(t, "the LimitRange the profile dropped gone", gone(byName, &corev1.LimitRange{}))
	waitFor(t, "the LimitRange gone from the namespace no longer selected", gone(byLabel, &corev1.LimitRange{}))

	// An edit of the quota by hand is put back.
	q := &corev1.ResourceQuota{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: byName, Name: name}, q); err != nil {
		t.Fatal(err)
	}
	q.Spec.Hard[corev1.ResourceRequestsCPU] = resource.MustParse("100")
	if err := k8s.Update(ctx, q); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the quota put back", quotaIs(byName, "4"))
}

// quotaPod creates a pending pod holding cpu of the namespace's quota, labelled as labels.
func quotaPod(t *testing.T, ns, name, cpu string, labels map[string]string) {
	t.Helper()
	no := false
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{ServiceAccountName: "flink", AutomountServiceAccountToken: &no, Containers: []corev1.Container{{
			Name: "main", Image: "busybox", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}}}}
	if err := k8s.Create(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
}

// An app that would exceed its namespace's ResourceQuota is refused before anything is
// deployed, with the quota, the resource, what it needs and what is free; an upgrade that
// would exceed it is refused while the running app keeps its spec, and the app's own pods
// (which the upgrade replaces) are not counted as used. envtest runs no quota controller,
// so the quota's status.used stays empty: the check sums the namespace's pods itself, and
// the pods here are created before the quota (the API server's quota admission refuses
// pods while a quota's status is unknown).
func TestQuotaPreCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t)
	quotaPod(t, ns, "other-team", "2", map[string]string{"app": "other"})
	// A pod of the app itself (as the running cluster would have): not counted for it.
	quotaPod(t, ns, "own-taskmanager", "2", map[string]string{"app": "basic-example", "type": "flink-native-kubernetes"})
	if err := k8s.Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "team", Namespace: ns},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("4")}}}); err != nil {
		t.Fatal(err)
	}

	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	two := 2.0
	d.Spec.JobManager.Resource.CPU = &two // 2 + one TaskManager of 1 = 3 > 4 - 2
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	refused := `ResourceQuota \"team\" requests.cpu: the app needs 3, 2 is free (hard 4, used by other pods 2)`
	waitFor(t, "the app refused for its quota", func() error {
		if e := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(e, refused) {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	waitForEvents(t, ns, d.Name, "ValidationError")
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the JobManager was deployed (%v)", err)
	}

	// Smaller, it fits and is deployed.
	setCPU := func(jm, tm float64) {
		waitFor(t, "editing the app", func() error {
			app := getDeployment(t, ns, d.Name)
			app.Spec.JobManager.Resource.CPU, app.Spec.TaskManager.Resource.CPU = &jm, &tm
			return k8s.Update(ctx, app)
		})
	}
	setCPU(1, 1)
	jm := waitForObject(t, ns, d.Name, &appsv1.Deployment{})
	waitFor(t, "the error cleared", func() error {
		if e := getDeployment(t, ns, d.Name).Status.Error; e != "" {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})

	// An upgrade beyond the quota is refused; the cluster keeps its spec.
	setCPU(1, 2)
	waitFor(t, "the upgrade refused for its quota", func() error {
		if e := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(e, refused) {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	now := &appsv1.Deployment{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(jm), now); err != nil {
		t.Fatal(err)
	}
	if now.Generation != jm.Generation {
		t.Errorf("the JobManager Deployment changed (generation %d, was %d)", now.Generation, jm.Generation)
	}
	if last, _, _ := getDeployment(t, ns, d.Name).LastReconciledSpec(); last == nil || *last.TaskManager.Resource.CPU != 1 {
		t.Errorf("the recorded spec is not the last valid one: %+v", last)
	}
}

// A companion the API server refuses (here a NetworkPolicy with an unknown protocol) is the
// app's ValidationError naming the profile, and nothing is deployed.
func TestProfileCompanionRefusedByTheAPIServer(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	pname := "p-" + ns
	bogus := corev1.Protocol("BOGUS")
	newProfile(t, pname, weirv1alpha1.FlinkProfileSpec{
		Namespaces: &weirv1alpha1.NamespaceSelection{Names: []string{ns}},
		NetworkPolicy: &networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &bogus}}}}},
	})
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace = ns
	if err := k8s.Create(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the app refused", func() error {
		if e := getDeployment(t, ns, d.Name).Status.Error; !strings.Contains(e, `FlinkProfile \"`+pname+`\": while applying NetworkPolicy`) {
			return fmt.Errorf("status.error %q", e)
		}
		return nil
	})
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: d.Name}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("the JobManager was deployed (%v)", err)
	}
}
