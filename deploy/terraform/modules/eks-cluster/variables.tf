variable "name" {
  description = "The EKS cluster's name."
  type        = string
}

variable "kubernetes_version" {
  description = "The EKS Kubernetes version."
  type        = string
  default     = "1.31"
}

variable "vpc_id" {
  description = "The VPC the cluster's subnets belong to (the module builds no VPC)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of var.vpc_id for the control plane's network interfaces (two availability zones at least)."
  type        = list(string)
}

variable "endpoint_public_access" {
  description = "Whether the API server has a public endpoint (the private one is always on)."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public endpoint, when it is on."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags on every resource of the module."
  type        = map(string)
  default     = {}
}
