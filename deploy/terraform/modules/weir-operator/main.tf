# The operator, installed by Helm from charts/weir-operator. ArgoCD can own this release
# instead (docs/gitops.md); then leave this module out of the platform.

locals {
  values = merge(
    {
      watchNamespaces = var.watch_namespaces
      image = merge(
        { repository = var.image.repository },
        var.image.tag == "" ? {} : { tag = var.image.tag },
        var.image.digest == "" ? {} : { digest = var.image.digest },
      )
      replicas       = var.replicas
      leaderElection = true
    },
    var.values,
  )
}

resource "helm_release" "operator" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = true
  chart            = coalesce(var.chart, "${path.module}/../../../../charts/weir-operator")
  repository       = var.repository
  version          = var.chart_version

  values = [yamlencode(local.values)]

  # The chart's CRDs are installed with it; wait until the operator is ready.
  wait    = true
  timeout = 600
}
