#!/usr/bin/env bash
# Builds nerve's whole test suite and runs it: unit, static, gradient, compile-fail, header,
# install and codegen tests. Usage: scripts/test.sh [extra cmake arguments, e.g. -DNERVE_ARCH=portable]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build=${NERVE_BUILD_DIR:-build/test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNERVE_BUILD_TESTS=ON \
      -DNERVE_BUILD_EXAMPLES=ON -DNERVE_BUILD_BENCH=OFF -DNERVE_BUILD_CODEGEN=ON "$@"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
