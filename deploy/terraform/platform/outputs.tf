output "app_roles" {
  description = "Each app's role ARN: its profile's eks.amazonaws.com/role-arn annotation must render to it (check the account id in the profile)."
  value       = { for role, m in module.app_irsa : "${local.apps_by_role[role].namespace}/${local.apps_by_role[role].name}" => m.role_arn }
}

output "node_groups" {
  description = "The pools' node groups with their labels and taints."
  value       = module.node_pools.node_groups
}

output "buckets" {
  description = "The state buckets."
  value       = [for b in module.state_bucket : b.bucket]
}
