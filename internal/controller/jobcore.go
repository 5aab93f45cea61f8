package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/rest"
	"weir.dev/weir/internal/resources"
)

// jobCore is what the FlinkDeployment and FlinkSessionJob reconcilers share: both keep a
// job's rollout in the same CommonStatus (write-ahead record, savepoint triggers, history,
// status.error), so each step on it is written once here, for either resource
// (jobcore_record.go, jobcore_savepoint.go, jobcore_loop.go, savepoint_poll.go).
type jobCore[T client.Object] struct {
	client   client.Client
	recorder record.EventRecorder
	clock    clock.PassiveClock
	status   func(T) *v1beta1.CommonStatus
	where    string // who answers for the job in messages: "the JobManager", "the session cluster"
	// recorded, when set, learns of each savepoint poll has recorded (snapshot_resources.go).
	recorded func(ctx context.Context, obj T, sp v1beta1.Savepoint)
	// stops holds back the next stop-with-savepoint of a resource whose last one failed.
	stops *stopBackoff
}

func (c jobCore[T]) jobStatus(obj T) *v1beta1.JobStatus { return &c.status(obj).JobStatus }

// reportBlocked records why no safe step exists, once as an event and in status.error.
func (c jobCore[T]) reportBlocked(ctx context.Context, obj T, reason string) error {
	e := statusError(errTypeReconcile, reason)
	if c.status(obj).Error != e {
		c.recorder.Event(obj, corev1.EventTypeWarning, ReasonError, reason)
	}
	return patchStatus(ctx, c.client, obj, func(o T) { c.status(o).Error = e })
}

// restClient opens a REST client for the cluster of FlinkDeployment ns/name, addressed by
// its rest Service; nil (and its URL "") while that Service does not exist.
func restClient(ctx context.Context, c client.Reader, factory FlinkClientFactory, ns, name string) (rest.API, string, error) {
	svc := &corev1.Service{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: resources.Names(name).RestService}, svc); err != nil {
		return nil, "", client.IgnoreNotFound(err)
	}
	url := restURL(svc)
	fl, err := factory(url)
	return fl, url, err
}
