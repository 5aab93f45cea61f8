package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
)

// runWebhook checks the chart's admission webhook (webhook.create, the default): through
// the webhook Service and the CA the operator wrote into the caBundle, the API server
// refuses a bad spec at create with the reconciler's message, and admits a good one.
// failurePolicy is Ignore, so a webhook that is not reached shows here as an admitted spec.
func runWebhook(t *testing.T, ctx context.Context, c *app.Clients) {
	parallelism := appDeployment("e2e-webhook-parallelism", v1beta1.ModeNative)
	parallelism.Spec.Job.Parallelism = 0
	typo, err := runtime.DefaultUnstructuredConverter.ToUnstructured(sessionDeployment("e2e-webhook-typo"))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: typo}
	u.SetAPIVersion("flink.apache.org/v1beta1")
	u.SetKind("FlinkDeployment")
	if err := unstructured.SetNestedField(u.Object, map[string]any{"spec": map[string]any{"nodeSelecter": map[string]any{"disk": "ssd"}}}, "spec", "podTemplate"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		obj  client.Object
		want string
	}{
		{parallelism, "Job parallelism must be larger than 0"},
		{u, "spec.podTemplate: spec.nodeSelecter: unknown field"},
	} {
		// The operator is ready (its readiness waits for its certificate); the Service's
		// endpoints may lag a moment behind.
		eventually(t, "the webhook's refusal of "+tc.obj.GetName(), func() error {
			err := c.Ctrl.Create(ctx, tc.obj.DeepCopyObject().(client.Object))
			if err == nil {
				_ = c.Ctrl.Delete(ctx, tc.obj.DeepCopyObject().(client.Object))
				return errAdmitted
			}
			if !strings.Contains(err.Error(), "denied the request") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("create %s: want the webhook's denial with %q, got %v", tc.obj.GetName(), tc.want, err)
			}
			return nil
		}, func() string { return operatorLog(ctx, c) })
	}
	good := sessionDeployment("e2e-webhook-good")
	if err := c.Ctrl.Create(ctx, good, client.DryRunAll); err != nil {
		t.Fatalf("a valid FlinkDeployment was refused: %v", err)
	}
}

var errAdmitted = errors.New("a bad spec was admitted")
