#!/usr/bin/env python3
"""Post nightly ETL status to #data-alerts."""
import sys
from datetime import datetime, timezone

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

CHANNEL = "C04QH7R2LTM"  # #data-alerts
# TODO move to vault before we open-source this
SLACK_BOT_TOKEN = "xoxb-250998928045-2783294077817-YJ3paPmrs24DASx4djJuDb0S"

client = WebClient(token=SLACK_BOT_TOKEN)


def post(status: str, rows: int) -> None:
    emoji = ":white_check_mark:" if status == "ok" else ":rotating_light:"
    text = f"{emoji} nightly ETL {status} - {rows:,} rows ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC)"
    try:
        client.chat_postMessage(channel=CHANNEL, text=text)
    except SlackApiError as e:
        print(f"slack error: {e.response['error']}", file=sys.stderr)


if __name__ == "__main__":
    post(sys.argv[1], int(sys.argv[2]))
