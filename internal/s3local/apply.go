package s3local

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Apply creates the objects, or updates them to the rendered state when they exist (a
// regenerated credentials file or a new endpoint then reaches the cluster).
func Apply(ctx context.Context, cs kubernetes.Interface, o Objects) error {
	ns := cs.CoreV1().Namespaces()
	if _, err := ns.Create(ctx, o.Namespace, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", o.Namespace.Name, err)
	}
	svcs := cs.CoreV1().Services(o.Service.Namespace)
	if _, err := svcs.Create(ctx, o.Service, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		// An existing Service keeps its ClusterIP; its ports never change within a version.
		return fmt.Errorf("create service %s: %w", o.Service.Name, err)
	}
	slices := cs.DiscoveryV1().EndpointSlices(o.EndpointSlice.Namespace)
	if err := createOrUpdate("endpointslice "+o.EndpointSlice.Name,
		func() error { _, err := slices.Create(ctx, o.EndpointSlice, metav1.CreateOptions{}); return err },
		func() error {
			cur, err := slices.Get(ctx, o.EndpointSlice.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			want := o.EndpointSlice.DeepCopy()
			want.ResourceVersion = cur.ResourceVersion
			_, err = slices.Update(ctx, want, metav1.UpdateOptions{})
			return err
		}); err != nil {
		return err
	}
	return ApplySecret(ctx, cs, o.Secret)
}

// ApplySecret creates the Secret or updates it to s; an app's namespace takes its copy of
// the credentials this way (CredentialsSecret).
func ApplySecret(ctx context.Context, cs kubernetes.Interface, s *corev1.Secret) error {
	secrets := cs.CoreV1().Secrets(s.Namespace)
	return createOrUpdate("secret "+s.Namespace+"/"+s.Name,
		func() error { _, err := secrets.Create(ctx, s, metav1.CreateOptions{}); return err },
		func() error {
			cur, err := secrets.Get(ctx, s.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			want := s.DeepCopy()
			want.ResourceVersion = cur.ResourceVersion
			_, err = secrets.Update(ctx, want, metav1.UpdateOptions{})
			return err
		})
}

func createOrUpdate(what string, create, update func() error) error {
	err := create()
	if apierrors.IsAlreadyExists(err) {
		err = update()
	}
	if err != nil {
		return fmt.Errorf("apply %s: %w", what, err) // the API's error names the object, never the Secret's data
	}
	return nil
}
