#!/bin/sh
# README command 1: install what is missing, build, boot the bundled demo.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build
exec build/polyemu run --machine riscv64-virt
