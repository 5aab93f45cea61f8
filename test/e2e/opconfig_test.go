package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/demo"
	"weir.dev/weir/internal/opconfig"
)

// runDynamicConfig is FKO's test_dynamic_config.sh on weir: a namespace default added to the
// operator's ConfigMap (flink-operator-config, from the chart's defaultConfiguration)
// reaches a running app's Flink configuration without a restart of the operator, once the
// kubelet has swapped the mounted file and the operator has reloaded it.
func runDynamicConfig(t *testing.T, ctx context.Context, r *demo.Runner, c *app.Clients, key types.NamespacedName) {
	opKey := types.NamespacedName{Namespace: "weir-system", Name: "flink-operator-config"}
	cm := &corev1.ConfigMap{}
	if err := c.Ctrl.Get(ctx, opKey, cm); err != nil {
		t.Fatalf("the chart's operator ConfigMap: %v", err)
	}
	original := cm.Data[opconfig.FileFlinkConf]
	line := opconfig.NamespaceDefaults + key.Namespace + ".weir.e2e.dynamic-config: reloaded"
	cm.Data[opconfig.FileFlinkConf] = strings.TrimRight(original, "\n") + "\n" + line + "\n"
	if err := c.Ctrl.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		back := &corev1.ConfigMap{}
		if err := c.Ctrl.Get(context.Background(), opKey, back); err == nil {
			back.Data[opconfig.FileFlinkConf] = original
			_ = c.Ctrl.Update(context.Background(), back)
		}
	})
	eventually(t, "the operator config's new default in the app's Flink configuration", func() error {
		appCM := &corev1.ConfigMap{}
		if err := c.Ctrl.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: "flink-config-" + key.Name}, appCM); err != nil {
			return err
		}
		if !strings.Contains(appCM.Data["flink-conf.yaml"], "weir.e2e.dynamic-config: reloaded") {
			return fmt.Errorf("not yet in flink-config-%s", key.Name)
		}
		return nil
	}, func() string { return operatorLog(ctx, c) })
	if _, err := r.Wait(ctx, c, key, app.TargetReady, readyTimeout); err != nil {
		t.Fatal(err)
	}
}
