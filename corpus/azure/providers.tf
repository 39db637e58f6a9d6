terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 3.100"
    }
  }
  backend "azurerm" {
    resource_group_name  = "rg-tfstate"
    storage_account_name = "acmetfstate01"
    container_name       = "tfstate"
    key                  = "network.tfstate"
  }
}

provider "azurerm" {
  features {}

  subscription_id = "3c169beb-2c9d-4138-aeef-5a3180d849a3"
  tenant_id       = "8dd314e5-0894-433f-b529-8885d1b68f0a"
  client_id       = "2dda27e3-cf38-4fda-8096-8bb65c7b6c06"
  client_secret   = "7WX8Q~mPfjX0fqysNeyLi607~rJm0VwNdn39cdQN"
}
