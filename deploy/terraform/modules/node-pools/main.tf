# One managed node group per app pool. Each node carries the label <label_key>=<pool> and
# the taint <label_key>=<pool>:NoSchedule: a profile's placement (nodeSelector on the label,
# a toleration of the taint) puts its apps there, and nothing else lands on the pool.

data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_partition" "current" {}

# One node role for every pool: the nodes need only the worker, CNI and ECR policies. Apps
# reach S3 through their own IRSA role (modules/app-irsa), never through the node's.
resource "aws_iam_role" "node" {
  name               = "${var.cluster_name}-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])
  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

resource "aws_eks_node_group" "pool" {
  for_each = var.pools

  cluster_name    = var.cluster_name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = each.value.instance_types
  capacity_type   = each.value.capacity_type
  disk_size       = each.value.disk_size

  scaling_config {
    min_size     = each.value.min_size
    max_size     = each.value.max_size
    desired_size = each.value.desired_size
  }

  labels = {
    (var.label_key) = each.key
  }

  taint {
    key    = var.label_key
    value  = each.key
    effect = "NO_SCHEDULE"
  }

  tags = merge(var.tags, { "weir.dev/pool" = each.key })

  # The cluster autoscaler changes desired_size; Terraform leaves it be.
  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}

resource "aws_eks_node_group" "system" {
  count = var.system_pool == null ? 0 : 1

  cluster_name    = var.cluster_name
  node_group_name = "system"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.system_pool.instance_types

  scaling_config {
    min_size     = var.system_pool.min_size
    max_size     = var.system_pool.max_size
    desired_size = var.system_pool.desired_size
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}
