locals {
  # Every resource is named after the deployment; 64 characters fit the
  # tightest limits (Lambda function, IAM role, origin access control).
  name = substr("${var.name}-${var.bucket_name}", 0, 64)

  # What each mode needs from the playlist behavior, after the Caching
  # section of the playlist package's documentation (go doc
  # github.com/cfhls/cfhls/playlist):
  #   - minimum TTL 0: above 0 CloudFront caches "even if the Cache-Control:
  #     no-cache, no-store, or private directives are present" (MinTTL in
  #     https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html);
  #   - maximum TTL of at least the 15-minute bucket, so the Handler's
  #     s-maxage is honoured;
  #   - propagate and server-side: every query string in the cache key and
  #     at the origin (the carried *-PREFIX copies the function reads; the
  #     function's server-side mode checks the viewer's carried policy);
  #   - cookies: the playlist carries no credentials, only the LL-HLS
  #     _HLS_msn, _HLS_part and _HLS_skip tell answers apart; the origin's
  #     own Cache-Control applies, CachingOptimized's default TTL without one;
  #   - no headers or cookies in the cache key.
  # CloudFront-Viewer-Address reaches the origin (not the key) in
  # server-side mode, where the Handler checks the viewer's IP condition.
  mode_settings = {
    propagate = {
      query_behavior   = "all"
      query_names      = []
      origin_headers   = []
      default_ttl      = 0
      max_ttl          = 3600
      cors_credentials = false
    }
    server-side = {
      query_behavior   = "all"
      query_names      = []
      origin_headers   = ["CloudFront-Viewer-Address"]
      default_ttl      = 0
      max_ttl          = 3600
      cors_credentials = false
    }
    cookies = {
      query_behavior   = "whitelist"
      query_names      = ["_HLS_msn", "_HLS_part", "_HLS_skip"]
      origin_headers   = []
      default_ttl      = 86400
      max_ttl          = 31536000
      cors_credentials = true
    }
  }
  mode = local.mode_settings[var.mode]

  # Every trusted public key, by a short hash of its PEM: a key keeps its
  # CloudFront ID and its private key's store when it moves between
  # public_key and extra_public_keys during a rotation.
  public_keys = {
    for pem in concat([var.public_key], var.extra_public_keys) :
    substr(sha256(trimspace(pem)), 0, 16) => trimspace(pem)
  }
  signing_key = substr(sha256(trimspace(var.public_key)), 0, 16)

  # The host viewers use, and the URL the function builds every URL from.
  cdn_domain = var.alternate_domain != "" ? var.alternate_domain : aws_cloudfront_distribution.cdn.domain_name

  origin_secret  = var.origin_secret != "" ? var.origin_secret : random_password.origin_secret.result
  viewer_token   = var.viewer_token != "" ? var.viewer_token : random_password.viewer_token.result
  bootstrap_path = var.bootstrap_path != "" ? var.bootstrap_path : "${path.module}/bootstrap"
}

resource "random_password" "origin_secret" {
  length  = 40
  special = false
}

resource "random_password" "viewer_token" {
  length  = 32
  special = false
}
