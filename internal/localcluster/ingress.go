package localcluster

import (
	"context"
	"fmt"
	"io"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// The ingress controller (Traefik) runs on the host like the S3 server: it reaches pods
// through the bridge, and its web entrypoint answers on loopback (for the developer's
// browser and curl) and on the bridge (for pods).
const (
	// IngressPort is the web entrypoint's port on 127.0.0.1 and on the bridge.
	IngressPort = 8088
	// IngressPingPort serves Traefik's /ping on loopback only: the readiness probe.
	IngressPingPort = 8089
	// IngressClassName is the default IngressClass `up` creates; profiles name it.
	IngressClassName = "traefik"
	// ingressController is the controller name Traefik's provider claims IngressClasses by.
	ingressController = "traefik.io/ingress-controller"
	// ingressUser is the CN of Traefik's client certificate; RBAC grants it what the
	// kubernetesIngress provider reads.
	ingressUser = "weir:ingress-controller"
	// ingressCert names its certificate in the PKI and its kubeconfig.
	ingressCert = "ingress-controller"
)

// IngressEndpoint is where the host reaches the web entrypoint; send an app's host in the
// Host header, or use a *.localhost host name, which resolves to loopback.
func IngressEndpoint() string { return "http://" + hostPort("127.0.0.1", IngressPort) }

// TraefikConfig renders Traefik's static configuration: a web entrypoint on each of
// webAddrs (the routers of Ingresses attach to these), /ping on pingAddr, and the
// kubernetesIngress provider, which finds its API server and credentials in the file
// named by $KUBECONFIG and reports publishIP as the address of the Ingresses it serves.
func TraefikConfig(webAddrs []string, pingAddr, publishIP string) (string, error) {
	eps := map[string]any{
		// Named "traefik" so Traefik does not open its default :8080 for ping.
		"traefik": map[string]any{"address": pingAddr},
	}
	for i, a := range webAddrs {
		name := "web"
		if i > 0 {
			name = fmt.Sprintf("web%d", i+1)
		}
		eps[name] = map[string]any{"address": a, "asDefault": true}
	}
	cfg := map[string]any{
		"global":      map[string]any{"checkNewVersion": false, "sendAnonymousUsage": false},
		"entryPoints": eps,
		"ping":        map[string]any{"entryPoint": "traefik"},
		"log":         map[string]any{"level": "INFO", "noColor": true}, // to a log file
		"providers": map[string]any{"kubernetesIngress": map[string]any{
			"ingressEndpoint": map[string]any{"ip": publishIP},
		}},
	}
	out, err := yaml.Marshal(cfg)
	return string(out), err
}

// localTraefikConfig is TraefikConfig for the local cluster.
func localTraefikConfig() (string, error) {
	return TraefikConfig([]string{hostPort("127.0.0.1", IngressPort), hostPort(BridgeIP, IngressPort)},
		hostPort("127.0.0.1", IngressPingPort), BridgeIP)
}

// ingressDaemon is Traefik as a daemon of the cluster. Its configuration file puts the data
// dir in its arguments, which is how down finds a leftover process.
func ingressDaemon(l Layout, bin Binaries) Daemon {
	return Daemon{
		Name: "traefik", Binary: bin["traefik"],
		Args:  []string{"--configFile=" + l.Conf("traefik.yaml")},
		Ports: []string{hostPort("127.0.0.1", IngressPort), hostPort(BridgeIP, IngressPort), hostPort("127.0.0.1", IngressPingPort)},
		Probe: Probe{URL: "http://" + hostPort("127.0.0.1", IngressPingPort) + "/ping"},
		Env:   []string{"KUBECONFIG=" + l.Kubeconfig(ingressCert)},
	}
}

// IngressObjects are what the ingress controller needs in the cluster.
type IngressObjects struct {
	Class       *networkingv1.IngressClass
	Role        *rbacv1.ClusterRole
	RoleBinding *rbacv1.ClusterRoleBinding
}

// NewIngressObjects returns the default IngressClass and the RBAC of user, the identity
// Traefik's kubeconfig presents: read Ingresses, their classes, Services, EndpointSlices
// and TLS Secrets; write Ingress status.
func NewIngressObjects(user string) IngressObjects {
	name := "weir-ingress-controller"
	read := []string{"get", "list", "watch"}
	return IngressObjects{
		Class: &networkingv1.IngressClass{
			ObjectMeta: metav1.ObjectMeta{Name: IngressClassName,
				Annotations: map[string]string{networkingv1.AnnotationIsDefaultIngressClass: "true"}},
			Spec: networkingv1.IngressClassSpec{Controller: ingressController},
		},
		Role: &rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"services", "secrets", "nodes"}, Verbs: read},
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
				{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses", "ingressclasses"}, Verbs: read},
				{APIGroups: []string{"networking.k8s.io"}, Resources: []string{"ingresses/status"}, Verbs: []string{"update"}},
			},
		},
		RoleBinding: &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
		},
	}
}

