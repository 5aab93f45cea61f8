package weirv1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of weir's own API.
	GroupVersion = schema.GroupVersion{Group: "weir.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this package to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Labels an app carries to choose what its profile gives it.
const (
	// ProfileLabel names the FlinkProfile an app runs under; it wins over namespace selection.
	ProfileLabel = "weir.dev/profile"
	// PresetLabel names the resource preset of the profile an app uses.
	PresetLabel = "weir.dev/preset"
)
