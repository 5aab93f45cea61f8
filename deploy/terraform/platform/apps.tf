# The apps come from one file, deploy/platform/apps.yaml. Each app's names are rendered from
# its profile's templates the way weir's profile code renders them ({{namespace}}, {{name}}).

locals {
  platform = yamldecode(file(coalesce(var.apps_file, "${path.module}/../../platform/apps.yaml")))

  # Two apps of one namespace and name stop Terraform here (a duplicate object key).
  apps = {
    for a in local.platform.apps : "${a.namespace}/${a.name}" => {
      namespace = a.namespace
      name      = a.name
      pool      = a.pool
      profile   = a.profile
      bucket    = local.platform.profiles[a.profile].bucket
      entropy   = local.platform.profiles[a.profile].entropy
      prefix = trim(replace(replace(local.platform.profiles[a.profile].prefixTemplate,
      "{{namespace}}", a.namespace), "{{name}}", a.name), "/")
      service_account = replace(replace(local.platform.profiles[a.profile].serviceAccountTemplate,
      "{{namespace}}", a.namespace), "{{name}}", a.name)
      role_name = replace(replace(local.platform.profiles[a.profile].roleNameTemplate,
      "{{namespace}}", a.namespace), "{{name}}", a.name)
    }
  }

  # Keyed by role name: IAM role names are per account, and a template of {{name}} alone
  # (prod's flink-{{name}}) gives two apps of the same name one role. Terraform then stops
  # with a duplicate key here rather than share a role between them.
  apps_by_role = { for k, a in local.apps : a.role_name => a }

  # One node group per pool the apps use, sized from the file's pools section.
  pools = {
    for p in distinct([for a in local.platform.apps : a.pool]) : p => try(local.platform.pools[p], {})
  }

  # One bucket per profile the apps use.
  buckets = distinct([for a in local.apps : a.bucket])

  namespaces = sort(distinct([for a in local.apps : a.namespace]))
}

# The file's own consistency, before anything is made.
resource "terraform_data" "apps_check" {
  input = keys(local.apps)

  lifecycle {
    precondition {
      condition     = alltrue([for a in local.apps : a.pool == local.platform.profiles[a.profile].pool])
      error_message = "An app's pool must be its profile's pool: the profile's placement pins the pods to it."
    }
    precondition {
      condition     = !contains(local.namespaces, "apps")
      error_message = "No app namespace may be called \"apps\": app-irsa's entropy pattern ????/apps/<ns>/<app>/* would then reach apps/apps/<ns>/<app>/..., another app's keys."
    }
  }
}
