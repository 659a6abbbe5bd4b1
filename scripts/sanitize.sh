#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer, built with clang-19
# (so that CI builds and runs the suite with a second compiler too; g++ 12 runs it in
# scripts/test.sh), in build/sanitize; then the thread tests under ThreadSanitizer, in build/tsan.
#   scripts/sanitize.sh [extra cmake arguments]
# Every test that runs code: the unit, static, gradient-check and codegen suites, the codegen error
# cases and examples/embed. The compile-only tests (compile_fail, headers, install) and the docs
# programs gain nothing from a sanitizer and run in scripts/test.sh.
# -O1 keeps the build and the trainings in the tests within CI's time on 2 cores;
# -fno-sanitize-recover=all turns any UBSan report into a failed test. Environment:
# NERVE_SANITIZE_BUILD_DIR (default build/sanitize), NERVE_SANITIZE_CXX (default clang++-19; g++
# works too), NERVE_SANITIZE_JOBS (default: the number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --clang
build=${NERVE_SANITIZE_BUILD_DIR:-build/sanitize}
cxx=${NERVE_SANITIZE_CXX:-clang++-19}
jobs=${NERVE_SANITIZE_JOBS:-$(nproc)}
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
symbolizer=$(command -v llvm-symbolizer-19 || command -v llvm-symbolizer || true)

start=$SECONDS
CXX=$cxx cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
      "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" \
      -DNERVE_BUILD_TESTS=ON -DNERVE_BUILD_EXAMPLES=ON -DNERVE_BUILD_BENCH=OFF -DNERVE_BUILD_CODEGEN=ON "$@"
# nerve_run_time_tests: the unit, static, gradient-check and codegen test binaries, nerve-codegen
# and examples/embed, built together (CMakeLists.txt)
cmake --build "$build" -j "$jobs" --target nerve_run_time_tests
echo "nerve sanitize: ASan + UBSan build took $((SECONDS - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [[ -n "$symbolizer" ]]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi
# A test binary that aborts before main (a runtime's start-up failing) lists no tests, and ctest
# would then pass without running them: every label must have tests.
for label in unit static gradcheck codegen examples; do
  count=$(ctest --test-dir "$build" -N -L "^$label\$" | sed -n 's/^Total Tests: //p')
  if ! ((${count:-0} > 0)); then
    echo "nerve sanitize: no $label tests were found in $build (a test binary failed to list them)" >&2
    exit 1
  fi
done
start=$SECONDS
ctest --test-dir "$build" -L "^(unit|static|gradcheck|codegen|examples)$" --output-on-failure -j "$jobs"
echo "nerve sanitize: ASan + UBSan tests took $((SECONDS - start)) s"

# ThreadSanitizer: the tests that share a const network between threads ([threads]), built alone
# (a TSan build of every test would double CI's time for nothing: the rest is single-threaded).
tsan=${NERVE_TSAN_BUILD_DIR:-build/tsan}
mkdir -p "$tsan"
start=$SECONDS
$cxx -std=c++20 -O1 -g1 -march=native -fsanitize=thread -Iinclude -Itests \
     tests/main.cpp tests/unit/threads.cpp -lz -o "$tsan/threads"
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} "$tsan/threads" "[threads]"
echo "nerve sanitize: TSan build and tests took $((SECONDS - start)) s"
