concurrent = {{ .Values.concurrent }}

[[runners]]
  name = "{{ .Values.runnerName }}"
  url = "{{ .Values.gitlabUrl }}"
  token = "{{ .Values.runnerToken }}"
  executor = "kubernetes"
  [runners.kubernetes]
    namespace = "{{ .Release.Namespace }}"
    image = "alpine:3.19"
  [runners.cache]
    Type = "s3"
    Shared = true
    [runners.cache.s3]
      ServerAddress = "minio.ci.svc:9000"
      AccessKey = "${CACHE_S3_ACCESS_KEY}"
      SecretKey = "${CACHE_S3_SECRET_KEY}"
      BucketName = "runner-cache"
      Insecure = true
