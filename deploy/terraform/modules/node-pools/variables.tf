variable "cluster_name" {
  description = "The EKS cluster the node groups join."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the nodes."
  type        = list(string)
}

variable "pools" {
  description = <<-EOT
    One managed node group per pool, keyed by the pool's name: the value of the
    weir.dev/pool label and NoSchedule taint that a profile's placement selects and
    tolerates (examples/profiles/prod.yaml: nodeSelector weir.dev/pool=flink-prod).
  EOT
  type = map(object({
    instance_types = optional(list(string), ["m6i.xlarge"])
    capacity_type  = optional(string, "ON_DEMAND")
    min_size       = optional(number, 1)
    max_size       = optional(number, 3)
    desired_size   = optional(number, 1)
    disk_size      = optional(number, 50)
  }))

  validation {
    condition     = alltrue([for name, _ in var.pools : can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name)) && length(name) <= 63])
    error_message = "A pool name must be a Kubernetes label value (lowercase letters, digits and '-', at most 63 characters)."
  }

  validation {
    condition     = !contains(keys(var.pools), "system")
    error_message = "The pool name \"system\" is the untainted system_pool's."
  }
}

variable "label_key" {
  description = "The node label and taint key of a pool; weir's profiles place pods with weir.dev/pool."
  type        = string
  default     = "weir.dev/pool"
}

variable "tags" {
  description = "Tags on every resource of the module."
  type        = map(string)
  default     = {}
}

variable "system_pool" {
  description = "An untainted node group for the operator, CoreDNS and other cluster services (the app pools are tainted); null for none."
  type = object({
    instance_types = optional(list(string), ["m6i.large"])
    min_size       = optional(number, 2)
    max_size       = optional(number, 3)
    desired_size   = optional(number, 2)
  })
  default = {}
}
