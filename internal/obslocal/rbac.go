package obslocal

import (
	"context"
	"fmt"
	"os"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Who the daemons are in the cluster.
const (
	// ReaderUser is the client certificate's user of the kubeconfig the metrics server's
	// service discovery and vlagent use: it may read pods, nodes, namespaces, services and
	// endpoint slices, nothing else.
	ReaderUser = "weir:observability"
	ReaderRole = "weir-local-observability"
	// Scraper is the ServiceAccount whose token the metrics server sends to the operator's
	// /metrics; its ClusterRole allows only GET /metrics. The platform creates both so it
	// does not depend on the operator chart (and its weir-metrics-reader) being installed
	// first.
	ScraperNamespace = "kube-system"
	Scraper          = "weir-local-metrics-scraper"
	// TokenLifetime is asked for; the API server may grant less. `weir local up` writes a
	// fresh token each time.
	TokenLifetime = 365 * 24 * 3600
)

// Objects are the cluster objects of the local platform's observability.
type Objects struct {
	ReaderRole     *rbacv1.ClusterRole
	ReaderBinding  *rbacv1.ClusterRoleBinding
	ServiceAccount *corev1.ServiceAccount
	ScraperRole    *rbacv1.ClusterRole
	ScraperBinding *rbacv1.ClusterRoleBinding
}

var managedBy = map[string]string{"app.kubernetes.io/managed-by": "weir-local"}

// NewObjects renders the objects.
func NewObjects() Objects {
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Labels: managedBy} }
	read := []string{"get", "list", "watch"}
	sa := &corev1.ServiceAccount{ObjectMeta: meta(Scraper)}
	sa.Namespace = ScraperNamespace
	return Objects{
		ReaderRole: &rbacv1.ClusterRole{ObjectMeta: meta(ReaderRole), Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "nodes", "namespaces", "services", "endpoints"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
		}},
		ReaderBinding: &rbacv1.ClusterRoleBinding{ObjectMeta: meta(ReaderRole),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: ReaderRole},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: ReaderUser}}},
		ServiceAccount: sa,
		ScraperRole: &rbacv1.ClusterRole{ObjectMeta: meta(Scraper), Rules: []rbacv1.PolicyRule{
			{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
		}},
		ScraperBinding: &rbacv1.ClusterRoleBinding{ObjectMeta: meta(Scraper),
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: Scraper},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: Scraper, Namespace: ScraperNamespace}}},
	}
}

// Apply creates the objects, or updates the roles and bindings to the rendered state.
func Apply(ctx context.Context, cs kubernetes.Interface, o Objects) error {
	rbac := cs.RbacV1()
	for _, r := range []*rbacv1.ClusterRole{o.ReaderRole, o.ScraperRole} {
		if err := createOrUpdate("clusterrole "+r.Name,
			func() error { _, err := rbac.ClusterRoles().Create(ctx, r, metav1.CreateOptions{}); return err },
			func() error {
				cur, err := rbac.ClusterRoles().Get(ctx, r.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Rules, cur.Labels = r.Rules, r.Labels
				_, err = rbac.ClusterRoles().Update(ctx, cur, metav1.UpdateOptions{})
				return err
			}); err != nil {
			return err
		}
	}
	for _, b := range []*rbacv1.ClusterRoleBinding{o.ReaderBinding, o.ScraperBinding} {
		if err := createOrUpdate("clusterrolebinding "+b.Name,
			func() error { _, err := rbac.ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{}); return err },
			func() error {
				cur, err := rbac.ClusterRoleBindings().Get(ctx, b.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Subjects, cur.Labels = b.Subjects, b.Labels // roleRef is immutable and never changes here
				_, err = rbac.ClusterRoleBindings().Update(ctx, cur, metav1.UpdateOptions{})
				return err
			}); err != nil {
			return err
		}
	}
	sa := o.ServiceAccount
	if _, err := cs.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create serviceaccount %s/%s: %w", sa.Namespace, sa.Name, err)
	}
	return nil
}

func createOrUpdate(what string, create, update func() error) error {
	err := create()
	if apierrors.IsAlreadyExists(err) {
		err = update()
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", what, err)
	}
	return nil
}

// WriteScraperToken asks the API server for a token of the scraper's ServiceAccount and
// writes it to path (mode 0600), replacing the file at once so a scrape never reads half
// of it.
func WriteScraperToken(ctx context.Context, cs kubernetes.Interface, path string) error {
	tr, err := cs.CoreV1().ServiceAccounts(ScraperNamespace).CreateToken(ctx, Scraper, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To(int64(TokenLifetime))},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("token for serviceaccount %s/%s: %w", ScraperNamespace, Scraper, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(tr.Status.Token), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
