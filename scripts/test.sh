#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: once built with AddressSanitizer and
# UndefinedBehaviorSanitizer, then in a normal build (whose ctest summary closes the output).
# Usage: ./scripts/test.sh   (as root, or a user with sudo for the package install)
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs=$(nproc)

echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSIGNET_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs" >/dev/null
echo "== test suite under the sanitizers (lint and the soak run once, below)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
(cd build-asan && ctest --output-on-failure -j2 -LE 'lint|soak')

echo "== normal build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGNET_ENABLE_WERROR=ON >/dev/null
cmake --build build -j"$jobs" >/dev/null
echo "== whole test suite"
(cd build && ctest --output-on-failure -j2)
