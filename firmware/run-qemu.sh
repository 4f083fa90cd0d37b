#!/bin/sh
# Runs the firmware programs on QEMU (the reference used to validate them) and compares
# exit codes and console output with expected/<name>.txt.
#   firmware/run-qemu.sh <dir with the .elf files> [--update]
# --update rewrites expected/*.txt from QEMU's output instead of comparing.
set -u
dir=${1:?usage: run-qemu.sh <elf dir> [--update]}
update=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
fail=0
for pair in demo:0 exit42:42 htif_hello:3 isa_rv64i:0 isa_rv64m:0 isa_rv64a:0 isa_rv64c:0 \
            isa_rv64fd:0 isa_zicsr:0 traps:0 timer:0 swint:0 smode:0 paging:0 pmp:0 smp_atomics:0:2; do
  name=${pair%%:*}
  rest=${pair#*:}
  want=${rest%%:*}
  harts=1
  [ "$rest" != "$want" ] && harts=${rest#*:}
  if [ "$name" = htif_hello ]; then
    machine="-M spike"
  else
    machine="-M virt -m 128M -smp $harts"
  fi
  out=$(mktemp)
  timeout 20 qemu-system-riscv64 $machine -bios none -nographic -kernel "$dir/$name.elf" >"$out" 2>/dev/null
  rc=$?
  if [ "$update" = --update ]; then
    cp "$out" "$here/expected/$name.txt"
  fi
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit code $rc, want $want"
    fail=1
  elif ! cmp -s "$out" "$here/expected/$name.txt"; then
    echo "FAIL $name: output differs from expected/$name.txt"
    fail=1
  else
    echo "ok   $name"
  fi
  rm -f "$out"
done
exit $fail
