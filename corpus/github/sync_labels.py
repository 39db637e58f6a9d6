"""Copy the canonical label set to every repository in the org."""
import requests

ORG = "acme-widgets"
API = "https://api.github.com"
HEADERS = {
    "Accept": "application/vnd.github+json",
    "Authorization": "token gho_v3RIGRdQ8tyCPRJD25pBQPW55VmeAqDuXIPd",
    "X-GitHub-Api-Version": "2022-11-28",
}

LABELS = [
    {"name": "bug", "color": "d73a4a"},
    {"name": "needs-triage", "color": "fbca04"},
    {"name": "good first issue", "color": "7057ff"},
]


def repos():
    page = 1
    while True:
        r = requests.get(f"{API}/orgs/{ORG}/repos", headers=HEADERS, params={"per_page": 100, "page": page})
        r.raise_for_status()
        batch = r.json()
        if not batch:
            return
        yield from (repo["name"] for repo in batch)
        page += 1


for name in repos():
    for label in LABELS:
        requests.post(f"{API}/repos/{ORG}/{name}/labels", headers=HEADERS, json=label)
