#!/usr/bin/env bash
# nerve's main job: builds the examples, then trains LeNet-5 on Fashion-MNIST and measures it.
# With no arguments the quick setting (5 epochs, above 89% test accuracy in well under a minute
# of training on 2 cores); arguments go to the example instead: scripts/run.sh (full: --epochs 15).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${NERVE_BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNERVE_BUILD_TESTS=OFF \
      -DNERVE_BUILD_EXAMPLES=ON -DNERVE_BUILD_BENCH=OFF
cmake --build "$build" -j "$(nproc)"
if (($#)); then
  exec "$build/examples/lenet_fashion_mnist" "$@"
fi
exec "$build/examples/lenet_fashion_mnist" --quick
