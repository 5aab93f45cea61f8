module "cluster" {
  source = "../modules/eks-cluster"

  name               = var.cluster_name
  kubernetes_version = var.kubernetes_version
  vpc_id             = var.vpc_id
  subnet_ids         = var.subnet_ids
  tags               = var.tags
}

module "node_pools" {
  source = "../modules/node-pools"

  cluster_name = module.cluster.name
  subnet_ids   = var.subnet_ids
  pools        = local.pools
  tags         = var.tags
}

module "state_bucket" {
  source   = "../modules/state-bucket"
  for_each = toset(local.buckets)

  bucket      = each.key
  kms_key_arn = var.kms_key_arn
  tags        = var.tags
}

module "app_irsa" {
  source   = "../modules/app-irsa"
  for_each = local.apps_by_role

  namespace         = each.value.namespace
  service_account   = each.value.service_account
  role_name         = each.key
  oidc_provider_arn = module.cluster.oidc_provider_arn
  oidc_issuer       = module.cluster.oidc_issuer
  bucket            = module.state_bucket[each.value.bucket].bucket
  prefix            = each.value.prefix
  entropy           = each.value.entropy
  kms_key_arn       = var.kms_key_arn
  tags              = var.tags

  # No depends_on terraform_data.apps_check: its preconditions are known at plan and fail the
  # whole plan, and a depends_on would defer the policy documents to apply.
}

module "weir_operator" {
  source = "../modules/weir-operator"
  count  = var.install_operator ? 1 : 0

  watch_namespaces = local.namespaces
  image            = var.operator_image

  # The operator runs on the untainted system nodes.
  depends_on = [module.node_pools]
}
