variable "stripe_api_key" {
  description = "Stripe secret key for the billing service"
  type        = string
  sensitive   = true
}

variable "square_access_token" {
  type      = string
  sensitive = true
}

resource "aws_secretsmanager_secret" "billing" {
  name = "prod/billing/providers"
}

resource "aws_secretsmanager_secret_version" "billing" {
  secret_id = aws_secretsmanager_secret.billing.id
  secret_string = jsonencode({
    STRIPE_API_KEY      = var.stripe_api_key
    SQUARE_ACCESS_TOKEN = var.square_access_token
    RAZORPAY_KEY_SECRET = data.aws_ssm_parameter.razorpay_secret.value
  })
}

data "aws_ssm_parameter" "razorpay_secret" {
  name = "/prod/billing/razorpay_key_secret"
}
