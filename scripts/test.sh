#!/usr/bin/env bash
# Sets up, builds and runs every test: the release build's tests, then the AddressSanitizer +
# UndefinedBehaviorSanitizer build's tests. Exits non-zero on any failure.
#   scripts/test.sh            everything
#   LAMINAR_TEST_PRESETS=asan scripts/test.sh   one preset only
#   LAMINAR_FUZZ_RUNS=0 scripts/test.sh         skip the short fuzz runs
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
# The JS client of the compatibility tests (versions pinned by tests/compat/package-lock.json).
(cd tests/compat && npm ci --no-audit --no-fund --loglevel=error)

presets=${LAMINAR_TEST_PRESETS:-"release asan"}
jobs=${LAMINAR_BUILD_JOBS:-$(nproc)}
for preset in $presets; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  echo "== $preset: test"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --preset "$preset"
done
if [ "${LAMINAR_FUZZ_RUNS:-50000}" -gt 0 ]; then
  # A fixed number of inputs from a fixed seed: the same inputs every time, so a failure here
  # is a regression, not luck. Long, open-ended runs: scripts/fuzz.sh --seconds 3600.
  echo "== fuzz: a short, repeatable run of every libFuzzer target"
  scripts/fuzz.sh --runs "${LAMINAR_FUZZ_RUNS:-50000}" --seed 1
fi
echo "== all tests passed (${presets}, fuzz)"
