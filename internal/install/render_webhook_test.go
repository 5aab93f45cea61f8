package install

import (
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

func decodeInto[T any](t *testing.T, o map[string]any) *T {
	t.Helper()
	if o == nil {
		return nil
	}
	raw, _ := yaml.Marshal(o)
	out := new(T)
	if err := yaml.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// flagValue is the value of --name=value among args ("" when absent).
func flagValue(args []string, name string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// The chart's webhook (webhook.create, default true): a configuration without caBundle for
// the operator to fill, a Service to the operator's webhook port, and rights on exactly
// the Secret and the configuration the operator's flags name.
func TestChartWebhook(t *testing.T) {
	objs := renderObjects(t, map[string]any{"watchNamespaces": []any{"apps"}})
	dep := decodeInto[appsv1.Deployment](t, objs["Deployment weir-system/weir-operator"])
	args := dep.Spec.Template.Spec.Containers[0].Args
	cfgName := flagValue(args, "webhook-configuration")
	secret := flagValue(args, "webhook-secret")
	if flagValue(args, "webhook-port") != "9443" || cfgName == "" || secret == "" ||
		flagValue(args, "webhook-namespace") != "weir-system" || flagValue(args, "webhook-service") != "weir-operator-webhook" {
		t.Fatalf("operator webhook flags: %v", args)
	}
	vwc := decodeInto[admissionregistrationv1.ValidatingWebhookConfiguration](t, objs["ValidatingWebhookConfiguration /"+cfgName])
	if vwc == nil || len(vwc.Webhooks) != 1 {
		t.Fatalf("no ValidatingWebhookConfiguration %s: %v", cfgName, objs)
	}
	w := vwc.Webhooks[0]
	if len(w.ClientConfig.CABundle) != 0 || w.ClientConfig.Service == nil || w.ClientConfig.Service.Name != "weir-operator-webhook" ||
		w.ClientConfig.Service.Path == nil || *w.ClientConfig.Service.Path != "/validate" {
		t.Errorf("clientConfig: %+v", w.ClientConfig)
	}
	if w.FailurePolicy == nil || *w.FailurePolicy != admissionregistrationv1.Ignore {
		t.Errorf("failurePolicy %v, want Ignore (docs/webhook.md)", w.FailurePolicy)
	}
	if w.NamespaceSelector == nil || len(w.NamespaceSelector.MatchExpressions) != 1 || !slices.Equal(w.NamespaceSelector.MatchExpressions[0].Values, []string{"apps"}) {
		t.Errorf("namespaceSelector %+v, want the watched namespaces", w.NamespaceSelector)
	}
	if r := w.Rules; len(r) != 1 || !slices.Equal(r[0].Resources, []string{"flinkdeployments", "flinksessionjobs", "flinkstatesnapshots"}) ||
		!slices.Equal(r[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) {
		t.Errorf("rules %+v", w.Rules)
	}
	if objs["Service weir-system/weir-operator-webhook"] == nil {
		t.Error("no webhook Service")
	}
	var port bool
	for _, p := range dep.Spec.Template.Spec.Containers[0].Ports {
		port = port || (p.Name == "webhook" && p.ContainerPort == 9443)
	}
	if !port {
		t.Error("no webhook container port")
	}

	role := decodeInto[rbacv1.Role](t, objs["Role weir-system/weir-operator-webhook"])
	if role == nil {
		t.Fatal("no Role for the webhook Secret")
	}
	checkLeastPrivilege(t, "webhook Role", role.Rules)
	for _, r := range role.Rules {
		named := slices.Equal(r.ResourceNames, []string{secret})
		if !slices.Equal(r.Resources, []string{"secrets"}) || (!named && !slices.Equal(r.Verbs, []string{"create"})) {
			t.Errorf("webhook Role rule beyond its Secret: %+v", r)
		}
	}
	cr := decodeInto[rbacv1.ClusterRole](t, objs["ClusterRole /"+cfgName+"-webhook"])
	if cr == nil || len(cr.Rules) != 1 || !slices.Equal(cr.Rules[0].ResourceNames, []string{cfgName}) {
		t.Fatalf("ClusterRole for the caBundle: %+v", cr)
	}

	off := renderObjects(t, map[string]any{"webhook": map[string]any{"create": false}})
	for k := range off {
		if strings.Contains(k, "webhook") {
			t.Errorf("webhook.create=false renders %s", k)
		}
	}
	offDep := decodeInto[appsv1.Deployment](t, off["Deployment weir-system/weir-operator"])
	if flagValue(offDep.Spec.Template.Spec.Containers[0].Args, "webhook-port") != "" {
		t.Error("webhook.create=false still serves the webhook")
	}
}

// With cert-manager the operator makes no certificate: it reads the Certificate's Secret
// and cert-manager fills the caBundle.
func TestChartWebhookCertManager(t *testing.T) {
	objs := renderObjects(t, map[string]any{"webhook": map[string]any{"certManager": map[string]any{"enabled": true}}})
	dep := decodeInto[appsv1.Deployment](t, objs["Deployment weir-system/weir-operator"])
	args := dep.Spec.Template.Spec.Containers[0].Args
	if flagValue(args, "webhook-cert-dir") == "" || flagValue(args, "webhook-configuration") != "" {
		t.Errorf("operator flags with cert-manager: %v", args)
	}
	if objs["Certificate weir-system/weir-operator-webhook"] == nil || objs["Role weir-system/weir-operator-webhook"] != nil {
		t.Errorf("cert-manager objects: %v", objs)
	}
}
