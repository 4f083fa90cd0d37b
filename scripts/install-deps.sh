#!/bin/sh
# Installs the Debian packages polyemu needs to build, test and benchmark.
# Idempotent: installs only what is missing.
set -eu
PKGS="build-essential cmake ninja-build ccache pkg-config git \
  libelf-dev libfdt-dev libgoogle-perftools-dev libcli11-dev libgtest-dev libunicorn-dev llvm-19-dev \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf \
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross python3 \
  qemu-system-misc opensbi u-boot-qemu e2fsprogs device-tree-compiler"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "install-deps: installing$missing"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
