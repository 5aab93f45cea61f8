package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// checkUIThroughIngress opens the app's Flink UI the way a developer does on the local
// platform: through the ingress controller's web entrypoint on the host, with the host of
// the Ingress weir made from the profile's template in the Host header. The JobManager's
// REST API must answer /config with its Flink version, and Traefik must have published
// its address in the Ingress's status.
func checkUIThroughIngress(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName) {
	t.Helper()
	ing := &networkingv1.Ingress{}
	if err := c.Ctrl.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: resources.Names(key.Name).Ingress}, ing); err != nil {
		t.Fatalf("%s: the profile's ingress template made no Ingress: %v", key, err)
	}
	if len(ing.Spec.Rules) == 0 || ing.Spec.Rules[0].Host == "" {
		t.Fatalf("%s: Ingress %s has no host rule: %+v", key, ing.Name, ing.Spec)
	}
	host := ing.Spec.Rules[0].Host
	url := localcluster.IngressEndpoint() + "/config"
	hc := &http.Client{Timeout: 10 * time.Second}
	poll := testenv.Poll{Ctx: ctx, Limit: 2 * time.Minute, Interval: time.Second}
	testenv.Eventually(t, fmt.Sprintf("%s's UI at %s with Host %s", key, url, host), poll, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Host = host
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %s", resp.StatusCode, body)
		}
		var conf struct {
			FlinkVersion string `json:"flink-version"`
		}
		if err := json.Unmarshal(body, &conf); err != nil {
			return fmt.Errorf("not the JobManager's /config: %s: %w", body, err)
		}
		if conf.FlinkVersion == "" {
			return fmt.Errorf("not the JobManager's /config (no flink-version): %s", body)
		}
		return nil
	})
	testenv.Eventually(t, fmt.Sprintf("the address of Ingress %s/%s", ing.Namespace, ing.Name), poll, func() error {
		cur := &networkingv1.Ingress{}
		if err := c.Ctrl.Get(ctx, client.ObjectKeyFromObject(ing), cur); err != nil {
			return err
		}
		if lb := cur.Status.LoadBalancer.Ingress; len(lb) != 1 || lb[0].IP != localcluster.BridgeIP {
			return fmt.Errorf("status.loadBalancer.ingress = %+v, want %s", lb, localcluster.BridgeIP)
		}
		return nil
	})
}
