package localcluster

import (
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// RenderKubeconfig returns a kubeconfig with embedded credentials that points
// at the local API server.
func RenderKubeconfig(user string, caPEM, certPEM, keyPEM []byte) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["weir-local"] = &clientcmdapi.Cluster{Server: APIServerURL, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certPEM, ClientKeyData: keyPEM}
	cfg.Contexts["weir-local"] = &clientcmdapi.Context{Cluster: "weir-local", AuthInfo: user}
	cfg.CurrentContext = "weir-local"
	return clientcmd.Write(*cfg)
}

// kubeconfigUsers maps each kubeconfig to the client certificate it embeds.
var kubeconfigUsers = map[string]string{
	"admin":              "admin",
	"controller-manager": "controller-manager",
	"scheduler":          "scheduler",
	"kube-proxy":         "kube-proxy",
	"kubelet":            "kubelet-client",
	"observability":      "observability",
	ingressCert:          ingressCert,
}

// WriteKubeconfigs renders every kubeconfig from the PKI, rewriting only changed files.
func WriteKubeconfigs(l Layout) error {
	ca, err := LoadKeyPair(l, "ca")
	if err != nil {
		return err
	}
	for name, certName := range kubeconfigUsers {
		kp, err := LoadKeyPair(l, certName)
		if err != nil {
			return err
		}
		data, err := RenderKubeconfig(kp.Cert.Subject.CommonName, ca.CertPEM, kp.CertPEM, kp.KeyPEM)
		if err != nil {
			return err
		}
		path := l.Kubeconfig(name)
		if name == "admin" {
			path = l.AdminKubeconfig()
		}
		if _, err := writeIfChanged(path, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
