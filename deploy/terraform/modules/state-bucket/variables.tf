variable "bucket" {
  description = "The bucket's name: a profile's state.bucket without the scheme (s3p://flink-prod -> flink-prod)."
  type        = string
}

variable "kms_key_arn" {
  description = "A KMS key for SSE-KMS (the app roles then need kms:Decrypt and kms:GenerateDataKey on it); null: SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "versioning" {
  description = <<-EOT
    Off by default. Flink writes and deletes checkpoint files all the time; under versioning
    every delete keeps a noncurrent version (paid storage) and a delete marker (slower
    listings). Turn it on to keep savepoints from an accidental delete or overwrite; old
    versions then expire after noncurrent_days.
  EOT
  type        = bool
  default     = false
}

variable "noncurrent_days" {
  description = "With versioning on, days after which a noncurrent version expires."
  type        = number
  default     = 7
}

variable "abort_multipart_days" {
  description = "Days after which an incomplete multipart upload (a TaskManager killed mid-checkpoint) is aborted and its parts freed."
  type        = number
  default     = 1
}

variable "checkpoint_expiration" {
  description = <<-EOT
    Expire current objects under these key prefixes after days (e.g. apps/<ns>/<app>/checkpoints/).
    Empty by default. Only for apps WITHOUT entropy and without incremental checkpoints: an
    S3 prefix filter cannot reach entropy keys (<4 random chars>/apps/...), and an incremental
    checkpoint still refers to shared/ files older than any age you pick. Flink's own
    retention (execution.checkpointing.num-retained) is the tool for live jobs.
  EOT
  type = object({
    prefixes = list(string)
    days     = number
  })
  default = { prefixes = [], days = 30 }

  validation {
    condition     = alltrue([for p in var.checkpoint_expiration.prefixes : can(regex("^[^*?]+/checkpoints/$", p))])
    error_message = "Each checkpoint_expiration prefix must end in /checkpoints/ (an app's checkpoint directory): never savepoints, HA data or the whole bucket."
  }
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a bucket that still holds state."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags on the bucket."
  type        = map(string)
  default     = {}
}
