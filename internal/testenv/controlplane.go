// Package testenv runs weir the way the heavy suites and benches need it: a real etcd +
// kube-apiserver (no kubelet, no controller manager), bin/weir-operator as a process of its
// own against it, dead JobManagers, and stand-ins for the kubelet and the garbage collector.
package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"weir.dev/weir/internal/operator"
)

// ControlPlane is a running etcd + kube-apiserver with the CRDs installed.
type ControlPlane struct {
	env *envtest.Environment
	dir string
	// Config and Client reach the API server as an administrator.
	Config *rest.Config
	Client client.Client
	// Kubeconfig is a file for the operator process (a system:masters user).
	Kubeconfig string
}

// StartControlPlane starts etcd and kube-apiserver from assets (`bin/weir local
// envtest-assets`) and installs the CRDs in crdDir.
func StartControlPlane(crdDir, assets string) (*ControlPlane, error) {
	if assets == "" {
		return nil, fmt.Errorf("no envtest assets: set KUBEBUILDER_ASSETS (bin/weir local envtest-assets)")
	}
	dir, err := os.MkdirTemp("", "weir-testenv-")
	if err != nil {
		return nil, err
	}
	cp := &ControlPlane{dir: dir, env: &envtest.Environment{CRDDirectoryPaths: []string{crdDir}, ErrorIfCRDPathMissing: true, BinaryAssetsDirectory: assets}}
	// envtest's /24 holds only 254 ClusterIPs; every app has a rest Service.
	cp.env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.96.0.0/12")
	if cp.Config, err = cp.env.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting etcd + kube-apiserver: %w", err)
	}
	if err := cp.init(); err != nil {
		cp.Stop()
		return nil, err
	}
	return cp, nil
}

func (cp *ControlPlane) init() error {
	user, err := cp.env.AddUser(envtest.User{Name: "weir-operator", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return err
	}
	cp.Kubeconfig = filepath.Join(cp.dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, kc, 0o600); err != nil {
		return err
	}
	cp.Config.QPS, cp.Config.Burst = 1000, 2000
	cp.Client, err = client.New(cp.Config, client.Options{Scheme: operator.NewScheme()})
	return err
}

// Stop stops the API server and etcd and removes the kubeconfig.
func (cp *ControlPlane) Stop() {
	_ = cp.env.Stop()
	os.RemoveAll(cp.dir)
}
