"""Mirror GitHub issues labelled `customer` into the SUP Jira project."""
import os

from atlassian import Jira
from github import Github

JIRA_URL = "https://tessellate.atlassian.net"
JIRA_USER = "release-bot@tessellate.io"
JIRA_API_TOKEN = "ATATT3xFfGF0OZwRPuGJWJ0cPi9sCe1rRb6wIen_Vr4xy23ugrXmyIAR4buhNwxK2O3CkN9NvfiNJLSLCrJUlmFsGqvPiWZEnL7QkZzX9rUvdf15vSSUp0IsY8OwWiul64zPrLV1HzwsiJdnuYuc0KfXdfi74ehngEiweZFE9eTSdZ9nth6WNZ0=77B60B2B"

jira = Jira(url=JIRA_URL, username=JIRA_USER, password=JIRA_API_TOKEN, cloud=True)
gh = Github(os.environ["GITHUB_TOKEN"])


def sync(repo_name: str) -> None:
    repo = gh.get_repo(repo_name)
    for issue in repo.get_issues(state="open", labels=["customer"]):
        jql = f'project = SUP AND "GitHub URL" = "{issue.html_url}"'
        if jira.jql(jql)["total"]:
            continue
        jira.issue_create(fields={
            "project": {"key": "SUP"},
            "issuetype": {"name": "Task"},
            "summary": issue.title,
            "description": issue.body or "",
        })
