package resources

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"weir.dev/weir/api/v1beta1"
)

// ownerRefs makes the FlinkDeployment the controlling owner, so that deleting it deletes
// the cluster's objects.
func ownerRefs(d *v1beta1.FlinkDeployment) []metav1.OwnerReference {
	yes := true
	return []metav1.OwnerReference{{
		APIVersion:         v1beta1.GroupVersion.String(),
		Kind:               "FlinkDeployment",
		Name:               d.Name,
		UID:                d.UID,
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}}
}

func objectMeta(d *v1beta1.FlinkDeployment, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:            name,
		Namespace:       d.Namespace,
		Labels:          labels,
		OwnerReferences: ownerRefs(d),
	}
}

// OwnerReferences are the owner references of every object built for d: the FlinkDeployment
// controls it, so deleting the FlinkDeployment deletes it.
func OwnerReferences(d *v1beta1.FlinkDeployment) []metav1.OwnerReference { return ownerRefs(d) }
