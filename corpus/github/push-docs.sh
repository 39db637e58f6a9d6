#!/usr/bin/env bash
# Publishes the generated API docs to the gh-pages branch.
set -euo pipefail

npm run docs:build
cd build/docs
git init -q
git checkout -q -b gh-pages
git add -A
git -c user.name="docs-bot" -c user.email="docs-bot@acme-widgets.com" commit -qm "docs: publish $(date -u +%F)"
git remote add origin https://x-access-token:ghs_n6NeZEQASBFDnQji2Yjh0dbinIZBSZE1Rpuy@github.com/acme-widgets/widgets-sdk.git
git push -qf origin gh-pages
