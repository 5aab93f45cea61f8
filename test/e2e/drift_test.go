package e2e

import (
	"context"
	"errors"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/resources"
	"weir.dev/weir/internal/testenv"
)

// checkRestServiceRestored deletes the rest Service of a running application and waits
// for the operator to re-create it (docs/lifecycle.md, drift repair): the same job, with
// the same id and start time, answers through the new Service, and the JobManager
// Deployment was not replaced.
func checkRestServiceRestored(t *testing.T, ctx context.Context, c *app.Clients, key types.NamespacedName, jobID string) {
	t.Helper()
	name := resources.Names(key.Name).RestService
	jmBefore, err := c.Core.AppsV1().Deployments(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type jobInfo struct {
		ID        string `json:"jid"`
		State     string `json:"state"`
		StartTime int64  `json:"start-time"`
	}
	url, err := c.UIURL(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var before jobInfo
	getJSON(t, ctx, url+"/jobs/"+jobID, &before)

	old, err := c.Core.CoreV1().Services(key.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Core.CoreV1().Services(key.Namespace).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete rest Service: %v", err)
	}
	testenv.Eventually(t, "the operator to re-create rest Service "+name,
		testenv.Poll{Limit: 2 * time.Minute, Interval: time.Second, Ctx: ctx, Diagnose: func() string { return c.Diagnose(ctx, key, 40) }},
		func() error {
			svc, err := c.Core.CoreV1().Services(key.Namespace).Get(ctx, name, metav1.GetOptions{})
			switch {
			case err != nil:
				return err
			case svc.UID == old.UID:
				return errors.New("still the old Service")
			}
			return nil
		})
	if url, err = c.UIURL(ctx, key); err != nil {
		t.Fatal(err)
	}
	var after jobInfo
	getJSON(t, ctx, url+"/jobs/"+jobID, &after)
	if after.ID != before.ID || after.StartTime != before.StartTime || after.State != "RUNNING" {
		t.Errorf("job through the re-created Service: %+v, before the delete: %+v", after, before)
	}
	jmAfter, err := c.Core.AppsV1().Deployments(key.Namespace).Get(ctx, key.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if jmAfter.UID != jmBefore.UID || jmAfter.Generation != jmBefore.Generation {
		t.Errorf("JobManager Deployment replaced or changed while the rest Service was restored")
	}
}
