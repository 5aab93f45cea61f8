package resources

// ObjectNames are the names of every object of one Flink cluster, as Flink's native
// Kubernetes integration and FKO name them.
type ObjectNames struct {
	JobManager      string // Deployment; native TaskManager pods use it as their owner
	TaskManager     string // standalone TaskManager Deployment
	RestService     string
	InternalService string // headless Service for RPC and blob
	ConfigMap       string // flink-config-<name>, mounted by native TaskManager pods too
	Ingress         string
	// QueryableStateService fronts the TaskManagers' queryable-state proxies (Flink 1.x).
	QueryableStateService string
	Role                  string
	RoleBinding           string
}

// Names returns the object names for the FlinkDeployment called name.
func Names(name string) ObjectNames {
	return ObjectNames{
		JobManager:            name,
		TaskManager:           name + "-taskmanager",
		RestService:           name + "-rest",
		InternalService:       name,
		ConfigMap:             "flink-config-" + name,
		Ingress:               name,
		QueryableStateService: name + "-queryable-state",
		Role:                  name + "-flink",
		RoleBinding:           name + "-flink",
	}
}
