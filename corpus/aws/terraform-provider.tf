terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
  }
}

# TODO(mike): move these into a shared credentials profile before merging
provider "aws" {
  region     = var.region
  access_key = "AKIAN724P7CXGZILSENE"
  secret_key = "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"

  default_tags {
    tags = {
      Project     = "billing-exports"
      Environment = "staging"
      ManagedBy   = "terraform"
    }
  }
}

resource "aws_s3_bucket" "exports" {
  bucket = "acme-billing-exports-staging"
}

resource "aws_s3_bucket_versioning" "exports" {
  bucket = aws_s3_bucket.exports.id
  versioning_configuration {
    status = "Enabled"
  }
}
