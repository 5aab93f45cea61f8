output "node_groups" {
  description = "Each pool's node group name and the label and taint it carries."
  value = {
    for pool, ng in aws_eks_node_group.pool : pool => {
      node_group_name = ng.node_group_name
      label           = "${var.label_key}=${pool}"
      taint           = "${var.label_key}=${pool}:NoSchedule"
    }
  }
}

output "node_role_arn" {
  description = "The nodes' IAM role."
  value       = aws_iam_role.node.arn
}
