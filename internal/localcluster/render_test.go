package localcluster

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	proxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

var testLayout = Layout{Root: "/data"}

// Strict decoding into the upstream types catches misspelt fields, which the
// kubelet and kube-proxy would otherwise reject only at start-up.
func TestKubeletConfigIsValid(t *testing.T) {
	var c kubeletv1beta1.KubeletConfiguration
	if err := yaml.UnmarshalStrict([]byte(KubeletConfig(testLayout)), &c); err != nil {
		t.Fatal(err)
	}
	if c.Address != BridgeIP || c.ReadOnlyPort != 0 || c.HealthzBindAddress != "127.0.0.1" {
		t.Errorf("listen addresses: %s %d %s", c.Address, c.ReadOnlyPort, c.HealthzBindAddress)
	}
	if c.CgroupDriver != "cgroupfs" || *c.OOMScoreAdj != 0 || *c.FailCgroupV1 {
		t.Error("cgroupfs, oomScoreAdj 0 and failCgroupV1 false are required on this host")
	}
	if c.ContainerRuntimeEndpoint != "unix:///data/containerd/containerd.sock" {
		t.Errorf("runtime endpoint %s", c.ContainerRuntimeEndpoint)
	}
	if len(c.ClusterDNS) != 1 || c.ClusterDNS[0] != DNSServiceIP || *c.ResolverConfig != "" {
		t.Errorf("DNS: %v %q", c.ClusterDNS, *c.ResolverConfig)
	}
	if c.EvictionHard["nodefs.available"] != "1%" {
		t.Errorf("evictionHard = %v", c.EvictionHard)
	}
}

func TestKubeProxyConfigIsValid(t *testing.T) {
	var c proxyv1alpha1.KubeProxyConfiguration
	if err := yaml.UnmarshalStrict([]byte(KubeProxyConfig(testLayout)), &c); err != nil {
		t.Fatal(err)
	}
	if c.Mode != "iptables" || c.BindAddress != BridgeIP || c.HostnameOverride != NodeName {
		t.Errorf("mode/bind/host: %s %s %s", c.Mode, c.BindAddress, c.HostnameOverride)
	}
	if *c.Conntrack.MaxPerCore != 0 || *c.OOMScoreAdj != 0 {
		t.Error("conntrack sysctls and oomScoreAdj must be left alone")
	}
	if c.ClientConnection.Kubeconfig != "/data/conf/kube-proxy.kubeconfig" {
		t.Errorf("kubeconfig %s", c.ClientConnection.Kubeconfig)
	}
}

func TestCNIConflist(t *testing.T) {
	s, err := CNIConflist(testLayout)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Plugins []struct {
			Type, Bridge     string
			IsDefaultGateway bool
			HairpinMode      bool
			IPAM             struct {
				DataDir string
				Routes  []struct{ Dst, GW string }
			}
		}
	}
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		t.Fatal(err)
	}
	br := c.Plugins[0]
	if br.Type != "bridge" || br.Bridge != BridgeName || br.IsDefaultGateway || !br.HairpinMode {
		t.Errorf("bridge plugin: %+v", br)
	}
	if br.IPAM.DataDir != "/data/cni/ipam" || len(br.IPAM.Routes) != 1 || br.IPAM.Routes[0].Dst != ServiceCIDR {
		t.Errorf("ipam: %+v", br.IPAM)
	}
}

func TestContainerdConfigHasMandatorySettings(t *testing.T) {
	c := ContainerdConfig(testLayout)
	for _, want := range []string{
		`restrict_oom_score_adj = true`,
		`sandbox_image = "localhost/weir/pause:1"`,
		`address = "/data/containerd/containerd.sock"`,
		`bin_dir = "/usr/lib/cni"`,
		`conf_dir = "/data/cni/net.d"`,
		`SystemdCgroup = false`,
		`netns_mounts_under_state_dir = true`,
	} {
		if !strings.Contains(c, want) {
			t.Errorf("containerd config lacks %s", want)
		}
	}
}

func TestKubeconfigEmbedsCredentials(t *testing.T) {
	raw, err := RenderKubeconfig("admin", []byte("CA"), []byte("CERT"), []byte("KEY"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if cfg.Clusters[ctx.Cluster].Server != "https://10.88.0.1:6443" || string(cfg.Clusters[ctx.Cluster].CertificateAuthorityData) != "CA" {
		t.Errorf("cluster: %+v", cfg.Clusters[ctx.Cluster])
	}
	if string(cfg.AuthInfos[ctx.AuthInfo].ClientKeyData) != "KEY" {
		t.Error("client key not embedded")
	}
}

func TestNoDaemonListensOnAllInterfaces(t *testing.T) {
	bin := Binaries{}
	for _, d := range Daemons(testLayout, bin) {
		for _, a := range d.Args {
			if strings.Contains(a, "0.0.0.0") {
				t.Errorf("%s binds to all interfaces: %s", d.Name, a)
			}
		}
		for _, p := range d.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") && !strings.HasPrefix(p, BridgeIP+":") {
				t.Errorf("%s port %s is neither loopback nor bridge", d.Name, p)
			}
		}
	}
	for _, s := range []string{KubeletConfig(testLayout), KubeProxyConfig(testLayout)} {
		if strings.Contains(s, "0.0.0.0") {
			t.Errorf("config binds to all interfaces:\n%s", s)
		}
	}
}

func TestCorefileHasNoForwarder(t *testing.T) {
	c := Corefile()
	if strings.Contains(c, "forward") {
		t.Error("the cluster has no route off the machine; forwarding would only time out")
	}
	if !strings.Contains(c, "kubernetes cluster.local") || !strings.Contains(c, "rcode NXDOMAIN") {
		t.Errorf("Corefile:\n%s", c)
	}
	o := NewCoreDNSObjects("img")
	if o.Service.Spec.ClusterIP != DNSServiceIP || o.ConfigMap.Data["Corefile"] != c {
		t.Error("CoreDNS objects not wired to the fixed IP and Corefile")
	}
	if o.Deployment.Spec.Template.Spec.Containers[0].ImagePullPolicy != "Never" {
		t.Error("the local image must never be pulled")
	}
}
