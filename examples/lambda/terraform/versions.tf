terraform {
  # Validation conditions that refer to other variables need Terraform 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5"
    }
  }
}

# Credentials come from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO,
# an instance role), never from this file.
provider "aws" {
  region = var.region

  default_tags {
    tags = {
      "cfhls:deployment" = local.name
    }
  }
}
