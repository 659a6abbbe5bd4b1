#!/usr/bin/env bash
# nerve's main job: builds the examples, then trains the MLP on Fashion-MNIST and measures it.
# Arguments go to the example: scripts/run.sh --epochs 3
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${NERVE_BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNERVE_BUILD_TESTS=OFF \
      -DNERVE_BUILD_EXAMPLES=ON -DNERVE_BUILD_BENCH=OFF
cmake --build "$build" -j "$(nproc)"
"$build/examples/mlp_fashion_mnist" "$@"
