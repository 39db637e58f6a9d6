variable "db_password" {
  description = "Master password for the reporting database"
  type        = string
  sensitive   = true
}

resource "random_password" "grafana_admin" {
  length           = 24
  special          = true
  override_special = "!#%&*()-_=+[]{}<>:?"
}

resource "aws_db_instance" "reporting" {
  identifier     = "trident-reporting"
  engine         = "postgres"
  instance_class = "db.t4g.medium"
  username       = "reporting_admin"
  password       = var.db_password
}

resource "aws_ssm_parameter" "grafana_admin_password" {
  name  = "/trident/grafana/admin_password"
  type  = "SecureString"
  value = random_password.grafana_admin.result
}
