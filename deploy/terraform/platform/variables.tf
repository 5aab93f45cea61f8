variable "region" {
  description = "The AWS region."
  type        = string
}

variable "cluster_name" {
  description = "The EKS cluster's name."
  type        = string
  default     = "weir"
}

variable "kubernetes_version" {
  description = "The EKS Kubernetes version."
  type        = string
  default     = "1.31"
}

variable "vpc_id" {
  description = "An existing VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the VPC, for the control plane and the nodes."
  type        = list(string)
}

variable "apps_file" {
  description = "The platform's list of apps, pools and profiles."
  type        = string
  default     = null # deploy/platform/apps.yaml
}

variable "kms_key_arn" {
  description = "A KMS key for the state buckets (SSE-KMS); null: SSE-S3."
  type        = string
  default     = null
}

variable "operator_image" {
  description = "The weir operator image."
  type = object({
    repository = string
    tag        = optional(string, "")
    digest     = optional(string, "")
  })
}

variable "install_operator" {
  description = "Install the operator with Helm here; false when ArgoCD deploys it (deploy/argocd)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags on every resource."
  type        = map(string)
  default     = {}
}
