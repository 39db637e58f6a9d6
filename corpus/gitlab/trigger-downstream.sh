#!/usr/bin/env bash
# Kick off the e2e pipeline in the qa project after a successful deploy.
set -euo pipefail

curl --silent --fail -X POST \
  -F token=glptt-b46459a70f6109ed09e947aaa867bcf56a21ec0a \
  -F ref=main \
  -F "variables[TARGET_ENV]=${1:-staging}" \
  -F "variables[UPSTREAM_SHA]=$(git rev-parse HEAD)" \
  https://gitlab.acme-widgets.com/api/v4/projects/742/trigger/pipeline
