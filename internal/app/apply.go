package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// fieldOwner names weir's CLI in managedFields, like kubectl's "kubectl-client-side-apply".
const fieldOwner = "weir-cli"

// ParseManifest splits multi-document YAML into objects, skipping empty documents.
func ParseManifest(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for i := 1; ; i++ {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("document %d has no kind or apiVersion", i)
		}
		out = append(out, u)
	}
	if len(out) == 0 {
		return nil, errors.New("manifest holds no objects")
	}
	return out, nil
}

// Apply server-side applies every object of the manifest, defaulting the namespace.
func (c *Clients) Apply(ctx context.Context, data []byte, namespace string) ([]*unstructured.Unstructured, error) {
	objs, err := ParseManifest(data)
	if err != nil {
		return nil, err
	}
	for _, u := range objs {
		if namespaced, err := c.Ctrl.IsObjectNamespaced(u); err != nil {
			return nil, fmt.Errorf("%s %s: %w (are the CRDs installed?)", u.GetKind(), u.GetName(), err)
		} else if namespaced && u.GetNamespace() == "" {
			u.SetNamespace(namespace)
		}
		if err := c.waitGone(ctx, u); err != nil {
			return nil, err
		}
		u.SetManagedFields(nil)
		u.SetResourceVersion("")
		if err := c.Ctrl.Patch(ctx, u, ctrlclient.Apply, ctrlclient.FieldOwner(fieldOwner), ctrlclient.ForceOwnership); err != nil {
			return nil, fmt.Errorf("apply %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
	return objs, nil
}

// waitGone waits while an object of the same name is still being deleted: applying to it
// would only update an object about to disappear.
func (c *Clients) waitGone(ctx context.Context, u *unstructured.Unstructured) error {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		cur := &unstructured.Unstructured{}
		cur.SetGroupVersionKind(u.GroupVersionKind())
		err := c.Ctrl.Get(ctx, ctrlclient.ObjectKeyFromObject(u), cur)
		if apierrors.IsNotFound(err) || (err == nil && cur.GetDeletionTimestamp() == nil) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s %s/%s is still being deleted after 3m (finalizers %v); check the operator's log",
				u.GetKind(), u.GetNamespace(), u.GetName(), cur.GetFinalizers())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// GuardManifest applies GuardGitOps to every object of the manifest that already exists:
// applying over an object ArgoCD manages drifts from git just as a verb's edit does.
func (c *Clients) GuardManifest(ctx context.Context, data []byte, namespace string) error {
	objs, err := ParseManifest(data)
	if err != nil {
		return err
	}
	for _, u := range objs {
		if namespaced, err := c.Ctrl.IsObjectNamespaced(u); err == nil && namespaced && u.GetNamespace() == "" {
			u.SetNamespace(namespace)
		}
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(u.GroupVersionKind())
		err := c.Ctrl.Get(ctx, ctrlclient.ObjectKeyFromObject(u), live)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		a := App{Kind: live.GetKind(), Obj: live}
		if err := GuardGitOps(a, "apply", c.Force); err != nil {
			return err
		}
	}
	return nil
}
