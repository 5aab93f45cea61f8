package app

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/localcluster"
)

// Clients bundles the two clients the verbs need: a controller-runtime client for
// FlinkDeployments and a clientset for pods, logs, events and services.
type Clients struct {
	Ctrl       ctrlclient.Client
	Core       kubernetes.Interface
	Kubeconfig string
	// Config reaches the API server, for port-forwards.
	Config *rest.Config
	// Force lets the verbs edit the spec of an app that GitOps manages (GuardGitOps).
	Force bool
}

// DefaultKubeconfig is the local cluster's admin kubeconfig when it exists, so that
// `weir app` works right after `weir local up`; otherwise "" (KUBECONFIG and ~/.kube/config).
func DefaultKubeconfig() string {
	p := localcluster.Layout{Root: localcluster.DefaultDataDir()}.AdminKubeconfig()
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// Scheme knows the core types, the flink.apache.org types and weir.dev's FlinkProfile.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1beta1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := weirv1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// RESTConfig loads a kubeconfig; an empty path uses the standard loading rules.
func RESTConfig(kubeconfig string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("no usable kubeconfig (%w); start the local cluster with `weir local up` or pass --kubeconfig", err)
	}
	return cfg, nil
}

// NewClients connects to the cluster of kubeconfig.
func NewClients(kubeconfig string) (*Clients, error) {
	cfg, err := RESTConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	s, err := Scheme()
	if err != nil {
		return nil, err
	}
	c, err := ctrlclient.New(cfg, ctrlclient.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Host, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Clients{Ctrl: c, Core: cs, Kubeconfig: kubeconfig, Config: cfg}, nil
}
