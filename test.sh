#!/usr/bin/env bash
# The project's test command (see README): restore, build in Release, run every test project.
# Ends with one summary line, "Tests: N passed, N failed, N skipped", and exits non-zero when a
# test fails, when the build fails, or when no test ran at all.
set -euo pipefail
cd "$(dirname "$0")"

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

dotnet restore Autograd.Cluster.sln
dotnet build Autograd.Cluster.sln -c Release --no-restore
status=0
dotnet test Autograd.Cluster.sln -c Release --no-build \
  --results-directory "$results" \
  --logger "console;verbosity=normal" \
  --logger "trx;LogFilePrefix=tests" || status=$?

# Sum the counters of every test project's TRX report (a skipped test is counted in total but
# not in executed).
count() {
  local total=0 n f
  for f in "$results"/*.trx; do
    [[ -e "$f" ]] || continue
    n="$(grep -o "<Counters [^>]*" "$f" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*" || echo 0)"
    total=$((total + n))
  done
  echo "$total"
}
passed="$(count passed)"
failed="$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))"
skipped="$(( $(count total) - $(count executed) ))"

echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if (( passed + failed == 0 )); then
  echo "test.sh: no test ran" >&2
  exit 1
fi
if (( status == 0 && failed > 0 )); then
  status=1
fi
exit "$status"
