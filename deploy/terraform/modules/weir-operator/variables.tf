variable "chart" {
  description = "The weir-operator chart: a path (default: this repository's charts/weir-operator) or a chart name with var.repository."
  type        = string
  default     = null
}

variable "repository" {
  description = "A chart repository URL, when var.chart is a name rather than a path."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "The chart version, with var.repository."
  type        = string
  default     = null
}

variable "release_name" {
  description = "The Helm release's name."
  type        = string
  default     = "weir-operator"
}

variable "namespace" {
  description = "The operator's namespace (created when missing)."
  type        = string
  default     = "weir-system"
}

variable "watch_namespaces" {
  description = "The chart's watchNamespaces: the app namespaces (empty: all)."
  type        = list(string)
  default     = []
}

variable "image" {
  description = "The operator image (the chart's image.repository, image.tag; a digest wins over the tag)."
  type = object({
    repository = string
    tag        = optional(string, "")
    digest     = optional(string, "")
  })
}

variable "replicas" {
  description = "Operator replicas; more than one elects a leader."
  type        = number
  default     = 2
}

variable "values" {
  description = "More chart values (charts/weir-operator/values.yaml), merged over the ones this module sets."
  type        = any
  default     = {}
}
