package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
)

// withSavepointOnDeletion makes the deployment's deletion stop its job with a savepoint
// first (kubernetes.operator.job.savepoint-on-deletion). The savepoint goes to the
// JobManager's and TaskManager's own disks: what is proven is the operator's side (real
// Flink stops the job with a savepoint before the resource goes), not shared storage,
// which the lifecycle suite covers.
func withSavepointOnDeletion(d *v1beta1.FlinkDeployment) *v1beta1.FlinkDeployment {
	conf, _ := d.Spec.FlinkConfiguration.Flatten()
	conf["kubernetes.operator.job.savepoint-on-deletion"] = "true"
	conf["state.savepoints.dir"] = "file:///tmp/flink-savepoints"
	d.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	return d
}

func savepointOnDeletion(d *v1beta1.FlinkDeployment) bool {
	conf, _ := d.Spec.FlinkConfiguration.Flatten()
	return conf["kubernetes.operator.job.savepoint-on-deletion"] == "true"
}

// assertFinalSavepointEvent checks, after the deployment is gone, that its Cleanup Event
// names the savepoint its job was stopped with.
func assertFinalSavepointEvent(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) {
	t.Helper()
	eventually(t, "a Cleanup Event of "+key.Name+" naming its final savepoint", func() error {
		evs, err := c.Core.CoreV1().Events(key.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + key.Name})
		if err != nil {
			return err
		}
		var seen []string
		for _, e := range evs.Items {
			if e.Reason == "Cleanup" && strings.Contains(e.Message, "; final savepoint file:/") {
				t.Logf("%s: %s", e.Reason, e.Message)
				return nil
			}
			seen = append(seen, e.Reason+": "+e.Message)
		}
		return fmt.Errorf("events: %q", seen)
	}, nil)
}
