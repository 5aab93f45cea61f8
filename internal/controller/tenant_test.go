package controller_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/operator"
	"weir.dev/weir/internal/resources"
)

// One operator serves many teams: these tests check that no team's resource can harm
// another's, on the suite's API server, which authorizes with RBAC (envtest's default; the
// suite's own client is in system:masters, tenants and the operator's chart role are
// impersonated).

// A jar server that trickles bytes holds its download for the whole time limit. One team
// with more such session jobs than the operator has workers must not hold up another
// team's session job: a namespace downloads one jar at a time, the rest wait their turn
// without holding a worker.
func TestSlowJarDownloadsDoNotHoldUpOtherTeams(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var inFlight, most atomic.Int32
	slow := serveJarWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		w.Header().Set("Content-Type", "application/java-archive")
		for {
			_, _ = w.Write([]byte{0}) // a byte a second: never idle, never done
			w.(http.Flusher).Flush()
			select {
			case <-release:
				return
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	defer close(release) // before the server's cleanup, which waits for the handlers

	nsA := newNamespace(t)
	sessA, _ := startSession(t, nsA)
	for i := range controller.DefaultParallelism + 1 {
		j := &v1beta1.FlinkSessionJob{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("slow-%d", i), Namespace: nsA},
			Spec: v1beta1.FlinkSessionJobSpec{DeploymentName: sessA, Job: &v1beta1.JobSpec{
				JarURI: slow + "/slow.jar", Parallelism: 1, UpgradeMode: v1beta1.UpgradeModeStateless,
			}},
		}
		if err := k8s.Create(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the slow downloads to start", func() error {
		if inFlight.Load() == 0 {
			return fmt.Errorf("no request yet")
		}
		return nil
	})

	nsB := newNamespace(t)
	sessB, _ := startSession(t, nsB)
	newSessionJob(t, nsB, sessB, serveJar(t), v1beta1.UpgradeModeStateless)
	waitForSessionJob(t, nsB, v1beta1.LifecycleStable, "")
	if inFlight.Load() == 0 {
		t.Fatal("the slow downloads ended before the other team's job ran: the test proved nothing")
	}
	if m := most.Load(); m != 1 {
		t.Errorf("%d downloads of one namespace ran at once", m)
	}
}

// impersonating returns a client that acts as user, authorized by the API server's RBAC.
func impersonating(t *testing.T, user string) client.Client {
	t.Helper()
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user}
	cl, err := client.New(c, client.Options{Scheme: operator.NewScheme()})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// A tenant who may only manage FlinkDeployments in its namespace cannot get the operator to
// grant the Flink role to `default` or to an account not meant for Flink, nor to create a
// ServiceAccount for it.
func TestTenantCannotGetFlinkRoleBoundToAnyAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ns := newNamespace(t) // holds the chart's labelled flink ServiceAccount
	user := "tenant-" + rand.String(5)
	admin := []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "ci", Namespace: ns}}, // made for something else
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "flink-user", Namespace: ns}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"flink.apache.org"}, Resources: []string{"flinkdeployments"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "flink-user", Namespace: ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "flink-user"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}},
	}
	for _, o := range admin {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	tenant := impersonating(t, user)
	create := func(name, sa string) {
		d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
		d.Name, d.Namespace, d.Spec.ServiceAccount = name, ns, sa
		waitFor(t, "the tenant's FlinkDeployment "+name, func() error { return tenant.Create(ctx, d) })
	}
	create("as-default", "default")
	create("as-ci", "ci")
	create("as-flink", "flink")
	if err := tenant.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "mine", Namespace: ns}}); !apierrors.IsForbidden(err) {
		t.Fatalf("the tenant itself may create service accounts (%v): the test proves nothing", err)
	}

	for name, want := range map[string]string{"as-default": `is every pod's account in namespace ` + ns, "as-ci": `in namespace ` + ns + ` is not labelled`} {
		waitFor(t, name+" refused in status.error", func() error {
			if e := getDeployment(t, ns, name).Status.Error; !strings.Contains(e, want) {
				return fmt.Errorf("status.error %q", e)
			}
			return nil
		})
	}
	// The account meant for Flink gets the role: bindings are visible to this check.
	waitFor(t, "the flink ServiceAccount bound", func() error { return rbacList{}.find(ns, "flink") })

	rbs := &rbacv1.RoleBindingList{}
	if err := k8s.List(ctx, rbs, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	for _, rb := range rbs.Items {
		for _, s := range rb.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name != "flink" {
				t.Errorf("RoleBinding %s binds ServiceAccount %s", rb.Name, s.Name)
			}
		}
	}
	sas := &corev1.ServiceAccountList{}
	if err := k8s.List(ctx, sas, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sa := range sas.Items {
		names = append(names, sa.Name)
		if sa.Name == "ci" && len(sa.Labels) != 0 {
			t.Errorf("the operator labelled the ci ServiceAccount: %v", sa.Labels)
		}
	}
	// envtest runs no service-account controller, so `default` exists only if the operator made it.
	if slices.Sort(names); !slices.Equal(names, []string{"ci", "flink"}) {
		t.Errorf("service accounts in the namespace: %v", names)
	}
}

// The operator's own rights, as the chart grants them (files/role.yaml, generated from the
// RBAC markers), let it create and bind the Flink Role and nothing beyond: no Role with
// rules it lacks (secrets, in another team's namespace), no binding to a role it does not
// hold. (It may create ServiceAccounts, for FlinkProfiles' templates only: the code keeps
// tenants from getting one made, TestTenantCannotGetServiceAccountCreated.)
func TestOperatorRoleCannotGrantMoreThanItHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("..", "..", "charts", "weir-operator", "files", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(raw, role); err != nil {
		t.Fatal(err)
	}
	user := "operator-" + rand.String(5)
	role.Name = user
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}}}
	for _, o := range []client.Object{role, binding} {
		if err := k8s.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = k8s.Delete(ctx, o) })
	}
	op := impersonating(t, user)
	mine, other := newNamespace(t), newNamespace(t)

	// What the operator does for every FlinkDeployment: the Flink Role and its binding.
	d := readManifest(t, "basic.yaml")[0].(*v1beta1.FlinkDeployment)
	d.Namespace, d.UID = mine, "00000000-0000-0000-0000-00000000000f"
	set, err := resources.Build(resources.Input{Deployment: d, Spec: &d.Spec})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the operator creating the Flink Role", func() error { return op.Create(ctx, set.Role.DeepCopy()) })
	if err := op.Create(ctx, set.RoleBinding); err != nil {
		t.Fatalf("the operator cannot bind the Flink Role: %v", err)
	}

	forbidden := map[string]client.Object{
		"a Role reading secrets in another namespace": &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "steal", Namespace: other},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list"}}}},
		"a RoleBinding to cluster-admin": &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "steal", Namespace: other},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: other}}},
	}
	for what, o := range forbidden {
		if err := op.Create(ctx, o); !apierrors.IsForbidden(err) {
			t.Errorf("the operator's role could create %s (%v)", what, err)
		}
	}
}
