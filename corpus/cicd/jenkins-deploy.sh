#!/bin/bash
JENKINS_URL=https://jenkins.acme-widgets.com
JOB=deploy-web
VERSION=$1

curl -fsS -X POST -u deploy-bot:116fb4b5ed14469d36b310ef50ee660833 \
  "$JENKINS_URL/job/$JOB/buildWithParameters?VERSION=$VERSION&ENV=production"
echo "queued $JOB for $VERSION"
