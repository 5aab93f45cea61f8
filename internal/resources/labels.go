package resources

import (
	"k8s.io/apimachinery/pkg/labels"

	"weir.dev/weir/api/v1beta1"
)

// Label keys and values, as Flink's native integration and FKO's standalone mode set them.
const (
	LabelApp       = "app"
	LabelComponent = "component"
	LabelType      = "type"

	ComponentJobManager  = "jobmanager"
	ComponentTaskManager = "taskmanager"
	ComponentIngress     = "ingress"

	TypeNative     = "flink-native-kubernetes"
	TypeStandalone = "flink-standalone-kubernetes"
)

// CommonLabels are on every object of the cluster.
func CommonLabels(name string, mode v1beta1.DeploymentMode) map[string]string {
	t := TypeNative
	if mode == v1beta1.ModeStandalone {
		t = TypeStandalone
	}
	return map[string]string{LabelApp: name, LabelType: t}
}

// ComponentLabels select the pods of one component (jobmanager or taskmanager).
func ComponentLabels(name string, mode v1beta1.DeploymentMode, component string) map[string]string {
	l := CommonLabels(name, mode)
	l[LabelComponent] = component
	return l
}

// TaskManagerSelector is the label selector of a cluster's TaskManager pods in either mode,
// for status.taskManager.labelSelector (the scale subresource).
func TaskManagerSelector(name string) string {
	return labels.SelectorFromSet(labels.Set{LabelApp: name, LabelComponent: ComponentTaskManager}).String()
}

// TaskManagerLabelSelector is TaskManagerSelector as a parsed selector, for listing pods.
func TaskManagerLabelSelector(name string) (labels.Selector, error) {
	return labels.Parse(TaskManagerSelector(name))
}
