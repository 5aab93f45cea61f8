package lifecycle

import (
	"strings"

	"weir.dev/weir/internal/opconfig"
)

// Configuration keys the classifier looks at.
const (
	keyScheduler            = "jobmanager.scheduler"
	keySchedulerMode        = "scheduler-mode"
	keyParallelismOverrides = "pipeline.jobvertex-parallelism-overrides"
	operatorConfigPrefix    = opconfig.Prefix
)

// ignoredPaths change nothing in the running job, or are acted on outside the diff
// (job.state by suspend/resume, nonces by the snapshot triggers). Matched by prefix.
var ignoredPaths = []string{
	"job.state",
	"job.savepointTriggerNonce",
	"job.checkpointTriggerNonce",
	"job.upgradeMode",
	"job.allowNonRestoredState",
	"job.initialSavepointPath",
	"job.autoscalerResetNonce",
	"ingress", // the Ingress object is updated in place
	"flinkConfiguration." + operatorConfigPrefix,
}

// classify maps one changed path to its DiffType. Anything not listed upgrades: an unknown
// change is never silently ignored.
func classify(path string, sc ScaleContext) DiffType {
	for _, p := range ignoredPaths {
		if path == p || strings.HasPrefix(path, p+".") || (strings.HasSuffix(p, ".") && strings.HasPrefix(path, p)) {
			return DiffIgnore
		}
	}
	switch path {
	case "job.savepointRedeployNonce":
		return DiffSavepointRedeploy
	case "job.parallelism", "flinkConfiguration." + keyParallelismOverrides:
		if sc.InPlace || sc.Reactive {
			return DiffScale
		}
	case "taskManager.replicas":
		// As FKO: only a reactive job follows its TaskManager count; any other standalone
		// cluster is redeployed (through the job's upgradeMode) to take a new replica count.
		if sc.Reactive {
			return DiffScale
		}
	}
	return DiffUpgrade
}
