package localcluster

import (
	"crypto/x509"
	"net"
	"slices"
	"testing"
	"time"
)

func TestCertsChainToTheirCA(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("test-ca", now)
	if err != nil {
		t.Fatal(err)
	}
	fp, err := NewCA("test-front-proxy", now)
	if err != nil {
		t.Fatal(err)
	}
	cas := map[string]*KeyPair{"ca": ca, "front-proxy-ca": fp}
	for _, spec := range CertSpecs() {
		kp, err := cas[spec.CA].Sign(spec, now)
		if err != nil {
			t.Fatalf("%s: %v", spec.File, err)
		}
		// Round-trip through PEM like the files on disk.
		kp, err = ParseKeyPair(kp.CertPEM, kp.KeyPEM)
		if err != nil {
			t.Fatalf("%s: %v", spec.File, err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(cas[spec.CA].Cert)
		usage := x509.ExtKeyUsageClientAuth
		if spec.Server {
			usage = x509.ExtKeyUsageServerAuth
		}
		if _, err := kp.Cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: now}); err != nil {
			t.Errorf("%s does not verify against %s: %v", spec.File, spec.CA, err)
		}
		other := cas["ca"]
		if spec.CA == "ca" {
			other = fp
		}
		pool2 := x509.NewCertPool()
		pool2.AddCert(other.Cert)
		if _, err := kp.Cert.Verify(x509.VerifyOptions{Roots: pool2, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			t.Errorf("%s verifies against the wrong CA", spec.File)
		}
	}
}

func TestAPIServerCertCoversEveryName(t *testing.T) {
	ca, _ := NewCA("ca", time.Now())
	var spec CertSpec
	for _, s := range CertSpecs() {
		if s.File == "apiserver" {
			spec = s
		}
	}
	kp, err := ca.Sign(spec, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", BridgeIP, KubernetesSvc, "127.0.0.1"} {
		if err := kp.Cert.VerifyHostname(host); err != nil {
			t.Errorf("apiserver cert: %v", err)
		}
	}
	if kp.Cert.VerifyHostname("10.96.0.2") == nil {
		t.Error("apiserver cert should not cover arbitrary IPs")
	}
}

func TestClientIdentities(t *testing.T) {
	want := map[string][2]string{
		"admin":          {"admin", "system:masters"},
		"kubelet-client": {"system:node:" + NodeName, "system:nodes"},
		"kube-proxy":     {"system:kube-proxy", ""},
		"observability":  {"weir:observability", ""},
	}
	ca, _ := NewCA("ca", time.Now())
	for _, s := range CertSpecs() {
		w, ok := want[s.File]
		if !ok {
			continue
		}
		kp, err := ca.Sign(s, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if kp.Cert.Subject.CommonName != w[0] {
			t.Errorf("%s CN = %q, want %q", s.File, kp.Cert.Subject.CommonName, w[0])
		}
		if w[1] != "" && !slices.Contains(kp.Cert.Subject.Organization, w[1]) {
			t.Errorf("%s O = %v, want %q", s.File, kp.Cert.Subject.Organization, w[1])
		}
		delete(want, s.File)
	}
	if len(want) != 0 {
		t.Errorf("missing certs: %v", want)
	}
}

func TestSignRejectsUselessSpec(t *testing.T) {
	ca, _ := NewCA("ca", time.Now())
	if _, err := ca.Sign(CertSpec{File: "x", CN: "x", IPs: []net.IP{net.ParseIP("1.2.3.4")}}, time.Now()); err == nil {
		t.Fatal("a cert that is neither client nor server should be refused")
	}
	if _, err := ParseKeyPair([]byte("junk"), []byte("junk")); err == nil {
		t.Fatal("junk PEM parsed")
	}
}

func TestEnsurePKIKeepsExistingFiles(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	if err := EnsurePKI(l, time.Now()); err != nil {
		t.Fatal(err)
	}
	first, err := LoadKeyPair(l, "apiserver")
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsurePKI(l, time.Now()); err != nil {
		t.Fatal(err)
	}
	second, _ := LoadKeyPair(l, "apiserver")
	if first.Cert.SerialNumber.Cmp(second.Cert.SerialNumber) != 0 {
		t.Error("second EnsurePKI replaced an existing certificate")
	}
	if err := WriteKubeconfigs(l); err != nil {
		t.Fatal(err)
	}
	if !exists(l.AdminKubeconfig()) || !exists(l.Kubeconfig("kubelet")) {
		t.Error("kubeconfigs not written")
	}
}
