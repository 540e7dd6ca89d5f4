#!/usr/bin/env bash
# Side-by-side cluster benchmarks, in one run (see bench/README.md):
#   bench/compare-cluster.sh allreduce ["2 4"] [1000000,10000000] [ITERS]
#       gradient averaging through the parameter shards of N silo processes (bench allreduce) against PyTorch gloo's
#       all_reduce + average on N ranks (../shared/reference/gloo_allreduce.py), for each N and each size; prints both
#       RESULT lines and RATIO gloo_ms/autograd_ms (>= 1: ours is no slower). SHARDS_PER_SILO=K sets the shards.
#       PIN=1 pins both sides alike: silo r and gloo rank r to core r mod the cores (bench allreduce --pin against
#       bench/reference/gloo_allreduce_pinned.py).
#   bench/compare-cluster.sh scaling [mlp|cnn] [EPOCHS]
#       bench scaling: 2 pinned silos x 2 workers against 1 pinned silo x 1 worker, samples/s and their ratio; then
#       PyTorch DDP (gloo) the same way (bench/reference/torch_ddp_scaling.py: 2 pinned processes against 1), and
#       both ratios side by side. REPEAT=R measures our pair R times, interleaved, and reports the median pair (the
#       reference runs once). MAX_RUN_STEPS=N caps the coordinator's runs of consecutive steps (1 = one
#       coordinator call per step).
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?usage: bench/compare-cluster.sh allreduce|scaling [args]}"
reference_dir="$(cd .. && pwd)/shared/reference"
python=/usr/bin/python3

dotnet build -c Release bench/Autograd.Bench -v quiet -nologo >/dev/null
ours() { dotnet bench/Autograd.Bench/bin/Release/net10.0/Autograd.Bench.dll "$@"; }
field() { grep -oE "\"?$1\"?[=:][0-9.]+" <<<"$2" | grep -oE '[0-9.]+$' | tail -1; }
# A JSON field by its exact key (field's pattern would also match a key that ends with the name).
json_field() { grep -oE "\"$1\":[0-9.]+" <<<"$2" | grep -oE '[0-9.]+$' | head -1; }

case "$kind" in
  allreduce)
    worlds="${2:-2 4}"; sizes="${3:-1000000,10000000}"; iters="${4:-10}"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ "${PIN:-0}" == 1 ]]; then pin=--pin; gloo_script=bench/reference/gloo_allreduce_pinned.py; else pin=; gloo_script="$reference_dir/gloo_allreduce.py"; fi
    for n in $worlds; do
      mine="$(ours allreduce --silos "$n" --floats "$sizes" --iters "$iters" --shards-per-silo "${SHARDS_PER_SILO:-1}" $pin | grep '^RESULT')"
      for f in ${sizes//,/ }; do
        gloo="$($python "$gloo_script" "$n" "$f" "$iters" | tail -1)"
        line="$(grep "\"floats\":$f," <<<"$mine")"
        echo "gloo:     $gloo"
        echo "autograd: $line"
        awk -v g="$(field median_ms "$gloo")" -v m="$(field median_ms "$line")" -v n="$n" -v f="$f" \
          -v p="${pin:+ pinned}" 'BEGIN { printf "RATIO allreduce%s world=%s floats=%s gloo_ms/autograd_ms = %.2f (%s / %s)\n", p, n, f, g / m, g, m }'
      done
    done
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    ;;
  scaling)
    model="${2:-mlp}"
    epochs="${3:-$([[ "$model" == mlp ]] && echo 8 || echo 2)}"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    mine="$(ours scaling --model "$model" --epochs "$epochs" --repeat "${REPEAT:-1}" ${MAX_RUN_STEPS:+--max-run-steps "$MAX_RUN_STEPS"})"
    echo "$mine"
    torch="$($python bench/reference/torch_ddp_scaling.py "$model" "$epochs" | tail -1)"
    echo "torch:    $torch"
    line="$(grep '^RESULT' <<<"$mine")"
    echo "RATIO scaling $model: autograd 2 silos / 1 silo = $(json_field ratio "$line")x (training steps; $(json_field wall_clock_ratio "$line")x wall clock), torch DDP 2 processes / 1 = $(field ratio "$torch")x"
    echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
    ;;
  *) echo "unknown benchmark '$kind'" >&2; exit 2 ;;
esac
