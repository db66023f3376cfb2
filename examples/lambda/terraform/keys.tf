# The public keys viewers' credentials are checked against, and the key
# group the signed behaviors trust. A key group holds up to 5 public keys:
# "Quotas on public keys and key groups" in
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
# and "Specify signers that can create signed URLs and signed cookies",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-trusted-signers.html
resource "aws_cloudfront_public_key" "trusted" {
  for_each = local.public_keys

  name        = "${local.name}-${each.key}"
  comment     = "cfhls ${local.name}"
  encoded_key = "${each.value}\n"
}

resource "aws_cloudfront_key_group" "viewers" {
  name    = local.name
  comment = "cfhls ${local.name}: keys whose signatures the signed behaviors accept"
  items   = [for k in keys(local.public_keys) : aws_cloudfront_public_key.trusted[k].id]
}

# Room for each key's private half, filled outside Terraform (see the
# README) so that it never enters the state. One store per key makes a
# rotation atomic: the function's key pair ID and its key store change in
# the same configuration update.
resource "aws_secretsmanager_secret" "private_key" {
  for_each = var.kms_key_id == "" && var.private_key_store == "secretsmanager" ? local.public_keys : {}

  name_prefix             = "${local.name}-${each.key}-"
  description             = "cfhls private key (PEM) of CloudFront public key ${local.name}-${each.key}"
  recovery_window_in_days = 7
}

# SSM parameters are not managed here: the provider reads a SecureString
# it manages with decryption on every refresh and keeps the value in the
# state, ignore_changes or not (hashicorp/terraform#20349). The module only
# names them; the README's step 5 creates each with aws ssm put-parameter.
locals {
  ssm_parameters = {
    for k in keys(var.kms_key_id == "" && var.private_key_store == "ssm" ? local.public_keys : {}) :
    k => "/${local.name}/${k}/private-key"
  }
}

data "aws_caller_identity" "current" {}

data "aws_kms_key" "signing" {
  count  = var.kms_key_id == "" ? 0 : 1
  key_id = var.kms_key_id
}

locals {
  # The one key store the function reads, its environment variable and the
  # IAM statement that lets it (least privilege: only the signing key).
  key_store = (
    var.kms_key_id != "" ? {
      env   = "CFHLS_KMS_KEY_ID"
      value = one(data.aws_kms_key.signing[*].arn)
      sid   = "SignWithKMSKey"
      # The function reads the public key once at startup, then signs.
      actions  = ["kms:GetPublicKey", "kms:Sign"]
      resource = one(data.aws_kms_key.signing[*].arn)
      } : var.private_key_store == "ssm" ? {
      env      = "CFHLS_PRIVATE_KEY_PARAMETER"
      value    = local.ssm_parameters[local.signing_key]
      sid      = "ReadPrivateKeyParameter"
      actions  = ["ssm:GetParameter"]
      resource = "arn:aws:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter${local.ssm_parameters[local.signing_key]}"
      } : {
      env      = "CFHLS_PRIVATE_KEY_SECRET"
      value    = aws_secretsmanager_secret.private_key[local.signing_key].arn
      sid      = "ReadPrivateKeySecret"
      actions  = ["secretsmanager:GetSecretValue"]
      resource = aws_secretsmanager_secret.private_key[local.signing_key].arn
    }
  )
}
