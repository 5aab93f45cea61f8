# One IAM role per app (IRSA). Only the app's service account can assume it, and it reaches
# only the app's own keys in the state bucket. README.md shows the rendered policies.

data "aws_partition" "current" {}

locals {
  subject = "system:serviceaccount:${var.namespace}:${var.service_account}"

  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket}"

  # Key patterns of the app. Flink's entropy is 4 alphanumeric characters put in front of the
  # checkpoint path (s3.entropy.key _entropy_, s3.entropy.length 4, internal/profile/config.go),
  # and each ? of an IAM pattern matches exactly one character: ????/<prefix>/* names the
  # entropy keys and no other app's (a key of another app starts with apps/<ns>/, so it
  # could match only if a namespace were called "apps", which the platform refuses).
  key_patterns = concat(
    ["${var.prefix}/*"],
    var.entropy ? ["????/${var.prefix}/*"] : [],
  )

  # ListBucket's s3:prefix: the app's prefix itself and anything under it.
  list_prefixes = concat(
    [var.prefix, "${var.prefix}/*"],
    var.entropy ? ["????/${var.prefix}", "????/${var.prefix}/*"] : [],
  )
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:sub"
      values   = [local.subject]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "state" {
  statement {
    sid       = "ListOwnPrefix"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = local.list_prefixes
    }
  }

  statement {
    sid     = "ReadWriteOwnKeys"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [
      for p in local.key_patterns : "${local.bucket_arn}/${p}"
    ]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "UseBucketKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "app" {
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = merge(var.tags, { "weir.dev/app" = "${var.namespace}/${var.service_account}" })
}

resource "aws_iam_role_policy" "state" {
  name   = "flink-state"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.state.json
}
