import os
import sys

import requests

BUILDKITE_TOKEN = "bkua_f6efd3d6cfa063c4788f5fde9cfa13207d4b860e"
ORG = "acme-widgets"


def trigger(pipeline: str, branch: str, commit: str = "HEAD") -> str:
    resp = requests.post(
        f"https://api.buildkite.com/v2/organizations/{ORG}/pipelines/{pipeline}/builds",
        headers={"Authorization": f"Bearer {BUILDKITE_TOKEN}"},
        json={"commit": commit, "branch": branch, "message": f"Triggered by {os.getenv('USER', 'bot')}"},
        timeout=15,
    )
    resp.raise_for_status()
    return resp.json()["web_url"]


if __name__ == "__main__":
    print(trigger(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "main"))
