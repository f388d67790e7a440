#!/usr/bin/env bash
# Refuse tracked files over a size limit (default 5 MB) and tracked
# compiled test binaries (*.test): a repository holds source, not builds.
# Usage: scripts/check-sizes.sh [LIMIT_BYTES]   (run inside the repository)
set -euo pipefail
limit=${1:-5000000}
status=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue # deleted in the work tree
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$limit" ]; then
    echo "tracked file $f is $size bytes (limit $limit): remove it with git rm --cached and ignore it, or store it elsewhere" >&2
    status=1
  fi
done < <(git ls-files -z)
tests=$(git ls-files '*.test')
if [ -n "$tests" ]; then
  echo "tracked compiled test binaries (git rm --cached them; *.test is ignored):" >&2
  echo "$tests" >&2
  status=1
fi
exit $status
