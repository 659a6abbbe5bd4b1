#!/usr/bin/env bash
# Builds nerve's libFuzzer targets (tests/fuzz/) with clang-19, ASan and UBSan in build/fuzz, and
# runs each for a bounded time on a copy of its seed corpus (tests/fuzz/corpus/<target>/, left
# as committed). Prints the executions and the time of each target; exits 1 if any found a crash,
# a hang, a leak or a sanitizer report, whose input stays in build/fuzz/findings/<target>/.
#
#   scripts/fuzz.sh [SECONDS per target, default 60] [TARGET...]
#   (default targets: idx, checkpoint, text, and onnx where libonnx-dev is installed)
#
# Environment: NERVE_FUZZ_BUILD_DIR (default build/fuzz), NERVE_FUZZ_JOBS (build jobs, default 2),
# NERVE_FUZZ_RSS_MB (memory limit per run, default 2048), NERVE_FUZZ_TIMEOUT (seconds one input may
# take before it counts as a hang, default 10). docs/fuzzing.md says how to fuzz longer, by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS per target] [TARGET...]" >&2
  exit 2
fi

# clang-19 and its runtimes (libFuzzer, the sanitizers) and nerve's own packages, when missing.
scripts/setup.sh --clang

build=${NERVE_FUZZ_BUILD_DIR:-build/fuzz}
jobs=${NERVE_FUZZ_JOBS:-2}
rss=${NERVE_FUZZ_RSS_MB:-2048}
timeout=${NERVE_FUZZ_TIMEOUT:-10}
mkdir -p "$build"
CC=clang-19 CXX=clang++-19 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNERVE_BUILD_FUZZ=ON \
  -DNERVE_BUILD_TESTS=OFF -DNERVE_BUILD_EXAMPLES=OFF -DNERVE_BUILD_BENCH=OFF -DNERVE_BUILD_CODEGEN=OFF \
  -DNERVE_INSTALL=OFF >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
targets=("$@")
if ((${#targets[@]} == 0)); then
  # The targets this configuration builds (fuzz_onnx only where libonnx-dev is installed).
  read -r -a targets <<<"$(sed -n 's/^-- nerve fuzz targets: //p' "$build/configure.log" | tr ';' ' ')"
fi
cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
if [[ -x /usr/bin/llvm-symbolizer-19 ]]; then export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-19; fi

failed=()
printf '%-20s %12s %8s %10s  %s\n' target executions seconds exec/s result
for t in "${targets[@]}"; do
  work="$build/fuzz-run/$t"
  findings="$build/findings/$t"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$findings"
  cp -r "tests/fuzz/corpus/$t/." "$work/corpus/"
  log="$work/fuzz.log"
  start=$(date +%s)
  set +e
  # The committed regression inputs seed the run too (read only: new inputs go to the copy).
  seeds=()
  if [[ -d "tests/fuzz/regressions/$t" ]]; then seeds+=("tests/fuzz/regressions/$t"); fi
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb="$rss" -timeout="$timeout" \
    -print_final_stats=1 -artifact_prefix="$findings/" "$work/corpus" "${seeds[@]}" >"$log" 2>&1
  status=$?
  set -e
  elapsed=$(($(date +%s) - start))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # (no final statistics when a run stops at a crash: its last status line's count instead)
  [[ -n "$runs" ]] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  runs=${runs:-?}
  rate=$([[ "$runs" =~ ^[0-9]+$ ]] && ((elapsed > 0)) && echo $((runs / elapsed)) || echo "?")
  if ((status == 0)); then
    printf '%-20s %12s %8s %10s  %s\n' "$t" "$runs" "$elapsed" "$rate" "no crash"
  else
    printf '%-20s %12s %8s %10s  %s\n' "$t" "$runs" "$elapsed" "$rate" "FAILED (status $status)"
    failed+=("$t")
    grep -E "ERROR|SUMMARY|runtime error|terminate|Test unit written" "$log" | head -12 | sed 's/^/    /'
    for f in "$findings"/*; do [[ -e "$f" ]] && echo "    input kept: $f"; done
    echo "    log: $log"
  fi
done
if ((${#failed[@]} > 0)); then
  echo "nerve fuzz: ${failed[*]} found a problem; docs/fuzzing.md says how to turn an input into a regression test"
  exit 1
fi
echo "nerve fuzz: no crash in ${#targets[@]} targets, ${seconds} s each"
