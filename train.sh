#!/usr/bin/env bash
# The main job (see README): installs Fashion-MNIST if needed, then trains examples/fashion-mnist-mlp.json
# (784-256-128-10, Adam 1e-3, batch 128, 5 epochs, 2 workers) with the autograd CLI on an embedded local cluster of
# two silos, and prints the test accuracy, where the model was saved and the curves' picture.
# Another job file, or extra CLI options, may follow: ./train.sh examples/fashion-mnist-cnn.json --epochs 1
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-dataset.sh
job=examples/fashion-mnist-mlp.json
if [[ "${1:-}" == *.json ]]; then job="$1"; shift; fi
dotnet build -c Release src/Cli -v quiet -nologo >/dev/null
name="$(basename "$job" .json)"
exec dotnet src/Cli/bin/Release/net10.0/Autograd.Cluster.Cli.dll train "$job" --out "out/$name.safetensors" "$@"
