# Celery settings for the report workers
import os

broker_url = "amqp://reports:Pq_sDWhb.Sth0M0l0G~X@rabbitmq.internal:5672/reports"
broker_connection_retry_on_startup = True
result_backend = "redis://:U-wmlj41HqkIi7DlqLW84UOm@redis-reports.internal:6379/2"

task_serializer = "json"
result_serializer = "json"
accept_content = ["json"]
timezone = "Europe/Berlin"
task_acks_late = True
worker_prefetch_multiplier = 1
worker_concurrency = int(os.getenv("CELERY_CONCURRENCY", "4"))