// ApplyIngressObjects creates the objects or brings them to o.
func ApplyIngressObjects(ctx context.Context, cs kubernetes.Interface, o IngressObjects) error {
	c, u := metav1.CreateOptions{}, metav1.UpdateOptions{}
	classes, roles, bindings := cs.NetworkingV1().IngressClasses(), cs.RbacV1().ClusterRoles(), cs.RbacV1().ClusterRoleBindings()
	steps := []struct {
		what   string
		create func() error
		update func() error
	}{
		{"ClusterRole " + o.Role.Name,
			func() error { _, err := roles.Create(ctx, o.Role, c); return err },
			func() error {
				cur, err := roles.Get(ctx, o.Role.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Rules = o.Role.Rules
				_, err = roles.Update(ctx, cur, u)
				return err
			}},
		{"ClusterRoleBinding " + o.RoleBinding.Name,
			func() error { _, err := bindings.Create(ctx, o.RoleBinding, c); return err },
			func() error {
				cur, err := bindings.Get(ctx, o.RoleBinding.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				cur.Subjects = o.RoleBinding.Subjects // the role reference cannot change
				_, err = bindings.Update(ctx, cur, u)
				return err
			}},
		{"IngressClass " + o.Class.Name,
			func() error { _, err := classes.Create(ctx, o.Class, c); return err },
			func() error {
				cur, err := classes.Get(ctx, o.Class.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if cur.Spec.Controller != o.Class.Spec.Controller {
					return fmt.Errorf("IngressClass %s exists for controller %q, not %q", cur.Name, cur.Spec.Controller, o.Class.Spec.Controller)
				}
				return nil
			}},
	}
	for _, s := range steps {
		err := s.create()
		if apierrors.IsAlreadyExists(err) {
			err = s.update()
		}
		if err != nil {
			return fmt.Errorf("apply %s: %w", s.what, err)
		}
	}
	return nil
}

// startIngress creates the IngressClass and RBAC, then starts Traefik.
func startIngress(ctx context.Context, l Layout, cs kubernetes.Interface, d Daemon) (string, error) {
	if err := ApplyIngressObjects(ctx, cs, NewIngressObjects(ingressUser)); err != nil {
		return "", err
	}
	return startAll(ctx, l, []Daemon{d}, 60*time.Second)
}

// printIngress tells where the ingress controller answers and how to reach an app's UI.
func printIngress(out io.Writer) {
	fmt.Fprintf(out, "  ingress controller (Traefik): %s on the host, http://%s from pods; IngressClass %q (default)\n",
		IngressEndpoint(), hostPort(BridgeIP, IngressPort), IngressClassName)
	fmt.Fprintf(out, "    an app's UI: curl -H 'Host: <ingress host>' %s/  (hosts under *.localhost need no Host header)\n", IngressEndpoint())
}
