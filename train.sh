#!/usr/bin/env bash
# The main job (see README): installs Fashion-MNIST if needed, then trains the reference MLP
# (784-256-128-10, Adam 1e-3, batch 128) with Autograd.Core and prints the test accuracy.
# Extra arguments go to the trainer, e.g. ./train.sh --epochs 2, or ./train.sh cnn --epochs 3.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-dataset.sh
kind=mlp
if [[ "${1:-}" == mlp || "${1:-}" == cnn ]]; then kind="$1"; shift; fi
dotnet build -c Release bench/Autograd.Bench -v quiet -nologo >/dev/null
exec dotnet bench/Autograd.Bench/bin/Release/net10.0/Autograd.Bench.dll "$kind" --epochs 5 "$@"
