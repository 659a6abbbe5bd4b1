#!/usr/bin/env bash
# Installs the Debian 12 packages nerve needs, only those that are missing (non-interactive).
# Usage: scripts/setup.sh [--bench] [--clang]
#   --bench  adds the optional peers of the benchmarks: Eigen and LibTorch
#   --clang  adds clang-19 with its runtimes (libFuzzer, the sanitizers) and llvm-19 (for
#            llvm-symbolizer: reports with file and line), for scripts/fuzz.sh and sanitize.sh
set -euo pipefail

packages=(build-essential cmake libboost-dev libxsimd-dev xtl-dev catch2 libbenchmark-dev
          zlib1g-dev dataset-fashion-mnist fortunes libeigen3-dev python3
          libonnx-dev libprotobuf-dev)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(libtorch-dev libopenblas0-serial time) ;;
    --clang) packages+=(clang-19 libclang-rt-19-dev llvm-19) ;;
    *) echo "usage: scripts/setup.sh [--bench] [--clang]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "nerve: installing missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
