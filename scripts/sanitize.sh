#!/usr/bin/env bash
# The sanitizer runs of `make asan`, `make fuzz` and `make fuzz-smoke` (and of .ci/run).
#
#   scripts/sanitize.sh asan BUILD_DIR JOBS           unit + integration tests under ASan+UBSan
#   scripts/sanitize.sh fuzz BUILD_DIR JOBS SECONDS   every libFuzzer target for SECONDS each
#
# Fails (non-zero) on any failed test, fuzzer crash, leak, timeout or sanitizer report. Every
# report goes to BUILD_DIR/sanitizer-reports/<tool>.<pid> (log_path), also those of the musterd
# and muster-cli processes the integration tests start (they inherit the environment) and of
# processes that exit without the test noticing; the run fails when that folder is not empty.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?asan|fuzz}
dir=${2:?build directory}
jobs=${3:-$(nproc)}
seconds=${4:-30}

# One build for both modes: clang (libFuzzer is clang's; Debian's clang-16 with
# libclang-rt-16-dev), ASan+UBSan, the fuzz targets, the tests. -O1 and line tables only (-g1):
# the sanitizers need no more, and the build is most of the cost. The fuzzer's coverage
# instrumentation in musterd and the tests is inert without libFuzzer (the sanitizer runtime
# defines its hooks), so the tests run on the same objects as the fuzz targets.
configure() {
  [[ -f $dir/build.ninja ]] && return 0
  local cxx
  # clang 16: clang 14 lacks __builtin_source_location, which libstdc++ 12's
  # std::source_location (used by the test harness) needs.
  cxx=$(command -v clang++-16 || true)
  [[ -n $cxx ]] || { echo "sanitize: needs clang++-16 (scripts/bootstrap.sh test)" >&2; return 1; }
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
    -DMUSTER_SANITIZE=address,undefined -DMUSTER_FUZZ=ON -DMUSTER_BUILD_BENCH=OFF
}

reports="$PWD/$dir/sanitizer-reports"
# halt_on_error: the first report ends the process (a musterd that aborts fails its test too).
# Leaks are checked at exit of every process that exits normally (SIGKILLed nodes are not).
# Reports name functions, files and lines (llvm-16's symbolizer: the runtime's own version).
symbolizer=/usr/lib/llvm-16/bin/llvm-symbolizer
[[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer UBSAN_SYMBOLIZER_PATH=$symbolizer
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0"

# Prints every report and fails when there is one.
check_reports() {
  shopt -s nullglob
  local found=("$reports"/*)
  if ((${#found[@]})); then
    for f in "${found[@]}"; do
      echo "==== sanitizer report $f"
      cat "$f"
    done
    echo "sanitize: ${#found[@]} sanitizer report(s) in $reports" >&2
    return 1
  fi
}

case "$mode" in
  asan)
    configure
    cmake --build "$dir" -j "$jobs"
    rm -rf "$reports" && mkdir -p "$reports"
    status=0
    (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 900) || status=$?
    check_reports || status=1
    exit "$status"
    ;;
  fuzz)
    configure
    targets=()
    for source in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$source" .cpp)"); done
    cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
    rm -rf "$reports" && mkdir -p "$reports" "$dir/artifacts"
    # libFuzzer itself reports crashes, leaks and slow inputs on stderr: its exit status counts.
    export ASAN_OPTIONS="${ASAN_OPTIONS/log_path=*/}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS/log_path=*/}"
    status=0
    for target in "${targets[@]}"; do
      name=${target#fuzz_}
      mkdir -p "$dir/corpus/$name"
      echo "sanitize: $target for ${seconds}s"
      # The first folder receives new inputs; the committed corpus is only read.
      "$dir/bin/$target" "$dir/corpus/$name" "tests/fuzz/corpus/$name" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/$target-" 2>"$dir/$target.log" || {
        status=1
        tail -n 80 "$dir/$target.log"
        echo "sanitize: $target failed (inputs in $dir/artifacts/)" >&2
      }
      grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)' \
        "$dir/$target.log" || true
    done
    exit "$status"
    ;;
  *)
    echo "sanitize: unknown mode '$mode' (asan|fuzz)" >&2
    exit 2
    ;;
esac
