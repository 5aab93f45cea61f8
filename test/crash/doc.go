// Package crash holds the crash-consistency test: the operator process is SIGKILLed at
// random moments while it deploys and upgrades many FlinkDeployments on a real API server,
// and every one must still converge to exactly its objects. It runs only with
// WEIR_CRASH_IT=1 (make test-crash).
package crash
