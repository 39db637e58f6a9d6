#!/usr/bin/env bash
set -euo pipefail

FUNCTION_NAME="thumbnailer"
REGION="${REGION:-us-west-2}"

# CI box has no instance profile, so configure a profile on the fly
aws configure set aws_access_key_id AKIALM7O23K3T5NVELNA --profile deployer
aws configure set aws_secret_access_key 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 --profile deployer
aws configure set region "$REGION" --profile deployer

cd "$(dirname "$0")/../lambda"
rm -f function.zip
zip -qr function.zip . -x '*.pyc' -x 'tests/*'

aws lambda update-function-code \
  --profile deployer \
  --function-name "$FUNCTION_NAME" \
  --zip-file fileb://function.zip \
  --publish

echo "deployed $FUNCTION_NAME to $REGION"
