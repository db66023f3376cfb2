variable "bucket_name" {
  description = "Name of the private S3 bucket the module creates for playlists, segments and keys."
  type        = string

  validation {
    # Dots are refused: a dotted name breaks TLS on virtual-hosted S3 URLs.
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "public_key" {
  description = "PEM public key (RSA 2048 or ECDSA P-256) of the key pair the function signs with."
  type        = string

  validation {
    condition     = can(regex("^-----BEGIN PUBLIC KEY-----\\n[A-Za-z0-9+/=\\n]+\\n-----END PUBLIC KEY-----$", trimspace(var.public_key)))
    error_message = "public_key: a PEM \"BEGIN PUBLIC KEY\" block, e.g. the output of openssl pkey -pubout."
  }
}

variable "mode" {
  description = "How viewers carry credentials: propagate, server-side or cookies (CFHLS_MODE)."
  type        = string
  default     = "propagate"

  validation {
    condition     = contains(["propagate", "server-side", "cookies"], var.mode)
    error_message = "mode: one of propagate, server-side, cookies."
  }
}

variable "extra_public_keys" {
  description = "Further PEM public keys the key group trusts without signing with them: the next or the previous key during a rotation."
  type        = list(string)
  default     = []

  validation {
    # A key group holds at most 5 public keys (CloudFront quotas).
    condition     = length(var.extra_public_keys) <= 4
    error_message = "extra_public_keys: at most 4, since a key group holds at most 5 keys with public_key."
  }
  validation {
    condition     = alltrue([for k in var.extra_public_keys : can(regex("^-----BEGIN PUBLIC KEY-----\\n[A-Za-z0-9+/=\\n]+\\n-----END PUBLIC KEY-----$", trimspace(k)))])
    error_message = "extra_public_keys: every entry a PEM \"BEGIN PUBLIC KEY\" block."
  }
  validation {
    condition     = length(distinct([for k in concat([var.public_key], var.extra_public_keys) : trimspace(k)])) == length(var.extra_public_keys) + 1
    error_message = "extra_public_keys: no key twice, and not public_key itself."
  }
}

variable "region" {
  description = "AWS region of the bucket, the function and the HTTP API."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region: an AWS region name such as us-east-1."
  }
}

variable "private_key_store" {
  description = "Where the module makes room for each private key: secretsmanager (a secret) or ssm (a SecureString parameter). Ignored with kms_key_id."
  type        = string
  default     = "secretsmanager"

  validation {
    condition     = contains(["secretsmanager", "ssm"], var.private_key_store)
    error_message = "private_key_store: secretsmanager or ssm."
  }
}

variable "kms_key_id" {
  description = "ID, ARN or alias of an asymmetric KMS key (SIGN_VERIFY) to sign with instead of a stored private key (CFHLS_KMS_KEY_ID); public_key must be its public key."
  type        = string
  default     = ""

  validation {
    condition     = var.kms_key_id == "" || can(regex("^(arn:aws[a-z-]*:kms:|alias/|[0-9a-f-]{36}$|mrk-)", var.kms_key_id))
    error_message = "kms_key_id: a key ID, a key or alias ARN, or alias/NAME."
  }
}

variable "alternate_domain" {
  description = "Alternate domain name (CNAME) of the distribution, e.g. video.example.com. Required in cookies mode: the cookies belong to it."
  type        = string
  default     = ""

  validation {
    condition     = var.alternate_domain == "" || can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.alternate_domain))
    error_message = "alternate_domain: a lowercase host name such as video.example.com."
  }
  validation {
    # A browser keeps cookies for a host it visits; a cloudfront.net name is
    # on the Public Suffix List, so the player page can never share a site
    # with it and its cookies are third-party.
    condition     = var.mode != "cookies" || var.alternate_domain != ""
    error_message = "alternate_domain: required in cookies mode (a domain that shares a site with the player page)."
  }
}

