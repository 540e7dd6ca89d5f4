#!/usr/bin/env bash
# Side-by-side benchmark: PyTorch (Debian's python3-torch, the reference) and Autograd.Core in one run, as ratios.
#   bench/compare.sh mlp|cnn [EPOCHS]     Fashion-MNIST training (../shared/reference/torch_fmnist.py)
#   bench/compare.sh gemm [N]             sgemm N^3 (bench/reference/torch_gemm.py)
# PyTorch runs with its default threads (1 here) and with OMP_NUM_THREADS=2; the ratio is against the better one.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:?usage: bench/compare.sh mlp|cnn|gemm [EPOCHS|N]}"
arg="${2:-}"
reference_dir="$(cd .. && pwd)/shared/reference"
python=/usr/bin/python3

dotnet build -c Release bench/Autograd.Bench -v quiet -nologo >/dev/null
ours() { dotnet bench/Autograd.Bench/bin/Release/net10.0/Autograd.Bench.dll "$@"; }

# field NAME LINE: the value of NAME=... or "NAME":... in a RESULT line.
field() { grep -oE "\"?$1\"?[=:][0-9.]+" <<<"$2" | grep -oE '[0-9.]+$' | tail -1; }

case "$kind" in
  mlp|cnn)
    epochs="${arg:-1}"
    torch1="$($python "$reference_dir/torch_fmnist.py" "$kind" "$epochs" | tail -1)"
    torch2="$(OMP_NUM_THREADS=2 $python "$reference_dir/torch_fmnist.py" "$kind" "$epochs" | tail -1)"
    mine="$(ours "$kind" --epochs "$epochs" | tail -1)"
    metric=samples_per_s
    ;;
  gemm)
    n="${arg:-1024}"
    torch1="$($python bench/reference/torch_gemm.py "$n" | tail -1)"
    torch2="$(OMP_NUM_THREADS=2 $python bench/reference/torch_gemm.py "$n" | tail -1)"
    mine="$(ours gemm "$n" | tail -1)"
    metric=gflops
    ;;
  *) echo "unknown benchmark '$kind'" >&2; exit 2 ;;
esac

echo "torch threads=1: $torch1"
echo "torch threads=2: $torch2"
echo "autograd:        $mine"
t1="$(field "$metric" "$torch1")"; t2="$(field "$metric" "$torch2")"; m="$(field "$metric" "$mine")"
best="$(awk -v a="$t1" -v b="$t2" 'BEGIN { print (a > b ? a : b) }')"
awk -v m="$m" -v b="$best" -v k="$kind" -v metric="$metric" 'BEGIN { printf "RATIO %s %s autograd/torch_best = %.2f (%s / %s)\n", k, metric, m / b, m, b }'
