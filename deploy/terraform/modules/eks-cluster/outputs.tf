output "name" {
  description = "The cluster's name."
  value       = aws_eks_cluster.this.name
}

output "endpoint" {
  description = "The API server's endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "certificate_authority_data" {
  description = "The cluster CA (base64), for the helm provider."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "oidc_provider_arn" {
  description = "The IAM OIDC provider's ARN: the federated principal of every app role."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer" {
  description = "The issuer without https://, the prefix of the :sub and :aud condition keys."
  value       = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
}
