package controller

import (
	"context"
	"fmt"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/lifecycle"
	"weir.dev/weir/internal/opconfig"
)

// ReasonOperatorConfig marks a warning about kubernetes.operator.* keys of a resource that
// the operator ignores (operator-only) or does not know.
const ReasonOperatorConfig = "OperatorConfig"

// Settings are the operator-only settings of the operator config.
type Settings struct {
	ReconcileInterval     time.Duration   // a stable resource is looked at again after this
	Parallelism           int             // MaxConcurrentReconciles of each controller
	Artifacts             artifact.Policy // which session-job jars the operator downloads
	WatchedNamespaces     []string
	LabelSelector         string
	DynamicConfig         bool
	DynamicConfigInterval time.Duration
	Retry                 RetryPolicy   // how a failed reconcile is retried
	FlinkClientTimeout    time.Duration // one Flink REST call
}

// DefaultParallelism lets a few slow resources (a Flink REST call has a timeout) not hold
// up hundreds of others.
const DefaultParallelism = 10

// SettingsOf reads the operator-only settings; a malformed value keeps the default and is
// named in problems (logged by the caller).
func SettingsOf(c *opconfig.Config) (s Settings, problems []string) {
	s = Settings{ReconcileInterval: pollStable, Parallelism: DefaultParallelism, DynamicConfig: true, DynamicConfigInterval: 5 * time.Second}
	duration := func(key string, p *time.Duration) {
		if v, ok := c.Get(key); ok && strings.TrimSpace(v) != "" {
			d, err := lifecycle.ParseFlinkDuration(v)
			if err != nil || d <= 0 {
				problems = append(problems, fmt.Sprintf("%s: %q is not a positive duration; using %s", key, v, *p))
				return
			}
			*p = d
		}
	}
	duration(opconfig.ReconcileInterval, &s.ReconcileInterval)
	duration(opconfig.DynamicConfigInterval, &s.DynamicConfigInterval)
	s.FlinkClientTimeout = 10 * time.Second
	duration(opconfig.FlinkClientTimeout, &s.FlinkClientTimeout)
	s.Retry = DefaultRetryPolicy()
	duration(opconfig.RetryInitialInterval, &s.Retry.Initial)
	duration(opconfig.RetryMaxInterval, &s.Retry.MaxInterval)
	s.Retry.Fallback = s.ReconcileInterval
	if v, ok := c.Get(opconfig.RetryIntervalMultiplier); ok && strings.TrimSpace(v) != "" {
		m, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || m < 1 {
			problems = append(problems, fmt.Sprintf("%s: %q is not a number of at least 1; using %g", opconfig.RetryIntervalMultiplier, v, s.Retry.Multiplier))
		} else {
			s.Retry.Multiplier = m
		}
	}
	if v, ok := c.Get(opconfig.RetryMaxAttempts); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("%s: %q is not a positive integer; using %d", opconfig.RetryMaxAttempts, v, s.Retry.MaxAttempts))
		} else {
			s.Retry.MaxAttempts = n
		}
	}
	if v, ok := c.Get(opconfig.ReconcileParallelism); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		switch {
		case err != nil || n == 0 || n < -1:
			problems = append(problems, fmt.Sprintf("%s: %q is not a positive integer; using %d", opconfig.ReconcileParallelism, v, s.Parallelism))
		case n == -1: // FKO's "unbounded"
			s.Parallelism = 1000
		default:
			s.Parallelism = n
		}
	}
	if v, ok := c.Get(opconfig.DynamicConfigEnabled); ok && strings.TrimSpace(v) != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %q is not true or false", opconfig.DynamicConfigEnabled, v))
		} else {
			s.DynamicConfig = b
		}
	}
	if p, err := artifact.PolicyFromConf(c.Flat()); err != nil {
		problems = append(problems, err.Error()+"; using the default artifact policy (https only)")
	} else {
		s.Artifacts = p
	}
	v, _ := c.Get(opconfig.WatchedNamespaces)
	s.WatchedNamespaces = splitConfigList(v)
	v, _ = c.Get(opconfig.LabelSelector)
	s.LabelSelector = strings.TrimSpace(v)
	return s, problems
}

