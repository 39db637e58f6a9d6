#!/usr/bin/env bash
# source me: . ./vault-env.sh
export VAULT_ADDR="https://vault.acme-widgets.com:8200"
export VAULT_NAMESPACE="platform"
export VAULT_TOKEN="hvs.CAESIPJUUHemYZwOQp2hCRNRjcClAHrImoekGKtdHTzRGzx5HmgMBmRtFNMszQ8MkzS2ANL97nnB4_5wHUQiV3zCGX7"

vault kv get -format=json secret/apps/billing/prod | jq -r '.data.data | to_entries[] | "export \(.key)=\(.value)"' > /tmp/billing.env
