# Playlists (*.m3u8): per mode, as locals.mode says. "Control the cache key
# with a policy",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html
resource "aws_cloudfront_cache_policy" "playlists" {
  name        = "${local.name}-playlists"
  comment     = "cfhls ${var.mode}: rewritten playlists"
  min_ttl     = 0
  default_ttl = local.mode.default_ttl
  max_ttl     = local.mode.max_ttl

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = local.mode.query_behavior

      dynamic "query_strings" {
        for_each = length(local.mode.query_names) > 0 ? [local.mode.query_names] : []
        content {
          items = query_strings.value
        }
      }
    }
  }
}

# What reaches the function besides the cache key. CloudFront sends no
# viewer query string to an origin unless a policy names it. "Control origin
# requests with a policy",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html
resource "aws_cloudfront_origin_request_policy" "playlists" {
  name    = "${local.name}-playlists"
  comment = "cfhls ${var.mode}: what the playlist origin reads"

  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = length(local.mode.origin_headers) > 0 ? "whitelist" : "none"

    dynamic "headers" {
      for_each = length(local.mode.origin_headers) > 0 ? [local.mode.origin_headers] : []
      content {
        items = headers.value
      }
    }
  }
  query_strings_config {
    query_string_behavior = local.mode.query_behavior

    dynamic "query_strings" {
      for_each = length(local.mode.query_names) > 0 ? [local.mode.query_names] : []
      content {
        items = query_strings.value
      }
    }
  }
}

# The sign endpoint is never cached (it answers Cache-Control: no-store),
# but the viewer's Authorization header reaches an origin only through the
# cache key: "You can't use an origin request policy to forward the
# Authorization header",
# https://repost.aws/knowledge-center/cloudfront-authorization-header
# (a maximum TTL above 0 is what allows headers in the key). Every cookie
# is in the key so that the CloudFront-* cookies of cookies mode come back:
# CloudFront drops Set-Cookie from answers when it forwards no cookies
# ("Cache content based on cookies",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html).
resource "aws_cloudfront_cache_policy" "sign" {
  name        = "${local.name}-sign"
  comment     = "cfhls: the sign endpoint, never cached"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 1

  parameters_in_cache_key_and_forwarded_to_origin {
    cookies_config {
      cookie_behavior = "all"
    }
    headers_config {
      header_behavior = "whitelist"
      headers {
        items = ["Authorization"]
      }
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# The sign endpoint answers CORS itself (CFHLS_ALLOW_ORIGINS): it needs the
# viewer's Origin and the preflight's headers.
resource "aws_cloudfront_origin_request_policy" "sign" {
  name    = "${local.name}-sign"
  comment = "cfhls: CORS request headers for the sign endpoint"

  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"]
    }
  }
  query_strings_config {
    query_string_behavior = "none"
  }
}

# CORS for playlists, segments and keys, with credentials in cookies mode
# (the browser sends the CloudFront-* cookies only then), replacing any
# headers the origins send. "Understand response headers policies",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html#understanding-response-headers-policies-cors
# and examples/server/README.md, "CORS: playing from your own page".
resource "aws_cloudfront_response_headers_policy" "cors" {
  name    = "${local.name}-cors"
  comment = "cfhls ${var.mode}: CORS for the player page"

  cors_config {
    access_control_allow_credentials = local.mode.cors_credentials
    access_control_max_age_sec       = 600
    origin_override                  = true

    access_control_allow_headers {
      items = ["Range"]
    }
    access_control_allow_methods {
      items = ["GET", "HEAD", "OPTIONS"]
    }
    access_control_allow_origins {
      items = var.allow_origins
    }
    access_control_expose_headers {
      items = ["Content-Length", "Content-Range"]
    }
  }
}

# Segments, init sections and AES keys from S3: CloudFront's managed
# CachingOptimized policy. "Use managed cache policies",
# https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

resource "aws_cloudfront_distribution" "cdn" {
  enabled         = true
  comment         = "cfhls ${var.mode}: ${var.bucket_name}"
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  aliases         = var.alternate_domain != "" ? [var.alternate_domain] : []

  # The function, behind its HTTP API. Only CloudFront knows the secret
  # header, and the function refuses playlist requests without it
  # ("Add custom headers to origin requests", and "Restrict access to
  # Application Load Balancers" for the same pattern,
  # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/add-origin-custom-headers.html).
  origin {
    origin_id   = "function"
    domain_name = replace(aws_apigatewayv2_api.cfhls.api_endpoint, "https://", "")

    custom_header {
      name  = "X-Cfhls-Origin-Secret"
      value = local.origin_secret
    }

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  # The bucket, through origin access control (storage.tf).
  origin {
    origin_id                = "media"
    domain_name              = aws_s3_bucket.media.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.media.id
  }

  # The sign endpoint: public (no key group), never cached.
  ordered_cache_behavior {
    path_pattern             = "/sign"
    target_origin_id         = "function"
    viewer_protocol_policy   = "https-only"
    allowed_methods          = ["GET", "HEAD", "OPTIONS"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = false
    cache_policy_id          = aws_cloudfront_cache_policy.sign.id
    origin_request_policy_id = aws_cloudfront_origin_request_policy.sign.id
  }

  # Playlists, rewritten by the function; signed requests only.
  # "Restrict access with signed URLs and signed cookies",
  # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/PrivateContent.html
  ordered_cache_behavior {
    path_pattern               = "*.m3u8"
    target_origin_id           = "function"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    trusted_key_groups         = [aws_cloudfront_key_group.viewers.id]
    cache_policy_id            = aws_cloudfront_cache_policy.playlists.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.playlists.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id
  }

  # Everything else (segments, init sections, keys) from the bucket; signed
  # requests only.
  default_cache_behavior {
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    trusted_key_groups         = [aws_cloudfront_key_group.viewers.id]
    cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  # The default *.cloudfront.net certificate, or the alternate domain's ACM
  # certificate (which must be in us-east-1) with SNI. "Use alternate domain
  # names and HTTPS",
  # https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
  viewer_certificate {
    cloudfront_default_certificate = var.alternate_domain == ""
    acm_certificate_arn            = var.alternate_domain == "" ? null : var.acm_certificate_arn
    ssl_support_method             = var.alternate_domain == "" ? null : "sni-only"
    minimum_protocol_version       = var.alternate_domain == "" ? "TLSv1" : "TLSv1.2_2021"
  }
}
