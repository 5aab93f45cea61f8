output "role_arn" {
  description = "The role's ARN: the service account's eks.amazonaws.com/role-arn annotation."
  value       = aws_iam_role.app.arn
}

output "subject" {
  description = "The only token subject the role trusts."
  value       = local.subject
}
