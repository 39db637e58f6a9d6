data "aws_secretsmanager_secret_version" "db" {
  secret_id = "prod/storefront/db"
}

locals {
  db_creds = jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)
}

resource "aws_db_instance" "main" {
  identifier          = "storefront-prod"
  engine              = "postgres"
  instance_class      = "db.r6g.large"
  username            = local.db_creds.username
  password            = local.db_creds.password
  storage_encrypted   = true
  kms_key_id          = aws_kms_key.db.arn
  deletion_protection = true
}

resource "aws_ecs_task_definition" "api" {
  family = "storefront-api"
  container_definitions = jsonencode([{
    name  = "api"
    image = "${aws_ecr_repository.api.repository_url}:${var.image_tag}"
    secrets = [
      { name = "DATABASE_PASSWORD", valueFrom = "${data.aws_secretsmanager_secret_version.db.arn}:password::" },
      { name = "STRIPE_SECRET_KEY", valueFrom = aws_ssm_parameter.stripe_secret_key.arn },
    ]
  }])
}

resource "aws_ssm_parameter" "stripe_secret_key" {
  name  = "/storefront/prod/stripe_secret_key"
  type  = "SecureString"
  value = var.stripe_secret_key
}
