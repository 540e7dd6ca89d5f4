#!/usr/bin/env bash
# The soak of issue 8 (see docs/reliability.md): the MLP, CNN and 5-3-1 regression jobs of examples/ together on 3 silo
# processes for M minutes; per silo, GC heap, working set, VmRSS, collections, threads and thread-pool starvation over
# time, and the verdict (all jobs completed, memory flat after the warm-up, no starvation warnings).
#   bench/soak.sh [--minutes 10] [--warmup-minutes 2] [--calibrate-seconds 30] [--threads 1] [--silos 3]
# The whole output is kept in $SOAK_LOG (default /tmp/soak-<UTC time>.log); the exit status is 0 when every job completed.
set -euo pipefail
cd "$(dirname "$0")/.."
log="${SOAK_LOG:-/tmp/soak-$(date -u +%Y%m%dT%H%M%SZ).log}"
dotnet build -c Release bench/Autograd.Bench -v quiet -nologo >/dev/null
echo "soak output: $log"
dotnet bench/Autograd.Bench/bin/Release/net10.0/Autograd.Bench.dll soak "$@" 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
