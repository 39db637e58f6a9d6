resource "aws_db_instance" "reporting" {
  identifier             = "trident-reporting"
  engine                 = "postgres"
  engine_version         = "15.5"
  instance_class         = "db.t4g.medium"
  allocated_storage      = 100
  username               = "reporting_admin"
  password               = "jgE!SWSyLKeKzN3rMQ15"
  db_subnet_group_name   = aws_db_subnet_group.private.name
  vpc_security_group_ids = [aws_security_group.db.id]
  skip_final_snapshot    = false
}

variable "grafana_admin_password" {
  type    = string
  default = "Gr@fana-Adm1n"
}
