package localcluster

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// CoreDNSObjects are the kube-system objects of cluster DNS: the kube-dns
// Service at the fixed IP the kubelet hands to pods, and a one-replica Deployment
// of the locally built image (never pulled).
type CoreDNSObjects struct {
	ServiceAccount     *corev1.ServiceAccount
	ClusterRole        *rbacv1.ClusterRole
	ClusterRoleBinding *rbacv1.ClusterRoleBinding
	ConfigMap          *corev1.ConfigMap
	Service            *corev1.Service
	Deployment         *appsv1.Deployment
}

// NewCoreDNSObjects renders the CoreDNS add-on for image.
func NewCoreDNSObjects(image string) CoreDNSObjects {
	ns := "kube-system"
	labels := map[string]string{"k8s-app": "kube-dns"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"k8s-app": "kube-dns", "app.kubernetes.io/managed-by": "weir-local"}}
	}
	clusterMeta := meta("system:coredns")
	clusterMeta.Namespace = ""
	return CoreDNSObjects{
		ServiceAccount: &corev1.ServiceAccount{ObjectMeta: meta("coredns")},
		ClusterRole: &rbacv1.ClusterRole{
			ObjectMeta: clusterMeta,
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"endpoints", "services", "pods", "namespaces"}, Verbs: []string{"list", "watch"}},
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"list", "watch"}},
			},
		},
		ClusterRoleBinding: &rbacv1.ClusterRoleBinding{
			ObjectMeta: clusterMeta,
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "system:coredns"},
			Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "coredns", Namespace: ns}},
		},
		ConfigMap: &corev1.ConfigMap{ObjectMeta: meta("coredns"), Data: map[string]string{"Corefile": Corefile()}},
		Service: &corev1.Service{
			ObjectMeta: meta("kube-dns"),
			Spec: corev1.ServiceSpec{
				ClusterIP: DNSServiceIP,
				Selector:  labels,
				Ports: []corev1.ServicePort{
					{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
					{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
				},
			},
		},
		Deployment: &appsv1.Deployment{
			ObjectMeta: meta("coredns"),
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{
						ServiceAccountName: "coredns",
						DNSPolicy:          corev1.DNSDefault, // CoreDNS must not resolve through itself
						PriorityClassName:  "system-cluster-critical",
						Containers: []corev1.Container{{
							Name:            "coredns",
							Image:           image,
							ImagePullPolicy: corev1.PullNever,
							Args:            []string{"-conf", "/etc/coredns/Corefile"},
							Ports: []corev1.ContainerPort{
								{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
								{Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
							},
							Resources: corev1.ResourceRequirements{
								Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("70Mi")},
								Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("170Mi")},
							},
							VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/coredns", ReadOnly: true}},
							LivenessProbe: &corev1.Probe{
								ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/health", Port: intstr.FromInt32(8080)}},
								PeriodSeconds:    10,
								FailureThreshold: 5,
							},
							ReadinessProbe: &corev1.Probe{
								ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8181)}},
								PeriodSeconds: 1,
							},
							SecurityContext: &corev1.SecurityContext{
								AllowPrivilegeEscalation: ptr.To(false),
								ReadOnlyRootFilesystem:   ptr.To(true),
								Capabilities: &corev1.Capabilities{
									Drop: []corev1.Capability{"ALL"},
									Add:  []corev1.Capability{"NET_BIND_SERVICE"},
								},
							},
						}},
						Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
							ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "coredns"}},
						}}},
					},
				},
			},
		},
	}
}

// ApplyCoreDNS creates the objects that are missing and leaves existing ones
// alone, so a second `up` changes nothing. It reads before creating: a Service
// with a fixed ClusterIP fails as Invalid (IP taken), not AlreadyExists.
func ApplyCoreDNS(ctx context.Context, cs kubernetes.Interface, o CoreDNSObjects) error {
	ns := "kube-system"
	g, c := metav1.GetOptions{}, metav1.CreateOptions{}
	steps := []struct {
		kind   string
		get    func() error
		create func() error
	}{
		{"ServiceAccount",
			func() error { _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, o.ServiceAccount.Name, g); return err },
			func() error { _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, o.ServiceAccount, c); return err }},
		{"ClusterRole",
			func() error { _, err := cs.RbacV1().ClusterRoles().Get(ctx, o.ClusterRole.Name, g); return err },
			func() error { _, err := cs.RbacV1().ClusterRoles().Create(ctx, o.ClusterRole, c); return err }},
		{"ClusterRoleBinding",
			func() error {
				_, err := cs.RbacV1().ClusterRoleBindings().Get(ctx, o.ClusterRoleBinding.Name, g)
				return err
			},
			func() error {
				_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, o.ClusterRoleBinding, c)
				return err
			}},
		{"ConfigMap",
			func() error { _, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, o.ConfigMap.Name, g); return err },
			func() error { _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, o.ConfigMap, c); return err }},
		{"Service",
			func() error { _, err := cs.CoreV1().Services(ns).Get(ctx, o.Service.Name, g); return err },
			func() error { _, err := cs.CoreV1().Services(ns).Create(ctx, o.Service, c); return err }},
		{"Deployment",
			func() error { _, err := cs.AppsV1().Deployments(ns).Get(ctx, o.Deployment.Name, g); return err },
			func() error { _, err := cs.AppsV1().Deployments(ns).Create(ctx, o.Deployment, c); return err }},
	}
	for _, st := range steps {
		err := st.get()
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("read CoreDNS %s: %w", st.kind, err)
		}
		if err := st.create(); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create CoreDNS %s: %w", st.kind, err)
		}
	}
	return nil
}
