package s3local

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
)

func TestArgsServeRootOnListenWithHealth(t *testing.T) {
	got := Args("10.88.0.1:29000", "/data/s3/buckets")
	want := []string{"--port", "10.88.0.1:29000", "--region", Region, "--health", "/health", "--quiet", "posix", "/data/s3/buckets"}
	if !slices.Equal(got, want) {
		t.Errorf("Args = %q\nwant   %q", got, want)
	}
	// The backend and its directory come last: versitygw reads global flags before the subcommand.
	if got[len(got)-2] != "posix" {
		t.Errorf("posix must be the subcommand: %q", got)
	}
}

func TestCredentialsGoInTheEnvironmentOnly(t *testing.T) {
	c := Credentials{AccessKeyID: "WEIRKEY", SecretAccessKey: "s3cr3t"}
	env := Env(c)
	if !slices.Equal(env, []string{"ROOT_ACCESS_KEY_ID=WEIRKEY", "ROOT_SECRET_ACCESS_KEY=s3cr3t"}) {
		t.Errorf("Env = %q", env)
	}
	for _, a := range Args("10.88.0.1:29000", "/r") {
		if strings.Contains(a, "s3cr3t") || strings.Contains(a, "WEIRKEY") {
			t.Errorf("credentials in the command line: %q", a)
		}
	}
}

func TestGenerateHasAWSShapesAndDiffers(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.AccessKeyID) != 20 || !strings.HasPrefix(a.AccessKeyID, "WEIR") || len(a.SecretAccessKey) != 40 {
		t.Errorf("shapes: %d %q %d", len(a.AccessKeyID), a.AccessKeyID[:4], len(a.SecretAccessKey))
	}
	if a == b {
		t.Error("two generated key pairs are equal")
	}
}

func TestLoadOrCreateWritesOnceWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s3", "credentials.env")
	first, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first: created=%v err=%v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	again, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second: created=%v err=%v", created, err)
	}
	if again != first {
		t.Error("second call returned other credentials than the file's")
	}
	raw, _ := os.ReadFile(path)
	if want := "AWS_ACCESS_KEY_ID=" + first.AccessKeyID + "\nAWS_SECRET_ACCESS_KEY=" + first.SecretAccessKey + "\n"; string(raw) != want {
		t.Errorf("file:\n%s\nwant:\n%s", raw, want)
	}
}

func TestLoadOrCreateRejectsAnIncompleteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "credentials.env")
	if err := os.WriteFile(path, []byte("AWS_ACCESS_KEY_ID=X\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCreate(path)
	if err == nil || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") {
		t.Errorf("err = %v, want one naming the missing key", err)
	}
}

func TestObjectsPointTheServiceAtTheHost(t *testing.T) {
	c := Credentials{AccessKeyID: "WEIRKEY", SecretAccessKey: "s3cr3t"}
	o := NewObjects("10.88.0.1", c)
	if o.Service.Namespace != Namespace || o.Service.Name != ServiceName || len(o.Service.Spec.Selector) != 0 {
		t.Errorf("service %s/%s selector %v: want one without a selector", o.Service.Namespace, o.Service.Name, o.Service.Spec.Selector)
	}
	if len(o.Service.Spec.Ports) != 1 || o.Service.Spec.Ports[0].Port != Port || o.Service.Spec.Ports[0].Name != "http" {
		t.Errorf("service ports %+v", o.Service.Spec.Ports)
	}
	es := o.EndpointSlice
	if es.Namespace != Namespace || es.Labels[discoveryv1.LabelServiceName] != ServiceName {
		t.Errorf("slice %s/%s labels %v: not bound to the service", es.Namespace, es.Name, es.Labels)
	}
	if es.Labels[discoveryv1.LabelManagedBy] == "endpointslice-controller.k8s.io" {
		t.Error("the endpoint slice controller would delete a slice claimed as its own")
	}
	if len(es.Endpoints) != 1 || !slices.Equal(es.Endpoints[0].Addresses, []string{"10.88.0.1"}) || !*es.Endpoints[0].Conditions.Ready {
		t.Errorf("endpoints %+v", es.Endpoints)
	}
	// kube-proxy matches the slice's port to the service's port by name.
	if len(es.Ports) != 1 || *es.Ports[0].Name != o.Service.Spec.Ports[0].Name || *es.Ports[0].Port != Port {
		t.Errorf("slice ports %+v", es.Ports)
	}
	if o.Namespace.Name != Namespace {
		t.Errorf("namespace %s", o.Namespace.Name)
	}
	if ClusterEndpoint() != "http://weir-s3.weir-system.svc:29000" {
		t.Errorf("ClusterEndpoint = %s", ClusterEndpoint())
	}
}

func TestCredentialsSecretHoldsTheAWSVariables(t *testing.T) {
	s := CredentialsSecret("apps", Credentials{AccessKeyID: "WEIRKEY", SecretAccessKey: "s3cr3t"})
	if s.Namespace != "apps" || s.Name != SecretName {
		t.Errorf("secret %s/%s", s.Namespace, s.Name)
	}
	if string(s.Data["AWS_ACCESS_KEY_ID"]) != "WEIRKEY" || string(s.Data["AWS_SECRET_ACCESS_KEY"]) != "s3cr3t" || len(s.Data) != 2 {
		t.Errorf("data keys %v", s.Data)
	}
}

func TestBucketsAreValidS3Names(t *testing.T) {
	for _, b := range Buckets {
		if len(b) < 3 || len(b) > 63 || strings.ToLower(b) != b || strings.ContainsAny(b, "_. ") {
			t.Errorf("bucket %q is not a valid path-style bucket name", b)
		}
	}
}
