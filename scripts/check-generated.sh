#!/usr/bin/env bash
# Regenerates code (from proto/, and the REST face's client types from its OpenAPI document) and fails if the result differs from what is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run generate --silent
if ! git diff --exit-code -- packages/provider-proto/src/generated test/src/generated; then
  echo "generated code is stale: run 'npm run generate' and commit the result" >&2
  exit 1
fi
echo "generated code is up to date"
