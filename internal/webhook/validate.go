package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/flink/artifact"
	"weir.dev/weir/internal/opconfig"
	"weir.dev/weir/internal/validation"
)

// Path is where the webhook server serves the validation (FKO's chart uses the same).
const Path = "/validate"

// Validator admits a Flink resource when the reconciler would take its spec, and refuses
// it with the reconciler's message otherwise.
type Validator struct {
	// Reader reads a session job's FlinkDeployment straight from the API server (the
	// cache may not have synced when the first request comes).
	Reader  client.Reader
	Decoder admission.Decoder
	// Config is the operator config, whose defaults complete a deployment's spec.
	Config *opconfig.Store
	// ArtifactPolicy, when set, overrides the operator config's policy for session-job jars.
	ArtifactPolicy *artifact.Policy
	// Namespaces and Selector are what the operator watches: a resource outside them is
	// another operator's, and admitted unchecked.
	Namespaces []string
	Selector   labels.Selector
}

var _ admission.Handler = (*Validator)(nil)

// Handle validates one CREATE or UPDATE.
func (v *Validator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return admission.Allowed("")
	}
	var obj, old client.Object
	switch req.Kind.Kind {
	case "FlinkDeployment":
		obj, old = &v1beta1.FlinkDeployment{}, &v1beta1.FlinkDeployment{}
	case "FlinkSessionJob":
		obj, old = &v1beta1.FlinkSessionJob{}, &v1beta1.FlinkSessionJob{}
	case "FlinkStateSnapshot":
		obj, old = &v1beta1.FlinkStateSnapshot{}, &v1beta1.FlinkStateSnapshot{}
	default:
		return admission.Allowed("not a Flink resource weir validates")
	}
	if err := v.Decoder.Decode(req, obj); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if !v.watches(obj) {
		return admission.Allowed("outside the namespaces and labels this operator watches")
	}
	if req.Operation == admissionv1.Update {
		if err := v.Decoder.DecodeRaw(req.OldObject, old); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		// The operator's own writes (finalizers) and a user's edits of labels or
		// annotations pass even when the spec went invalid by a change of the operator
		// config: a refusal would leave the resource stuck, finalizer and all.
		if !obj.GetDeletionTimestamp().IsZero() || sameSpec(obj, old) {
			return admission.Allowed("spec unchanged")
		}
		// The API server bumps the generation of a custom resource before validating
		// admission, and only when its spec changes.
		if g := obj.GetGeneration(); g != 0 && g == old.GetGeneration() {
			return admission.Allowed("spec unchanged")
		}
	}
	warning, err := v.validate(ctx, obj)
	if err != nil {
		return admission.Denied(err.Error())
	}
	res := admission.Allowed("")
	if warning != "" {
		res = res.WithWarnings(warning)
	}
	return res
}

// Validate runs the reconciler's check of obj, as admission does (`weir diff` uses it).
func (v *Validator) Validate(ctx context.Context, obj client.Object) (warning string, err error) {
	return v.validate(ctx, obj)
}

// validate runs the reconciler's check of obj.
func (v *Validator) validate(ctx context.Context, obj client.Object) (warning string, err error) {
	switch o := obj.(type) {
	case *v1beta1.FlinkDeployment:
		eff, verr, err := controller.EffectiveDeploymentWithProfile(ctx, v.Reader, v.Config, o)
		if err != nil { // the reconciler reports what it finds once it can read the profiles
			return fmt.Sprintf("FlinkProfiles could not be read (%v); the operator applies the app's profile when it reconciles", err), nil
		}
		if verr != nil {
			return "", verr
		}
		return "", validation.Deployment(eff)
	case *v1beta1.FlinkSessionJob:
		session := &v1beta1.FlinkDeployment{}
		err := v.Reader.Get(ctx, client.ObjectKey{Namespace: o.Namespace, Name: o.Spec.DeploymentName}, session)
		switch {
		case apierrors.IsNotFound(err):
			// Applied before its session: the job's own fields are still checked; how it
			// fits the session, when the reconciler finds it.
			session = nil
		case err != nil:
			session, warning = nil, fmt.Sprintf("FlinkDeployment %q could not be read (%v); the operator checks the job against it when it reconciles", o.Spec.DeploymentName, err)
		}
		schemes := controller.ArtifactPolicyOf(v.Config, v.ArtifactPolicy).Schemes()
		session = controller.EffectiveForReading(ctx, v.Reader, v.Config, session)
		job, verr, err := controller.SessionJobWithProfile(ctx, v.Reader, o, session)
		switch {
		case err != nil:
			return fmt.Sprintf("FlinkProfiles could not be read (%v); the operator applies the job's profile when it reconciles", err), nil
		case verr != nil:
			return warning, verr
		}
		return warning, validation.SessionJobAllowing(job, session, schemes)
	case *v1beta1.FlinkStateSnapshot:
		return "", validation.StateSnapshot(o)
	}
	return "", nil
}

// watches says whether obj is in the operator's namespaces and matches its label selector.
func (v *Validator) watches(obj client.Object) bool {
	if len(v.Namespaces) > 0 && !slices.Contains(v.Namespaces, obj.GetNamespace()) {
		return false
	}
	return v.Selector == nil || v.Selector.Matches(labels.Set(obj.GetLabels()))
}

// sameSpec says whether two versions of a resource have the same spec, as written.
func sameSpec(a, b client.Object) bool {
	sa, errA := json.Marshal(specOf(a))
	sb, errB := json.Marshal(specOf(b))
	return errA == nil && errB == nil && bytes.Equal(sa, sb)
}

func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *v1beta1.FlinkDeployment:
		return o.Spec
	case *v1beta1.FlinkSessionJob:
		return o.Spec
	case *v1beta1.FlinkStateSnapshot:
		return o.Spec
	}
	return nil
}
