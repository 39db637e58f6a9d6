#!/usr/bin/env bash
# Sends disk usage alerts to the ops Telegram group.
# cron: */15 * * * * /opt/scripts/telegram_alerts.sh
set -euo pipefail

CHAT_ID="-1001347239870"
THRESHOLD=85

usage=$(df -h / | awk 'NR==2 {print $5}' | tr -d '%')
host=$(hostname -f)

if [ "$usage" -ge "$THRESHOLD" ]; then
  curl -s -X POST "https://api.telegram.org/bot1446413866:AAMQeOhno-4ZBeGYmCMY4jHCDjp-Oa2OnwI/sendMessage" \
    -d chat_id="$CHAT_ID" \
    -d parse_mode=Markdown \
    -d text="*${host}*: root filesystem at ${usage}%" > /dev/null
fi
