import os
import logging

from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Mail
from slack_sdk import WebClient
from twilio.rest import Client as TwilioClient

log = logging.getLogger(__name__)

# Identifiers, not credentials: channel ids, template ids and service SIDs are safe to commit.
ALERTS_CHANNEL = "C05B2KJ8Q3V"
WELCOME_TEMPLATE_ID = "d-fa3efa7d04c5ccfa9a47c688daa287fe"
MESSAGING_SERVICE_SID = "MGc21a584684bf77617854c9e273f19dbf"

slack = WebClient(token=os.environ["SLACK_BOT_TOKEN"])
sendgrid = SendGridAPIClient(os.getenv("SENDGRID_API_KEY"))
twilio = TwilioClient(os.getenv("TWILIO_ACCOUNT_SID"), os.getenv("TWILIO_AUTH_TOKEN"))


def welcome(email: str, first_name: str) -> None:
    msg = Mail(from_email="hello@example.com", to_emails=email)
    msg.template_id = WELCOME_TEMPLATE_ID
    msg.dynamic_template_data = {"first_name": first_name}
    sendgrid.send(msg)


def sms(to: str, body: str) -> None:
    twilio.messages.create(messaging_service_sid=MESSAGING_SERVICE_SID, to=to, body=body)


def alert(text: str) -> None:
    log.warning("alert: %s", text)
    slack.chat_postMessage(channel=ALERTS_CHANNEL, text=text)
