package controller

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/validation"
)

// missingSecrets checks that every Secret the pod templates require exists
// (validation.RequiredSecrets), so a missing one is reported before anything is deployed
// rather than as pods stuck in CreateContainerConfigError. It reads only the Secrets'
// metadata, uncached: the operator neither watches Secrets nor ever holds their values.
// verr names the missing Secrets (nil when all exist); err is a failed read.
func (r *FlinkDeploymentReconciler) missingSecrets(ctx context.Context, dep *v1beta1.FlinkDeployment, spec *v1beta1.FlinkDeploymentSpec) (verr, err error) {
	refs := validation.RequiredSecrets(spec)
	if len(refs) == 0 {
		return nil, nil
	}
	reader := r.APIReader
	if reader == nil {
		reader = r.Client
	}
	exists := map[string]bool{}
	for _, ref := range refs {
		if _, seen := exists[ref.Secret]; seen {
			continue
		}
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		err = reader.Get(ctx, client.ObjectKey{Namespace: dep.Namespace, Name: ref.Secret}, m)
		switch {
		case err == nil:
			exists[ref.Secret] = true
		case apierrors.IsNotFound(err):
			exists[ref.Secret] = false
		default:
			return nil, err
		}
	}
	return validation.MissingSecrets(dep.Namespace, refs, func(n string) bool { return exists[n] }), nil
}
