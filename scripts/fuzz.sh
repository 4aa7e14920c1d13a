#!/usr/bin/env bash
# Builds the libFuzzer targets (the `fuzz` preset, clang 14) and runs each for a while.
#   scripts/fuzz.sh                 every target, 20 s each
#   scripts/fuzz.sh --runs 50000 --seed 1   a fixed, repeatable run (what CI runs)
#   scripts/fuzz.sh --seconds 3600  long runs
#   scripts/fuzz.sh --seconds 600 decompress_fuzz   one target
# Seeds come from tests/fuzz/seeds/<target>/ and past findings from tests/fuzz/regressions/
# <target>/ (both committed); new corpus entries and crash
# reproducers go to build/fuzz/corpus/<target>/ and build/fuzz/artifacts/.
# The broker's request handlers cannot be built by this preset (clang 14, libstdc++ 12); they
# are fuzzed end to end by a release-build test against a real broker process instead:
#   LAMINAR_FUZZ_SECONDS=300 LAMINAR_FUZZ_SEED=7 build/release/tests/integration_request_fuzz_test
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
runs=""
seed=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
if [ ${#targets[@]} -eq 0 ]; then
  for binary in build/fuzz/tests/fuzz/*_fuzz; do targets+=("$(basename "$binary")"); done
fi

mkdir -p build/fuzz/artifacts
for target in "${targets[@]}"; do
  corpus=build/fuzz/corpus/$target
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/seeds/$target" ] && seeds+=("tests/fuzz/seeds/$target")
  # Inputs that once failed, kept so they are run first every time.
  [ -d "tests/fuzz/regressions/$target" ] && seeds+=("tests/fuzz/regressions/$target")
  limits=(-max_total_time="$seconds")
  [ -n "$runs" ] && limits=(-runs="$runs")
  [ -n "$seed" ] && limits+=(-seed="$seed")
  echo "== fuzz $target (${limits[*]})"
  log=build/fuzz/$target.log
  status=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "build/fuzz/tests/fuzz/$target" "${limits[@]}" -print_final_stats=1 \
      -artifact_prefix=build/fuzz/artifacts/"$target"- "$corpus" "${seeds[@]}" >"$log" 2>&1 ||
    status=$?
  grep -E "^(stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$log" >&2
    echo "fuzz: $target failed (exit $status); reproducer in build/fuzz/artifacts/" >&2
    exit 1
  fi
done
echo "== fuzz: no failures in ${targets[*]}"
