"""Nightly export of all Grafana dashboards to the infra-backups bucket."""
import json
import pathlib

import requests

GRAFANA_URL = "https://grafana.ops.harborlabs.io"
HEADERS = {
    "Authorization": "Bearer glsa_gDy7DHyMRnUq89aKTbaBka4n9e9rfMuz_c5c3917a",
    "Accept": "application/json",
}


def main(out_dir: str = "dashboards") -> None:
    out = pathlib.Path(out_dir)
    out.mkdir(exist_ok=True)
    for hit in requests.get(f"{GRAFANA_URL}/api/search?type=dash-db", headers=HEADERS, timeout=30).json():
        dash = requests.get(f"{GRAFANA_URL}/api/dashboards/uid/{hit['uid']}", headers=HEADERS, timeout=30).json()
        (out / f"{hit['uid']}.json").write_text(json.dumps(dash["dashboard"], indent=2))


if __name__ == "__main__":
    main()
