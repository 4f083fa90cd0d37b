#!/bin/sh
# LLVM (libpolyemu_llvm.so and libLLVM) is loaded only by runs that compile code: not by
# the interpreter, not by short runs; a long run loads it and runs native code, and without
# the library runs interpreted after one warning. The dynamic loader's own log
# (LD_DEBUG=files) tells which libraries a run opened.
# usage: llvm_loading.sh POLYEMU FIRMWARE_DIR BENCH_DIR
set -u
P=$1
FW=$2
BENCH=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# run WANT_LLVM CODE ARGS...: runs polyemu, checks its exit code and whether it loaded LLVM.
run() {
  want=$1 code=$2
  shift 2
  LD_DEBUG=files "$P" run --machine riscv64-virt --stats "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  if grep -q 'file=.*libLLVM' "$T/err"; then loaded=yes; else loaded=no; fi
  if [ "$rc" -ne "$code" ] || [ "$loaded" != "$want" ]; then
    echo "FAIL: polyemu run $* -> exit $rc (want $code), LLVM loaded: $loaded (want $want)"
    grep -v '^ *[0-9]*:' "$T/err" | tail -5
    fails=$((fails + 1))
  fi
}

run no 0 --kernel "$FW/paging.elf"                 # under a million instructions
run no 124 --engine interp --max-insns 3000000 --kernel "$BENCH/crc32.elf"
run yes 124 --max-insns 30000000 --kernel "$BENCH/crc32.elf"
if ! grep -Eq '^polyemu: jit native share [1-9][0-9]*\.[0-9]%' "$T/err"; then
  echo "FAIL: the long run ran no native code:"
  grep 'native share' "$T/err"
  fails=$((fails + 1))
fi

# Without the library the run goes on interpreted, after one warning line.
POLYEMU_LLVM_BACKEND="$T/missing/libpolyemu_llvm.so" "$P" run --machine riscv64-virt --stats \
  --max-insns 30000000 --kernel "$BENCH/crc32.elf" >"$T/out" 2>"$T/err" </dev/null
rc=$?
warnings=$(grep -c 'warning' "$T/err")
if [ "$rc" -ne 124 ] || [ "$warnings" -ne 1 ] ||
  ! grep -q '^polyemu: warning: JIT disabled: cannot load the LLVM backend: .*missing/libpolyemu_llvm.so' "$T/err" ||
  ! grep -q '^polyemu: jit native share 0.0%' "$T/err"; then
  echo "FAIL: without the library: exit $rc (want 124), $warnings warnings (want 1):"
  cat "$T/err"
  fails=$((fails + 1))
fi

[ "$fails" -eq 0 ] && echo "llvm loading: all ok"
[ "$fails" -eq 0 ]
