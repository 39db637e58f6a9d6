terraform {
  # Authenticate with `terraform login` locally; CI sets TF_TOKEN_app_terraform_io.
  cloud {
    organization = "acme-widgets"

    workspaces {
      tags = ["platform", "aws"]
    }
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.40"
    }
    vault = {
      source  = "hashicorp/vault"
      version = "~> 4.2"
    }
  }
}

provider "vault" {
  address = "https://vault.acme-widgets.com:8200"
  # token is read from VAULT_TOKEN
}
