#!/bin/sh
# cron: 15 3 * * *  /opt/ops/linode-snapshot.sh
LINODE_TOKEN="5c44d12e74416dadfbe2b9692b740803b0aaadc8a72e881881a15b34343e9951"
LINODE_ID=48213377
LABEL="nightly-$(date +%Y%m%d)"

curl -sS -X POST "https://api.linode.com/v4/linode/instances/${LINODE_ID}/backups" \
  -H "Authorization: Bearer ${LINODE_TOKEN}" \
  -H "Content-Type: application/json" \
  -d "{\"label\": \"${LABEL}\"}" | tee -a /var/log/linode-snapshot.log
