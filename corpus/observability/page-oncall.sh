#!/usr/bin/env bash
# Trigger a PagerDuty incident when the backup job fails.
# Called from backup.sh: ./page-oncall.sh "pg_dump failed on db-02"
summary="${1:-backup job failed}"

curl -sS -X POST https://events.pagerduty.com/v2/enqueue \
  -H 'Content-Type: application/json' \
  -d @- <<JSON
{
  "routing_key": "f98b2399785e6c574fcd3cac06b9b80b",
  "event_action": "trigger",
  "payload": {
    "summary": "${summary}",
    "source": "$(hostname)",
    "severity": "critical",
    "component": "backups"
  }
}
JSON
