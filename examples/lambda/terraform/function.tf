# The function: the sign endpoint (/sign) and the playlist origin (*.m3u8),
# the cmd in examples/lambda, built as bootstrap for provided.al2023 on arm64
# (see the README for the command). "Building Lambda functions with Go",
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-golang.html
data "archive_file" "function" {
  type             = "zip"
  source_file      = local.bootstrap_path
  output_path      = "${path.module}/build/function.zip"
  output_file_mode = "0755"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = local.name
  description        = "cfhls ${local.name}: the sign endpoint and playlist origin"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

# Least privilege: write its own logs, read objects of its bucket, and read
# (or, with KMS, use) the one signing key. A secret or parameter encrypted
# with the AWS managed key (aws/secretsmanager, aws/ssm) needs no KMS
# permission in the role; a customer managed key would need kms:Decrypt.
data "aws_iam_policy_document" "function" {
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function.arn}:*"]
  }

  statement {
    sid       = "ReadPlaylists"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/*"]
  }

  # Without s3:ListBucket, S3 answers a missing object 403 AccessDenied,
  # which the origin must treat as a failure (502); with it, 404 NoSuchKey,
  # passed on as 404. It lists keys, it reads nothing.
  statement {
    sid       = "TellMissingPlaylists"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.media.arn]
  }

  statement {
    sid       = local.key_store.sid
    actions   = local.key_store.actions
    resources = [local.key_store.resource]
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "cfhls"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_lambda_function" "cfhls" {
  function_name    = local.name
  description      = "cfhls ${var.mode}: sign endpoint and playlist origin"
  role             = aws_iam_role.function.arn
  runtime          = "provided.al2023"
  architectures    = ["arm64"]
  handler          = "bootstrap"
  filename         = data.archive_file.function.output_path
  source_code_hash = data.archive_file.function.output_base64sha256
  memory_size      = var.memory_size
  timeout          = 10

  # The variables examples/lambda/config.go reads.
  environment {
    variables = merge(
      {
        CFHLS_KEY_PAIR_ID   = aws_cloudfront_public_key.trusted[local.signing_key].id
        CFHLS_CDN_URL       = "https://${local.cdn_domain}"
        CFHLS_ORIGIN_BUCKET = aws_s3_bucket.media.id
        CFHLS_ORIGIN_SECRET = local.origin_secret
        CFHLS_PLAYLIST      = var.playlist_path
        CFHLS_MODE          = var.mode
        CFHLS_TTL           = var.ttl
        CFHLS_VIEWER_TOKEN  = local.viewer_token
        CFHLS_ALLOW_ORIGINS = join(",", var.allow_origins)
        # The playlist cache policy keys on every query string in these
        # modes (locals.tf), so the function may let CloudFront share
        # answers that depend on them.
        CFHLS_QUERY_IN_CACHE_KEY = local.mode.query_behavior == "all" ? "true" : "false"
        # The key group's other keys (a rotation's old or next one), as
        # ID=base64 DER: server-side mode checks viewers against them too.
        CFHLS_TRUSTED_PUBLIC_KEYS = join(",", [
          for k, pem in local.public_keys :
          "${aws_cloudfront_public_key.trusted[k].id}=${replace(replace(pem, "/-----[A-Z ]+-----/", ""), "/\\s/", "")}"
          if k != local.signing_key
        ])
      },
      { (local.key_store.env) = local.key_store.value },
    )
  }

  depends_on = [aws_cloudwatch_log_group.function, aws_iam_role_policy.function]
}

# An HTTP API (payload format 2.0) in front of the function, not a function
# URL: the function needs the distribution's domain (CFHLS_CDN_URL) and the
# distribution needs its origin's domain. A function URL's domain exists
# only once the function does, a cycle; the API's exists before the
# function. "Create an HTTP API with Lambda proxy integration",
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
resource "aws_apigatewayv2_api" "cfhls" {
  name          = local.name
  description   = "cfhls ${local.name}: origin of /sign and *.m3u8 behind CloudFront"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "cfhls" {
  api_id                 = aws_apigatewayv2_api.cfhls.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.cfhls.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "cfhls" {
  api_id    = aws_apigatewayv2_api.cfhls.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.cfhls.id}"
}

resource "aws_apigatewayv2_stage" "cfhls" {
  api_id      = aws_apigatewayv2_api.cfhls.id
  name        = "$default"
  auto_deploy = true
}

# API Gateway may invoke the function for this API only ("Grant API Gateway
# permission to invoke your Lambda function" on the page above).
resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHTTPAPIInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.cfhls.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.cfhls.execution_arn}/*/*"
}
