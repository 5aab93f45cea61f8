// A trimmed k8s.io/kubernetes go.mod: the shape KubeWrapperGoMod relies on.
module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

godebug winsymlink=0

require (
	github.com/spf13/cobra v1.9.1
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/component-base => ./staging/src/k8s.io/component-base
)
