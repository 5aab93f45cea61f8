// Package status holds the pure status setters both reconcilers share: what Flink said
// about the job (ApplyJob), when a deployed spec becomes the stable one (DeploymentStable,
// SessionJobStable, PromoteStable), and the summaries FKO reports (lifecycleState, the
// Running and SessionClusterReady conditions). Values in, values out, table-tested.
package status
