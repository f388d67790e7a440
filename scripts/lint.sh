#!/usr/bin/env bash
# make lint: gofmt, go vet in every module, and no large or compiled files
# tracked in git.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l $(git ls-files '*.go' | grep -v /gen/))
if [ -n "$unformatted" ]; then
  echo "not gofmt-ed (run gofmt -w):" >&2
  echo "$unformatted" >&2
  exit 1
fi
for m in $(go list -m -f '{{.Dir}}'); do
  tags=""
  case "$m" in */plugins/duckdb) tags="-tags=duckdb_arrow" ;; esac # the connector builds only with it
  (cd "$m" && go vet $tags ./...) || exit 1
done
scripts/check-sizes.sh
