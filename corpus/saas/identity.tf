provider "okta" {
  org_name  = "tessellate"
  base_url  = "okta.com"
  api_token = "00naLqIHaDvZzLj0DN7cOO3C7u2Vj7b_aA78o8LNQQ"
}

provider "auth0" {
  domain        = "tessellate.eu.auth0.com"
  client_id     = "yO3m2g91uzOI65tGaHchs0blHdJpisJA"
  client_secret = "-f203hOW4AUAy7uV-TZ-MtUNo7jNln2a5OF3ngHtb27MMOfIgWZ2qkAVWqGjMf6j"
}

resource "okta_group" "engineering" {
  name        = "Engineering"
  description = "All engineers"
}

resource "auth0_client" "dashboard" {
  name            = "Customer dashboard"
  app_type        = "spa"
  callbacks       = ["https://app.tessellate.io/callback"]
  allowed_origins = ["https://app.tessellate.io"]
}