// splitConfigList reads Flink's list forms: "a,b", "a;b".
func splitConfigList(v string) []string {
	var out []string
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// settings reads the settings in force now (a nil store is the defaults).
func settings(store *opconfig.Store) Settings {
	s, _ := SettingsOf(store.Current())
	return s
}

// effectiveDeployment returns dep with its flinkConfiguration laid over the operator
// config's defaults for its namespace and Flink version, and the merge's findings. The
// copy lives in memory only: the user's spec is never written. dep is returned unchanged
// when the merge changes nothing, or when its configuration cannot be read (validation
// reports that).
func effectiveDeployment(store *opconfig.Store, dep *v1beta1.FlinkDeployment) (*v1beta1.FlinkDeployment, opconfig.Result) {
	if dep == nil {
		return nil, opconfig.Result{}
	}
	own, err := dep.Spec.FlinkConfiguration.Flatten()
	if err != nil {
		return dep, opconfig.Result{}
	}
	res := opconfig.Merge(store.Current().Defaults(dep.Namespace, string(dep.Spec.FlinkVersion)), own)
	if maps.Equal(res.Conf, own) {
		return dep, res
	}
	out := dep.DeepCopy()
	out.Spec.FlinkConfiguration = v1beta1.NewConfigObject(res.Conf)
	return out, res
}

// configWarnings tells a resource, by a warning Event, about the operator keys of its
// flinkConfiguration that are ignored or unknown: once per resource and generation, not
// on every poll. Keys are named, values never (they may be secrets).
type configWarnings struct {
	mu   sync.Mutex
	sent map[string]string // uid -> what was last reported
}

func (w *configWarnings) report(ctx context.Context, rec record.EventRecorder, obj client.Object, res opconfig.Result) {
	var msgs []string
	if len(res.Ignored) > 0 {
		msgs = append(msgs, "flinkConfiguration sets operator-only keys, which only the operator config may set; ignored: "+strings.Join(res.Ignored, ", "))
	}
	if len(res.Unknown) > 0 {
		msgs = append(msgs, "flinkConfiguration sets kubernetes.operator.* keys weir does not know (a typo?); they have no effect on the operator: "+strings.Join(res.Unknown, ", "))
	}
	fingerprint := fmt.Sprintf("%d|%s", obj.GetGeneration(), strings.Join(msgs, "|"))
	w.mu.Lock()
	if w.sent == nil {
		w.sent = map[string]string{}
	}
	uid := string(obj.GetUID())
	same := w.sent[uid] == fingerprint
	w.sent[uid] = fingerprint
	w.mu.Unlock()
	if same {
		return
	}
	for _, m := range msgs {
		rec.Event(obj, corev1.EventTypeWarning, ReasonOperatorConfig, m)
		log.FromContext(ctx).Info("Operator keys of the resource ignored", "reason", m)
	}
}

// controllerOptions sets a controller's parallelism: the options given to SetupWithManager
// (the operator's flag) when they set it, else the operator config's (read at start:
// controller-runtime sizes its workers once).
func controllerOptions(store *opconfig.Store, opts []controller.Options) controller.Options {
	var o controller.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := settings(store)
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = s.Parallelism
	}
	if o.RateLimiter == nil {
		o.RateLimiter = newRetryLimiter(s.Retry) // one per controller: the queue owns it
	}
	return o
}

// requeueOnConfigChange returns a source that enqueues every resource of the list's kind
// each time the operator config changes, so a reload takes effect without a restart.
func requeueOnConfigChange(mgr ctrl.Manager, store *opconfig.Store, newList func() client.ObjectList) (source.Source, error) {
	list := func(ctx context.Context) ([]client.Object, error) {
		l := newList()
		if err := mgr.GetClient().List(ctx, l); err != nil {
			return nil, err
		}
		items, err := apimeta.ExtractList(l)
		out := make([]client.Object, 0, len(items))
		for _, o := range items {
			if co, ok := o.(client.Object); ok {
				out = append(out, co)
			}
		}
		return out, err
	}
	ch := make(chan event.GenericEvent)
	changed := store.Changed()
	err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-changed:
				objs, err := list(ctx)
				if err != nil {
					log.FromContext(ctx).Error(err, "Could not list resources after an operator config change")
					continue
				}
				for _, o := range objs {
					select {
					case ch <- event.GenericEvent{Object: o}:
					case <-ctx.Done():
						return nil
					}
				}
			}
		}
	}))
	if err != nil {
		return nil, err
	}
	return source.Channel(ch, &handler.EnqueueRequestForObject{}), nil
}

// AddConfigReloader polls the operator config's files on every replica (leader or not),
// so a replica that becomes leader already has the current config.
func AddConfigReloader(mgr ctrl.Manager, store *opconfig.Store) error {
	return mgr.Add(reloader{store})
}

type reloader struct{ store *opconfig.Store }

func (reloader) NeedLeaderElection() bool { return false }

func (r reloader) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("operator-config")
	s := settings(r.store)
	if !s.DynamicConfig {
		logger.Info("Dynamic operator config is off; changes need a restart", "key", opconfig.DynamicConfigEnabled)
		return nil
	}
	r.store.Poll(ctx, s.DynamicConfigInterval, func(changed bool, err error) {
		if err != nil {
			logger.Error(err, "Operator config not reloaded; the last good one stays in force")
			return
		}
		LogConfig(logger, r.store.Current())
	})
	return nil
}

// LogConfig logs what the operator config holds and what in it weir will not honour.
func LogConfig(logger interface {
	Info(msg string, kv ...any)
}, c *opconfig.Config) {
	s, problems := SettingsOf(c)
	logger.Info("Operator config in force", "keys", len(c.Flat()), "reconcileInterval", s.ReconcileInterval.String(),
		"parallelism", s.Parallelism, "allowedSchemes", s.Artifacts.Schemes())
	for _, p := range append(problems, c.Warnings()...) {
		logger.Info("Operator config: "+p, "warning", true)
	}
}
