package localcluster

import (
	"slices"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"
)

func TestTraefikConfig(t *testing.T) {
	raw, err := localTraefikConfig()
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		EntryPoints map[string]struct {
			Address   string `json:"address"`
			AsDefault bool   `json:"asDefault"`
		} `json:"entryPoints"`
		Ping      struct{ EntryPoint string } `json:"ping"`
		Providers struct {
			KubernetesIngress struct {
				IngressEndpoint struct{ IP string } `json:"ingressEndpoint"`
			} `json:"kubernetesIngress"`
		} `json:"providers"`
		Global map[string]bool `json:"global"`
		Log    struct {
			Level   string
			NoColor bool `json:"noColor"`
		} `json:"log"`
	}
	if err := yaml.UnmarshalStrict([]byte(raw), &cfg); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	var web []string
	for name, ep := range cfg.EntryPoints {
		if name == "traefik" {
			if ep.Address != "127.0.0.1:8089" || ep.AsDefault {
				t.Errorf("ping entrypoint = %+v, want loopback 8089 and no Ingress routers", ep)
			}
			continue
		}
		if !ep.AsDefault {
			t.Errorf("entrypoint %s does not take Ingress routers", name)
		}
		web = append(web, ep.Address)
	}
	slices.Sort(web)
	if want := []string{"10.88.0.1:8088", "127.0.0.1:8088"}; !slices.Equal(web, want) {
		t.Errorf("web entrypoints on %v, want %v", web, want)
	}
	if cfg.Ping.EntryPoint != "traefik" || cfg.Providers.KubernetesIngress.IngressEndpoint.IP != BridgeIP {
		t.Errorf("config = %+v", cfg)
	}
	if cfg.Global["checkNewVersion"] || cfg.Global["sendAnonymousUsage"] {
		t.Errorf("Traefik would call home: %v", cfg.Global)
	}
}

func TestIngressDaemon(t *testing.T) {
	l := Layout{Root: "/var/lib/weir/local"}
	d := ingressDaemon(l, Binaries{"traefik": "/cache/traefik"})
	// down finds a leftover process by its binary and the data dir in its arguments.
	if !strings.Contains(strings.Join(d.Args, " "), l.Root) {
		t.Errorf("args %v do not name the data dir", d.Args)
	}
	if !slices.Contains(d.Env, "KUBECONFIG="+l.Kubeconfig(ingressCert)) {
		t.Errorf("env %v", d.Env)
	}
	if want := []string{"127.0.0.1:8088", "10.88.0.1:8088", "127.0.0.1:8089"}; !slices.Equal(d.Ports, want) {
		t.Errorf("ports %v, want %v", d.Ports, want)
	}
	if DaemonByName(Daemons(l, Binaries{}), "traefik").Probe.URL != "http://127.0.0.1:8089/ping" {
		t.Error("the cluster's daemons lack Traefik with its /ping probe")
	}
}

func TestIngressObjects(t *testing.T) {
	o := NewIngressObjects(ingressUser)
	if o.Class.Name != IngressClassName || o.Class.Annotations[networkingv1.AnnotationIsDefaultIngressClass] != "true" || o.Class.Spec.Controller != "traefik.io/ingress-controller" {
		t.Errorf("class = %+v", o.Class)
	}
	if s := o.RoleBinding.Subjects; len(s) != 1 || s[0].Name != ingressUser || o.RoleBinding.RoleRef.Name != o.Role.Name {
		t.Errorf("binding = %+v", o.RoleBinding)
	}
}
