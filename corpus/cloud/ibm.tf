terraform {
  required_providers {
    ibm = {
      source  = "IBM-Cloud/ibm"
      version = ">= 1.63.0"
    }
  }
}

provider "ibm" {
  ibmcloud_api_key = "ptzh8gu_iDSrSl_Ly-Tvg1eCucL2Xb69xwGtB9GWYsHg"
  region           = "eu-de"
}

resource "ibm_resource_group" "app" {
  name = "rg-inventory"
}

resource "ibm_is_vpc" "app" {
  name           = "vpc-inventory"
  resource_group = ibm_resource_group.app.id
}
