output "distribution_domain" {
  description = "The distribution's own domain: point alternate_domain's DNS record (CNAME or Route 53 alias) here."
  value       = aws_cloudfront_distribution.cdn.domain_name
}

output "distribution_id" {
  description = "The distribution's ID, for aws cloudfront wait distribution-deployed --id."
  value       = aws_cloudfront_distribution.cdn.id
}

output "cdn_url" {
  description = "The URL viewers play from (CFHLS_CDN_URL)."
  value       = "https://${local.cdn_domain}"
}

output "sign_url" {
  description = "The sign endpoint: GET with ?id= and Authorization: Bearer <viewer_token>."
  value       = "https://${local.cdn_domain}/sign"
}

output "api_endpoint" {
  description = "The HTTP API in front of the function (CloudFront's origin for /sign and *.m3u8)."
  value       = aws_apigatewayv2_api.cfhls.api_endpoint
}

output "bucket" {
  description = "The media bucket: upload presentations under the playlist path."
  value       = aws_s3_bucket.media.id
}

output "key_pair_id" {
  description = "ID of the public key the function signs with (CFHLS_KEY_PAIR_ID)."
  value       = aws_cloudfront_public_key.trusted[local.signing_key].id
}

output "key_group_id" {
  description = "ID of the key group the signed behaviors trust."
  value       = aws_cloudfront_key_group.viewers.id
}

output "private_key_store" {
  description = "Where the function reads its signing key: a Secrets Manager secret ARN, an SSM parameter name, or the KMS key ARN."
  value       = local.key_store.value
}

output "private_key_stores" {
  description = "Every trusted key's private key store (secret ARN or parameter name), by public key hash: fill a new key's store before signing with it."
  value = merge(
    { for k, s in aws_secretsmanager_secret.private_key : k => s.arn },
    local.ssm_parameters,
  )
}

output "function_name" {
  description = "The Lambda function, for its logs: aws logs tail /aws/lambda/NAME."
  value       = aws_lambda_function.cfhls.function_name
}

output "viewer_token" {
  description = "The bearer token the demo sign endpoint accepts."
  value       = local.viewer_token
  sensitive   = true
}
