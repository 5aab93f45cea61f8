// Package charts embeds weir's Helm charts, so the CLI installs exactly the chart it was
// built with.
package charts

import "embed"

// Operator is the weir-operator chart, rooted at "weir-operator".
//
//go:embed all:weir-operator
var Operator embed.FS
