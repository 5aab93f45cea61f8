// Package examples gives Go code the example manifests of this folder, so benchmarks and
// tests start from the very files users read instead of copies of them.
package examples

import (
	_ "embed"
	"fmt"

	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
)

//go:embed basic.yaml
var basicYAML []byte

// Basic is basic.yaml, FKO's basic example (StateMachineExample, stateless), named
// namespace/name.
func Basic(namespace, name string) *v1beta1.FlinkDeployment {
	d := &v1beta1.FlinkDeployment{}
	if err := yaml.UnmarshalStrict(basicYAML, d); err != nil {
		panic(fmt.Sprintf("examples/basic.yaml: %v", err)) // embedded at build time; TestBasic reads it
	}
	d.Name, d.Namespace = name, namespace
	return d
}