variable "acm_certificate_arn" {
  description = "ARN of an ACM certificate in us-east-1 covering alternate_domain. Required with alternate_domain."
  type        = string
  default     = ""

  validation {
    # CloudFront only uses certificates from us-east-1.
    condition     = var.acm_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/", var.acm_certificate_arn))
    error_message = "acm_certificate_arn: an ACM certificate ARN in us-east-1."
  }
  validation {
    condition     = (var.acm_certificate_arn == "") == (var.alternate_domain == "")
    error_message = "acm_certificate_arn: set it exactly when alternate_domain is set."
  }
}

variable "allow_origins" {
  description = "Origins of the pages allowed to play (CORS), e.g. https://www.example.com; [\"*\"] allows any page except in cookies mode."
  type        = list(string)
  default     = ["*"]

  validation {
    condition     = length(var.allow_origins) > 0 && alltrue([for o in var.allow_origins : o == "*" || can(regex("^https?://[a-z0-9.-]+(:[0-9]+)?$", o))])
    error_message = "allow_origins: \"*\" or origins like https://www.example.com (scheme, host, optional port; no path)."
  }
  validation {
    # Browsers refuse Access-Control-Allow-Origin "*" on credentialed requests.
    condition     = var.mode != "cookies" || !contains(var.allow_origins, "*")
    error_message = "allow_origins: list the page origins in cookies mode; \"*\" is refused with credentials."
  }
}

variable "playlist_path" {
  description = "Path of a presentation's playlist with {id} (CFHLS_PLAYLIST); it must end in .m3u8 to reach the playlist behavior."
  type        = string
  default     = "/movies/{id}/index.m3u8"

  validation {
    condition     = can(regex("^/.*\\{id\\}.*\\.m3u8$", var.playlist_path))
    error_message = "playlist_path: a path starting with / that holds {id} and ends in .m3u8."
  }
}

variable "ttl" {
  description = "How long credentials last (CFHLS_TTL, a Go duration such as 6h or 90m); expiries round up to 15 minutes."
  type        = string
  default     = "6h"

  validation {
    condition     = can(regex("^([0-9]+h)?([0-9]+m)?([0-9]+s)?$", var.ttl)) && var.ttl != ""
    error_message = "ttl: hours, minutes and seconds such as 6h, 90m or 1h30m."
  }
}

variable "viewer_token" {
  description = "Bearer token the demo sign endpoint accepts (CFHLS_VIEWER_TOKEN); empty generates one (output viewer_token)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.viewer_token == "" || length(var.viewer_token) >= 16
    error_message = "viewer_token: at least 16 characters, or empty to generate one."
  }
}

variable "origin_secret" {
  description = "Value of the X-Cfhls-Origin-Secret header CloudFront adds to requests to the function (CFHLS_ORIGIN_SECRET); empty generates one."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.origin_secret == "" || can(regex("^[A-Za-z0-9_.~-]{16,256}$", var.origin_secret))
    error_message = "origin_secret: 16 to 256 letters, digits, _ . ~ or -, or empty to generate one."
  }
}

variable "name" {
  description = "Prefix of every resource name; the bucket name is appended."
  type        = string
  default     = "cfhls"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]{0,19}$", var.name))
    error_message = "name: 1 to 20 letters, digits or hyphens, starting with a letter."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100, PriceClass_200 or PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class: PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB (CPU grows with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size
    error_message = "memory_size: a whole number of MB from 128 to 10240."
  }
}

variable "log_retention_days" {
  description = "Days the function's CloudWatch logs are kept."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "bootstrap_path" {
  description = "Path of the built bootstrap binary; empty means bootstrap beside these files."
  type        = string
  default     = ""

  # archive_file names the zip entry after the file, and provided.al2023
  # runs the one named bootstrap.
  validation {
    condition     = var.bootstrap_path == "" || basename(var.bootstrap_path) == "bootstrap"
    error_message = "bootstrap_path: the file must be named bootstrap (provided.al2023 runs nothing else); build with go build -o DIR/bootstrap."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket with the media still in it."
  type        = bool
  default     = false
}
