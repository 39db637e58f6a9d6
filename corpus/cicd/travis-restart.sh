#!/bin/sh
# restart the last failed build on master (travis-ci.com API v3)
TRAVIS_TOKEN=3lstAjINHrwlnQp532PL3Z
REPO_SLUG=acme-widgets%2Flegacy-php

BUILD_ID=$(curl -s -H "Travis-API-Version: 3" -H "Authorization: token $TRAVIS_TOKEN" \
  "https://api.travis-ci.com/repo/$REPO_SLUG/builds?branch.name=master&state=failed&limit=1" | jq -r '.builds[0].id')

curl -s -X POST -H "Travis-API-Version: 3" -H "Authorization: token $TRAVIS_TOKEN" \
  "https://api.travis-ci.com/build/$BUILD_ID/restart"
