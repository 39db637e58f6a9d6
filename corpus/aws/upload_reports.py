#!/usr/bin/env python3
"""Nightly job: push generated PDF reports to S3 for the finance team."""
import datetime
import logging
import pathlib

import boto3
from botocore.config import Config

log = logging.getLogger("upload_reports")

REPORT_DIR = pathlib.Path("/var/lib/reports/out")
BUCKET = "acme-finance-reports"


def client():
    return boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIAJ7O47IE3HEGBRH2N",
        aws_secret_access_key="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",
        config=Config(retries={"max_attempts": 5, "mode": "standard"}),
    )


def main():
    s3 = client()
    today = datetime.date.today().isoformat()
    for pdf in sorted(REPORT_DIR.glob("*.pdf")):
        key = f"daily/{today}/{pdf.name}"
        log.info("uploading %s -> s3://%s/%s", pdf, BUCKET, key)
        s3.upload_file(str(pdf), BUCKET, key, ExtraArgs={"ContentType": "application/pdf"})


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
