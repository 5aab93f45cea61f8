output "namespace" {
  description = "The operator's namespace."
  value       = helm_release.operator.namespace
}

output "values" {
  description = "The values the release was installed with."
  value       = local.values
}
