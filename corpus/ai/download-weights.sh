#!/usr/bin/env bash
set -euo pipefail
MODEL=meta-llama/Llama-3.1-8B-Instruct
DEST=/models/llama-3.1-8b

pip install -q "huggingface_hub[cli]>=0.23"
huggingface-cli login --token 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 --add-to-git-credential
huggingface-cli download "$MODEL" --local-dir "$DEST" --exclude "original/*"
ls -lh "$DEST"
