// Package reachability remembers, per app, whether its Flink JobManager answered lately and
// when to ask again. An unreachable JobManager is re-tried with capped exponential backoff,
// in the background, so it never holds a reconcile worker that other apps need. It also
// remembers when each app was last observed, for the observation-age metric.
package reachability
