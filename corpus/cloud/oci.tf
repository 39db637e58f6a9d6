provider "oci" {
  tenancy_ocid = "ocid1.tenancy.oc1..aaaaaaaal43z7sf5menqc4zcgviof3b2itg22j2h2bgelkw25r7usnj4utrb"
  user_ocid    = "ocid1.user.oc1..aaaaaaaaao7xxok5ffu6msadsqp4iakvcdop23y7foz7sj42ah7gmp6obpzd"
  fingerprint  = "93:e4:f6:a4:fb:47:3b:a7:69:6f:b7:87:ec:e7:4f:a2"
  region       = "eu-frankfurt-1"
  private_key  = <<-EOT
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDAn4vuDoc5RCA8
ydXedgoerwbgybQoPm5t18ZzIJCq8aYN8blHsI9Wy3epeaqM5jloxkUdADAk1KgA
L3+SugvWrk5vmnLFz0bGg4b3O6EOtcOi6G1jRWm760yiXuts0AoGsF5soKEOE0gM
62NdDuk3tNMA2cqO41Df1YbDWK8D7aFjdtLjCaFsg28sVMZCetpNBs0KuBkkUZrM
wAZ1PLNuIjT2q0PLEc0rdIoYgHkmAtB+fk3VefNpXjIO35+PkOt3ikdXZYWNAIQ0
zYVT6vHwq6tQ8Mdc6qIgPK5RntN6bLrrFCG3ion8dLVrfnJB/p8aM7fMeuRlRhC/
L0rAb5zzAgMBAAECggEAF4alAYihYrt7sHuk9QxiWghd2ls9og4AphvM2hzSbn51
yI2LEpgcOak/eTcp6cGTUMT+hfc9lLyrCYgY7bkZXw60976GYWXagBO/tTcsNEQQ
8TcFZ91/d3sv8JjlP3Sn9NSFA9bD35iNRpQCnnKxcKNTg27A5Z4ahOwVueAn/V5K
Bc9mVxzwCQNEsw2TsjFLitoYHAjfXrldBlzR2Dznts0GxiCU0vnxZhTD8fAXgMr4
dU+B8wetkxGlj+QAc8bZuvckdq/7n+Y7+OnZpmqLeiLiBKesbKF9/9CrRSBVBSoS
Idt2Zd8VTQxqF/p8HIcREinsv1RtlkH9heSK6BAIoQKBgQDhHeFCBFDoOeebsr+U
Gv4Bb1u0HbWpQnMnt73UmCsLJasUjNAsxyNXmXgHAY7oFeIVo2q/jmpd3Jeo08J6
iImOqe2jgB6gfg8hOb0rl1Vbof5h5XWAdcfNpNieQ5EAmz+ePV1vTP+HD2ntp9PX
+Uyumfrs4XV9hdP+AyNBBSVv4wKBgQDbDH4IUc7D8glgPeI1ItGI+qgBxuMBpqKI
XrZYuH0hn8PYZ6iyijk5BrqCeFnb1N7AlRP8C9dDwcj6gcyBXleqWzw4RyjMu+Yq
MjJvy9K7E4eIGW88//UQYC8pIA041ob+xDMk3xq/KT4bpG7Nh81Gso1TYUbaCrXZ
+s47io+LsQKBgH91/pv1e6XxW00SCV0fZ2CCn8a856W9ZRxA8e/UdNKr8lEBZcFk
w4MO9yHoZPTNpyQfUgrB5UHd69UAiWX9tv0bA92GZlDy7zgdzBlJZ2ApubHOTRh+
F7I9OxVpJknUnVHIZwXk7+2V8aFJXC42Do/xyVykT3TR+HUja6ud8VOHAoGAOCv9
7dg8s5bPvLRh28pv/TZ5+uqrr/KxX1MaY6n7vLGhoU8DvbUgc3U8QtTmBi+SZ8RS
+aF3tFJvXX4HmW0+Adufl7b3yXitz0hMEssr4PljGg2brwLcLzTbIyqq+VZaC974
Vo4356mF2cTS/TXD+Es1XpplduikNZ/RXwdrRCECgYEAnqiWBhlUwpNaEiJ8riG7
lgz8Y9kNR6fYpKgODwqe8IV3qTS0U9oeDn9r2MWQSKJ91II2M3pvOud55U0+cBNL
0LPcnNQbvbEkUF0T7d9wlA2tsd1qcTDhFIohW1l2x+tDWKbc5y6Ltuc6vRgy9Jdu
7LJ/DjGrbQtUme8ndNXJZfE=
-----END PRIVATE KEY-----
  EOT
}

resource "oci_core_vcn" "main" {
  compartment_id = "ocid1.compartment.oc1..aaaaaaaak4uileadgturquwpcqtzatupejvg2zyiq44sib2udidxprwmiuv4"
  cidr_blocks    = ["10.20.0.0/16"]
  display_name   = "vcn-main"
}
