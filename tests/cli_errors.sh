#!/bin/sh
# Bad input to the CLI: one clear line on stderr, a non-zero exit code, never a crash.
# usage: cli_errors.sh POLYEMU FIRMWARE_DIR
set -u
P=$1
FW=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
passes=0

# expect CODE PATTERN -- ARGS...: runs polyemu, checks the exit code and that stderr
# matches PATTERN (an extended regex) on a single line.
expect() {
  code=$1 pattern=$2
  shift 3
  "$P" "$@" >"$T/out" 2>"$T/err" </dev/null
  rc=$?
  lines=$(wc -l <"$T/err")
  if [ -z "$pattern" ]; then matched=$([ "$lines" -eq 0 ] && echo y); else matched=$(grep -Eq "$pattern" "$T/err" && echo y); fi
  if [ "$rc" -ne "$code" ] || [ "$matched" != y ] || [ "$lines" -gt 1 ]; then
    echo "FAIL: polyemu $* -> exit $rc (want $code), stderr:"; cat "$T/err"
    fails=$((fails + 1))
  else
    passes=$((passes + 1))
  fi
}

printf 'not an elf' >"$T/junk"
head -c 100 /bin/sh >"$T/truncated"
: >"$T/empty"

expect 2 "error: .*No such file" -- run --kernel "$T/missing.elf"
expect 2 "error: .*not an ELF" -- run --kernel "$T/junk"
expect 2 "error: .*not an ELF|error: .*corrupt|error: .*truncated" -- run --kernel "$T/empty"
expect 2 "error: .*wrong machine type" -- run --kernel /bin/sh
expect 2 "error: .*(wrong machine|truncated|corrupt)" -- run --kernel "$T/truncated"
expect 2 "error: invalid --memory" -- run --memory 12Q
expect 2 "error: memory size" -- run --memory 100
expect 2 "error: invalid --load" -- run --load "$T/junk"
expect 2 "error: invalid address" -- run --load "$T/junk@zz"
expect 2 "error: .*do not fit in RAM" -- run --load "$T/junk@0x1000"
expect 2 "error: .*" -- run --machine vax
expect 2 "error: .*" -- run --no-such-flag
expect 2 "error: .*" -- run --max-insns lots
expect 2 "error: .*" -- frobnicate

# Machine options: harts, firmware, device tree, disks, console input.
head -c 1000 /dev/zero >"$T/odd.img"
head -c 4096 /dev/zero >"$T/disk.img"
expect 2 "error: --smp must be between 1 and 8" -- run --smp 0 --kernel "$T/junk"
expect 2 "error: --smp must be between 1 and 8" -- run --smp 9 --kernel "$T/junk"
expect 2 "error: .*missing.bin: No such file" -- run --bios "$T/missing.bin"
expect 2 "error: .*not a valid flattened device tree" -- run --bios "$T/junk" --dtb "$T/junk"
expect 2 "error: .*not a valid flattened device tree" -- run --bios "$T/junk" --dtb "$T/empty"
expect 2 "error: initrd .*No such file" -- run --bios "$T/junk" --initrd "$T/missing"
expect 2 "error: serial input .*No such file" -- run --bios "$T/junk" --serial-input "$T/missing"
expect 2 "error: invalid --drive .*not key=value" -- run --bios "$T/junk" --drive "$T/disk.img"
expect 2 "error: invalid --drive .*only format=raw" -- run --bios "$T/junk" --drive "file=$T/disk.img,format=qcow2"
expect 2 "error: invalid --drive .*unknown key" -- run --bios "$T/junk" --drive "file=$T/disk.img,cache=none"
expect 2 "error: invalid --drive .*on or off" -- run --bios "$T/junk" --drive "file=$T/disk.img,snapshot=yes"
expect 2 "error: invalid --drive .*file= is missing" -- run --bios "$T/junk" --drive "format=raw"
expect 2 "error: cannot open disk image .*" -- run --bios "$T/junk" --drive "file=$T/missing.img"
expect 2 "error: cannot open disk image .*512" -- run --bios "$T/junk" --drive "file=$T/odd.img"
expect 2 "error: at most 8 --drive" -- run --bios "$T/junk" $(for i in 1 2 3 4 5 6 7 8 9; do printf -- '--drive file=%s,readonly=on ' "$T/disk.img"; done)
expect 2 "error: cannot write .*" -- run --bios "$T/junk" --dump-dtb "$T/no/such/dir/virt.dtb"
expect 2 "error: --engine: tcg not in" -- run --engine tcg --kernel "$T/junk"
expect 2 "error: invalid --jit-cache-size '12Q'" -- run --jit-cache-size 12Q --kernel "$T/junk"
expect 2 "error: --jit-threshold: Value 0 not in range" -- run --jit-threshold 0 --kernel "$T/junk"
expect 2 "error: --jit-threshold: Value -1 not in range" -- run --jit-threshold -1 --kernel "$T/junk"
expect 2 "error: --jit-optimize-after: Value -1 not in range" -- run --jit-optimize-after -1 --kernel "$T/junk"

if [ -f "$FW/exit42.elf" ]; then
  expect 42 "" -- run --kernel "$FW/exit42.elf"
  expect 124 "stopped after 1000 instructions" -- run --max-insns 1000 --kernel "$FW/demo.elf"
  expect 124 "stopped after 1000 instructions" -- run --engine jit --jit-threshold 1 --jit-sync --max-insns 1000 --kernel "$FW/demo.elf"
  expect 2 "error: .*do not fit in RAM" -- run --memory 1M --kernel "$FW/demo.elf" --load "$FW/exit42.elf@0x80100000"
else
  echo "note: firmware not built, guest exit-code cases not run"
fi

# No arguments: usage on stdout, success.
"$P" >"$T/out" 2>&1
if [ $? -eq 0 ] && grep -q "run" "$T/out"; then passes=$((passes + 1)); else echo "FAIL: usage"; fails=$((fails + 1)); fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
