import csv
import sys

import gitlab

gl = gitlab.Gitlab("https://gitlab.com", private_token="glpat-cpHcU951knTaxUoneMH-J3ncY1dSYPp_GwMnLM.01.e222fhd4g")
gl.auth()

project = gl.projects.get("acme-widgets/platform/api")
writer = csv.writer(sys.stdout)
writer.writerow(["iid", "title", "state", "labels", "assignee", "created_at"])
for issue in project.issues.list(iterator=True, state="opened"):
    assignee = issue.assignee["username"] if issue.assignee else ""
    writer.writerow([issue.iid, issue.title, issue.state, ";".join(issue.labels), assignee, issue.created_at])
