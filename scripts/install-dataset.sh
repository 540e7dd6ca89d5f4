#!/usr/bin/env bash
# Installs Fashion-MNIST (Debian's dataset-fashion-mnist) when it is missing; does nothing otherwise.
# AUTOGRAD_FASHION_MNIST_DIR pointing at a folder with the four IDX files also counts as installed.
set -euo pipefail
dir="${AUTOGRAD_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"
if [[ -e "$dir/train-images-idx3-ubyte.gz" || -e "$dir/train-images-idx3-ubyte" ]]; then
  exit 0
fi
sudo=()
if (( EUID != 0 )); then sudo=(sudo); fi
echo "installing Fashion-MNIST (dataset-fashion-mnist) ..." >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null
