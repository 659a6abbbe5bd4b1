#!/usr/bin/env bash
# nerve's main job: builds the examples and runs the main one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${NERVE_BUILD_DIR:-build/release}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNERVE_BUILD_TESTS=OFF \
      -DNERVE_BUILD_EXAMPLES=ON -DNERVE_BUILD_BENCH=OFF "$@"
cmake --build "$build" -j "$(nproc)"
"$build/examples/network_summary"
