// Package app operates FlinkDeployments for the `weir app` verbs: status, waits, lifecycle nonces, the UI URL and logs.
package app
