# An EKS cluster in an existing VPC, and the IAM OIDC provider its service accounts' tokens
# are trusted through (IRSA: modules/app-irsa's roles name this provider).

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${var.name}-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

data "aws_partition" "current" {}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  access_config {
    authentication_mode = "API"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = alltrue([for s in data.aws_subnet.cluster : s.vpc_id == var.vpc_id])
      error_message = "Every subnet in subnet_ids must belong to vpc_id."
    }
    precondition {
      condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
      error_message = "A public endpoint needs public_access_cidrs (the module does not open it to 0.0.0.0/0 by default)."
    }
  }

  depends_on = [aws_iam_role_policy_attachment.cluster]
}

data "aws_subnet" "cluster" {
  for_each = toset(var.subnet_ids)
  id       = each.value
}

data "tls_certificate" "oidc" {
  url = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

resource "aws_iam_openid_connect_provider" "this" {
  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [data.tls_certificate.oidc.certificates[0].sha1_fingerprint] # the root CA
  tags            = var.tags
}
