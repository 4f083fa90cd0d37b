#!/bin/sh
# README command 2: install what is missing, build with AddressSanitizer and
# UndefinedBehaviorSanitizer and warnings as errors, run the whole test suite.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOLYEMU_SANITIZE=ON -DPOLYEMU_WERROR=ON
cmake --build build-test
ctest --test-dir build-test --output-on-failure -j2
