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

if [ -f "$FW/exit42.elf" ]; then
  expect 42 "" -- run --kernel "$FW/exit42.elf"
  expect 124 "stopped after 1000 instructions" -- run --max-insns 1000 --kernel "$FW/demo.elf"
  expect 2 "error: .*do not fit in RAM" -- run --memory 1M --kernel "$FW/demo.elf" --load "$FW/exit42.elf@0x80100000"
else
  echo "note: firmware not built, guest exit-code cases not run"
fi

# No arguments: usage on stdout, success.
"$P" >"$T/out" 2>&1
if [ $? -eq 0 ] && grep -q "run" "$T/out"; then passes=$((passes + 1)); else echo "FAIL: usage"; fails=$((fails + 1)); fi

echo "cli: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
