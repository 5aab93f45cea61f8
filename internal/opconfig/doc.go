// Package opconfig is the operator's own configuration, as FKO has it: one file (the
// chart's defaultConfiguration, mounted from a ConfigMap) whose kubernetes.operator.* keys
// configure the operator and whose other keys are defaults for every FlinkDeployment.
//
// It holds the one table of kubernetes.operator.* keys weir honours (keys.go), the parser
// of flink-conf.yaml and config.yaml (parse.go), the pure merge of operator, Flink-version
// and namespace defaults under a resource's own flinkConfiguration (merge.go), and a store
// that reloads the file when Kubernetes swaps it (store.go).
package opconfig
