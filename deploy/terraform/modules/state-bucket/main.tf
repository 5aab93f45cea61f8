# An S3 bucket for Flink state (checkpoints, savepoints, HA): encrypted, private, TLS only,
# with lifecycle rules for what Flink leaves behind. Key layout (internal/profile/config.go,
# docs/s3.md), with prefixTemplate apps/{{namespace}}/{{name}} and entropy on:
#   apps/<ns>/<app>/savepoints/...             savepoints
#   apps/<ns>/<app>/ha/...                     Kubernetes HA metadata
#   apps/<ns>/<app>/checkpoints/<job>/chk-N/_metadata
#   <4 random chars>/apps/<ns>/<app>/checkpoints/...   checkpoint data files (entropy)

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

# Without versioning there is no resource: a new bucket is unversioned, and removing this
# resource from a versioned bucket suspends its versioning.
resource "aws_s3_bucket_versioning" "this" {
  count  = var.versioning ? 1 : 0
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

data "aws_iam_policy_document" "tls_only" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.tls_only.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Lifecycle rules. A rule's filter matches a key PREFIX (or tags, or sizes), never a middle
# part: with entropy, checkpoint data lives under <4 random chars>/apps/<ns>/<app>/checkpoints/,
# 62^4 possible first segments, so no prefix rule can target "old checkpoints" there. What
# works for every key are the bucket-wide rules (empty filter) below; the age-based expiry of
# current objects is opt-in and prefix-bound (var.checkpoint_expiration).
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_multipart_days
    }
  }

  dynamic "rule" {
    for_each = var.versioning ? [1] : []
    content {
      id     = "expire-noncurrent-versions"
      status = "Enabled"
      filter {}
      noncurrent_version_expiration {
        noncurrent_days = var.noncurrent_days
      }
      expiration {
        expired_object_delete_marker = true
      }
    }
  }

  dynamic "rule" {
    for_each = toset(var.checkpoint_expiration.prefixes)
    content {
      id     = "expire-checkpoints-${substr(sha1(rule.value), 0, 12)}"
      status = "Enabled"
      filter {
        prefix = rule.value
      }
      expiration {
        days = var.checkpoint_expiration.days
      }
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}
