package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

type key struct{ ns, name string }

// The objects every app must have: JobManager Deployment, ConfigMap, rest and internal Services.
const (
	haveJM = 1 << iota
	haveConfig
	haveRest
	haveInternal
	haveAll = haveJM | haveConfig | haveRest | haveInternal
)

type appTimes struct {
	created, done time.Time
	have          int
}

// tracker records when each app was created and when its last object appeared.
type tracker struct {
	mu   sync.Mutex
	apps map[key]*appTimes
	done int
	cond *sync.Cond
}

func newTracker() *tracker {
	t := &tracker{apps: map[key]*appTimes{}}
	t.cond = sync.NewCond(&t.mu)
	return t
}

func (t *tracker) get(k key) *appTimes {
	a := t.apps[k]
	if a == nil {
		a = &appTimes{}
		t.apps[k] = a
	}
	return a
}

func (t *tracker) created(k key, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.get(k).created = at
}

func (t *tracker) seen(k key, bit int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.get(k)
	if a.have == haveAll {
		return
	}
	a.have |= bit
	if a.have == haveAll {
		a.done = at
		t.done++
		t.cond.Broadcast()
	}
}

func (t *tracker) waitAll(ctx context.Context, n int, within time.Duration) error {
	return t.wait(ctx, within, func() bool { return t.done >= n }, func() string { return fmt.Sprintf("%d of %d apps have their objects", t.done, n) })
}

func (t *tracker) waitOne(ctx context.Context, k key, within time.Duration) error {
	return t.wait(ctx, within, func() bool { return t.get(k).have == haveAll }, func() string { return k.ns + "/" + k.name + " lacks objects" })
}

func (t *tracker) wait(ctx context.Context, within time.Duration, ok func() bool, what func() string) error {
	deadline := time.Now().Add(within)
	stop := time.AfterFunc(within, func() { t.mu.Lock(); t.cond.Broadcast(); t.mu.Unlock() })
	defer stop.Stop()
	t.mu.Lock()
	defer t.mu.Unlock()
	for !ok() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("gave up after %s: %s", within, what())
		}
		t.cond.Wait()
	}
	return nil
}

func (t *tracker) latency(k key) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.get(k)
	return a.done.Sub(a.created)
}

// latencies returns every finished app's creation-to-objects time, ascending.
func (t *tracker) latencies() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []time.Duration
	for _, a := range t.apps {
		if a.have == haveAll && !a.created.IsZero() {
			out = append(out, a.done.Sub(a.created))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// watchObjects notes each app's objects as they appear (informers: the time is the watch
// event's, within milliseconds of the create) and hands new JobManager Deployments to
// the kubelet stand-in.
func watchObjects(ctx context.Context, cs kubernetes.Interface, t *tracker, ready chan<- *appsv1.Deployment, jmReady bool) {
	fac := informers.NewSharedInformerFactory(cs, 0)
	on := func(inf cache.SharedIndexInformer, f func(obj any)) {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) { f(obj) }})
	}
	on(fac.Apps().V1().Deployments().Informer(), func(obj any) {
		d := obj.(*appsv1.Deployment)
		if d.Labels["component"] != "jobmanager" {
			return
		}
		t.seen(key{d.Namespace, d.Labels["app"]}, haveJM, time.Now())
		if jmReady {
			select {
			case ready <- d.DeepCopy():
			case <-ctx.Done():
			}
		}
	})
	on(fac.Core().V1().ConfigMaps().Informer(), func(obj any) {
		cm := obj.(*corev1.ConfigMap)
		if app, ok := strings.CutPrefix(cm.Name, "flink-config-"); ok {
			t.seen(key{cm.Namespace, app}, haveConfig, time.Now())
		}
	})
	on(fac.Core().V1().Services().Informer(), func(obj any) {
		s := obj.(*corev1.Service)
		app := s.Labels["app"]
		if app == "" {
			return
		}
		bit := haveInternal
		if s.Name == app+"-rest" {
			bit = haveRest
		}
		t.seen(key{s.Namespace, app}, bit, time.Now())
	})
	fac.Start(ctx.Done())
	fac.WaitForCacheSync(ctx.Done())
}
