#!/usr/bin/env bash
# Installs the Debian 12 packages nerve needs, only those that are missing (non-interactive).
# Usage: scripts/setup.sh [--bench]   (--bench adds the optional peers: Eigen and LibTorch)
set -euo pipefail

packages=(build-essential cmake libboost-dev libxsimd-dev xtl-dev catch2 libbenchmark-dev
          zlib1g-dev dataset-fashion-mnist fortunes libeigen3-dev nlohmann-json3-dev python3
          libonnx-dev libprotobuf-dev)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libtorch-dev libopenblas0-serial time)
fi

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
