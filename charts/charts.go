// Package charts embeds weir's Helm charts, so the CLI installs exactly the chart it was
// built with.
package charts

import "embed"

// Operator is the weir-operator chart, rooted at "weir-operator".
//
//go:embed all:weir-operator
var Operator embed.FS

// App is the weir-app chart (one Flink app under a FlinkProfile), rooted at "weir-app".
//
//go:embed all:weir-app
var App embed.FS
