#!/usr/bin/env bash
# Mirror the legacy TFS-migrated repos into the new organisation.
set -euo pipefail

export AZURE_DEVOPS_EXT_PAT=x5pqxkjqxdt2eg4gpnw6ddpshdur6rqbdfw55oyy543suvobrpyn
az devops configure --defaults organization=https://dev.azure.com/acme-legacy project=Platform

for repo in $(az repos list --query "[].name" -o tsv); do
  echo "mirroring $repo"
  git clone --mirror "https://dev.azure.com/acme-legacy/Platform/_git/$repo" "/tmp/mirror/$repo.git"
  git -C "/tmp/mirror/$repo.git" push --mirror \
    "https://mirror-bot:9eXbBSFV5zo2Nzdg8fMvmYOKo9uqRhEXT2a7Ys0HLht0nVX9qfOoJQQJ99IpIko2bH3qb121b6dfAZDOxUee@dev.azure.com/acme/Platform/_git/$repo"
done
