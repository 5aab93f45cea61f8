package webhook_test

import (
	"context"
	"encoding/json"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/webhook"
)

// The webhook judges only what this operator watches: another operator's namespaces and
// labels are admitted unchecked.
func TestValidatorScope(t *testing.T) {
	sch := runtime.NewScheme()
	if err := v1beta1.AddToScheme(sch); err != nil {
		t.Fatal(err)
	}
	sel, err := labels.Parse("team=a")
	if err != nil {
		t.Fatal(err)
	}
	v := &webhook.Validator{Decoder: admission.NewDecoder(sch), Namespaces: []string{"apps"}, Selector: sel}
	request := func(ns string, lbls map[string]string) admission.Request {
		u := mustObject(deploymentYAML("scoped", "parallelism: 0"))
		u.SetNamespace(ns)
		u.SetLabels(lbls)
		raw, err := json.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			Operation: admissionv1.Create, Namespace: ns,
			Kind:   metav1.GroupVersionKind{Group: "flink.apache.org", Version: "v1beta1", Kind: "FlinkDeployment"},
			Object: runtime.RawExtension{Raw: raw},
		}}
	}
	for _, c := range []struct {
		ns      string
		labels  map[string]string
		allowed bool
	}{
		{"apps", map[string]string{"team": "a"}, false},
		{"other", map[string]string{"team": "a"}, true},
		{"apps", map[string]string{"team": "b"}, true},
	} {
		res := v.Handle(context.Background(), request(c.ns, c.labels))
		if res.Allowed != c.allowed {
			t.Errorf("%s %v: allowed %v, want %v (%v)", c.ns, c.labels, res.Allowed, c.allowed, res.Result)
		}
	}
}
