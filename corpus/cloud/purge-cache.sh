#!/usr/bin/env bash
set -e
ZONE_ID="8787aebc8f64c9c295e4b360ba36a486"

curl -s -X POST "https://api.cloudflare.com/client/v4/zones/${ZONE_ID}/purge_cache" \
  -H "X-Auth-Email: webmaster@acme-widgets.com" \
  -H "X-Auth-Key: 29b50e2b2c68715eaba4882536e83ecf19494" \
  -H "Content-Type: application/json" \
  --data '{"purge_everything":true}'
