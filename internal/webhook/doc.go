// Package webhook is weir's validating admission webhook, the counterpart of FKO's
// flink-kubernetes-webhook: it refuses at `kubectl apply` a FlinkDeployment,
// FlinkSessionJob or FlinkStateSnapshot that the reconciler would refuse, with the message
// the reconciler would put in status.error (the checks are internal/validation's, on the
// spec as the operator config completes it). The operator serves it itself and manages its
// TLS: a CA and serving certificate kept in a Secret of its namespace, whose CA it writes
// into the caBundle of its ValidatingWebhookConfiguration (docs/webhook.md).
package webhook
