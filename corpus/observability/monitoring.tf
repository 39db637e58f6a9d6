terraform {
  required_providers {
    datadog = {
      source  = "DataDog/datadog"
      version = "~> 3.36"
    }
    pagerduty = {
      source  = "PagerDuty/pagerduty"
      version = "~> 3.9"
    }
  }
}

provider "datadog" {
  api_key = "3855aeb4dc8d69123004b7d9a6470e62"
  api_url = "https://api.us5.datadoghq.com/"
  app_key = "471b661c4fe54944b09a5eef385ccb1398fb1dc8"
}

provider "pagerduty" {
  token = "u+AU_pRogp6u0bZWmywg"
}

resource "datadog_monitor" "checkout_latency" {
  name    = "checkout p95 latency"
  type    = "metric alert"
  query   = "percentile(last_10m):p95:trace.http.request{service:checkout,env:prod} > 1.5"
  message = "p95 above 1.5s @pagerduty-Checkout"
}
