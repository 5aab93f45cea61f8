variable "namespace" {
  description = "The app's namespace."
  type        = string
}

variable "service_account" {
  description = "The app's service account: the profile's serviceAccount.nameTemplate rendered (flink-<app> in examples/profiles/prod.yaml)."
  type        = string
}

variable "role_name" {
  description = "The role's name: the last segment of the profile's eks.amazonaws.com/role-arn annotation rendered (flink-<app>)."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider (modules/eks-cluster's oidc_provider_arn)."
  type        = string
}

variable "oidc_issuer" {
  description = "The cluster's OIDC issuer without https:// (modules/eks-cluster's oidc_issuer)."
  type        = string
}

variable "bucket" {
  description = "The state bucket's name."
  type        = string
}

variable "prefix" {
  description = "The app's state prefix: the profile's state.prefixTemplate rendered (apps/<ns>/<app>), without slashes at either end."
  type        = string

  validation {
    condition     = length(var.prefix) > 0 && !startswith(var.prefix, "/") && !endswith(var.prefix, "/") && !strcontains(var.prefix, "*") && !strcontains(var.prefix, "?")
    error_message = "prefix must be non-empty, without a leading or trailing slash, and without IAM wildcards."
  }
}

variable "entropy" {
  description = "The profile's state.entropy: checkpoint data files then live under <4 random chars>/<prefix>/, which the policy must also allow."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "The bucket's KMS key, when it uses SSE-KMS."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags on the role."
  type        = map(string)
  default     = {}
}
