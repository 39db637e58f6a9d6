import gzip
import json
import pathlib
import sys

from azure.storage.blob import ContainerClient

# SAS generated in the portal, valid until end of June
CONTAINER_SAS_URL = "https://acmetelemetry.blob.core.windows.net/raw-events?sv=2022-11-02&ss=b&srt=co&sp=rwdlacx&se=2026-06-30T17:00:00Z&st=2025-01-15T09:00:00Z&spr=https&sig=d0UB%2FJA9G1TKwbRsqIJxmHS41jNr9cpiBxZQ3l2WA2w%3D"


def upload(path: pathlib.Path) -> None:
    container = ContainerClient.from_container_url(CONTAINER_SAS_URL)
    with path.open("rb") as fh:
        data = gzip.compress(fh.read())
    blob_name = f"{path.stem}.json.gz"
    container.upload_blob(blob_name, data, overwrite=True)
    print(json.dumps({"uploaded": blob_name, "bytes": len(data)}))


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        upload(pathlib.Path(arg))
